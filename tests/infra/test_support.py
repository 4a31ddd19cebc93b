"""The pieces around the stack: environment checks, cdk-nag finding ids, packaging, the
OpenSearch security bootstrap, the infra-check fingerprint."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest

from infra.check import inputs_digest, violations
from infra.custom.opensearch_security import security_requests
from infra.environment import PLACEHOLDER, check_environment, powertools, with_placeholders
from infra.nag import flatten_reference
from infra.packaging import PLATFORM, PYTHON_VERSION, ZIP_REQUIREMENTS, PipBundling, pip_command

# Environment ------------------------------------------------------------------------------

DEPLOYED = {
    "REPERE_STAGE": "prod",
    "REPERE_TABLE_PREFIX": "repere-prod",
    "REPERE_AUTH_MODE": "cognito",
    "REPERE_COGNITO_USER_POOL_ARNS": "${Token[TOKEN.12]}",
    "REPERE_EXPORTS_BUCKET": "${Token[TOKEN.40]}",
    "REPERE_OPENSEARCH_ENDPOINT": "https://${Token[TOKEN.7]}",
}


def test_a_deployed_environment_with_tokens_validates() -> None:
    settings = check_environment(
        {**DEPLOYED, **powertools("repere-api", namespace="Repere/prod", log_level="INFO")}
    )
    assert settings.exports_bucket == PLACEHOLDER
    assert settings.opensearch_endpoint == f"https://{PLACEHOLDER}"


def test_a_deployed_stage_without_cognito_is_refused() -> None:
    """The development JWT secret never runs in a deployed stage (chalicelib/config.py)."""
    with pytest.raises(ValueError, match="development JWT secret"):
        check_environment({**DEPLOYED, "REPERE_AUTH_MODE": "local"})


def test_a_deployed_stage_with_the_development_submissions_key_is_refused() -> None:
    """The API's key comes from Secrets Manager; the development one never runs deployed."""
    from chalicelib.config import DEV_SUBMISSIONS_SECRET

    with pytest.raises(ValueError, match="REPERE_SUBMISSIONS_HASH_SECRET"):
        check_environment({**DEPLOYED, "REPERE_SUBMISSIONS_HASH_SECRET": DEV_SUBMISSIONS_SECRET})


@pytest.mark.parametrize(
    "variables",
    [
        {"REPERE_EXPORT_BUCKET": "typo"},
        {"DEBUG": "1"},
        {"REPERE_SEARCH_BACKEND": "elastic"},
    ],
)
def test_unknown_or_invalid_variables_are_refused(variables: dict[str, str]) -> None:
    with pytest.raises(ValueError):
        check_environment({**DEPLOYED, **variables})


def test_token_markers_are_replaced_wherever_they_appear() -> None:
    assert (
        with_placeholders("a-${Token[X.1]}-b-${Token[Y.22]}") == f"a-{PLACEHOLDER}-b-{PLACEHOLDER}"
    )


def test_traces_never_capture_responses_or_errors() -> None:
    """Responses and exception messages may hold private fields."""
    settings = powertools("repere-x", namespace="Repere/dev", log_level="INFO")
    assert settings["POWERTOOLS_TRACER_CAPTURE_RESPONSE"] == "false"
    assert settings["POWERTOOLS_TRACER_CAPTURE_ERROR"] == "false"
    assert settings["POWERTOOLS_LOGGER_LOG_EVENT"] == "false"


# cdk-nag finding ids ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("resolved", "flat"),
    [
        ("*", "*"),
        ({"Fn::GetAtt": ["ExportsBucket5A12738B", "Arn"]}, "<ExportsBucket5A12738B.Arn>"),
        (
            {"Fn::Join": ["", [{"Fn::GetAtt": ["ExportsBucket5A12738B", "Arn"]}, "/*"]]},
            "<ExportsBucket5A12738B.Arn>/*",
        ),
        (
            {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":logs:eu-west-3:x:*"]]},
            "arn:<AWS::Partition>:logs:eu-west-3:x:*",
        ),
        ({"Fn::Sub": "arn:${AWS::Partition}:es:*"}, "arn:<AWS::Partition>:es:*"),
        ({"Fn::Select": [0, ["a", "b"]]}, '{"Fn::Select":[0,["a","b"]]}'),
    ],
)
def test_finding_ids_flatten_references_as_cdk_nag_does(resolved: object, flat: str) -> None:
    assert flatten_reference(resolved) == flat


def test_every_finding_of_a_validation_report_counts_whatever_its_severity() -> None:
    report = {
        "pluginReports": [
            {
                "pluginName": "AwsSolutions",
                "violations": [
                    {
                        "ruleName": "AwsSolutions-SQS3",
                        "severity": "error",
                        "violatingConstructs": [{"constructPath": "dev/Queue/Resource"}],
                    }
                ],
            },
            {
                "pluginName": "CloudFormation Validate",
                "violations": [{"ruleName": "F3031", "severity": "warning"}],
            },
        ]
    }
    found = violations(report)
    assert len(found) == 2
    assert "AwsSolutions-SQS3" in found[0]
    assert "dev/Queue/Resource" in found[0]


# Packaging --------------------------------------------------------------------------------


def test_pip_installs_lambda_wheels_for_the_lambda_python(tmp_path: Path) -> None:
    command = pip_command(tmp_path / "requirements.txt", str(tmp_path / "out"))
    assert command[command.index("--platform") + 1] == PLATFORM
    assert command[command.index("--python-version") + 1] == PYTHON_VERSION
    assert "--only-binary=:all:" in command


def test_local_bundling_installs_requirements_then_copies_the_worker_sources(
    tmp_path: Path,
) -> None:
    root = tmp_path / "repo"
    for name in ("chalicelib", "functions", "templates"):
        (root / name / "__pycache__").mkdir(parents=True)
        (root / name / "module.py").write_text("x = 1\n")
        (root / name / "__pycache__" / "module.cpython-311.pyc").write_bytes(b"\0")
    (root / "tests").mkdir()
    (root / "tests" / "test_secret.py").write_text("x = 1\n")
    ran: list[Sequence[str]] = []
    output = tmp_path / "out"

    assert PipBundling(root, run=ran.append).try_bundle(str(output))

    assert ran == [pip_command(root / ZIP_REQUIREMENTS, str(output))]
    assert {path.name for path in output.iterdir()} == {"chalicelib", "functions", "templates"}
    assert not list(output.rglob("__pycache__"))


# OpenSearch security bootstrap -------------------------------------------------------------


def test_the_security_bootstrap_puts_each_role_then_its_mapping() -> None:
    properties = {
        "Endpoint": "search.example",
        "Roles": {
            "repere_search_read": {
                "ClusterPermissions": ["cluster_composite_ops_ro"],
                "IndexPatterns": ["repere-places*"],
                "IndexActions": ["read"],
                "BackendRoles": ["arn:aws:iam::1:role/api", "arn:aws:iam::1:role/api"],
            },
            "repere_search_write": {
                "ClusterPermissions": ["cluster_composite_ops"],
                "IndexPatterns": ["repere-places*"],
                "IndexActions": ["indices_all"],
                "BackendRoles": [],
            },
        },
    }
    requests = security_requests(properties)
    assert [(method, path) for method, path, _ in requests] == [
        ("PUT", "_plugins/_security/api/roles/repere_search_read"),
        ("PUT", "_plugins/_security/api/rolesmapping/repere_search_read"),
        ("PUT", "_plugins/_security/api/roles/repere_search_write"),
        ("PUT", "_plugins/_security/api/rolesmapping/repere_search_write"),
    ]
    role = requests[0][2]
    assert role["index_permissions"] == [
        {"index_patterns": ["repere-places*"], "allowed_actions": ["read"]}
    ]
    assert requests[1][2] == {"backend_roles": ["arn:aws:iam::1:role/api"]}
    assert requests[3][2] == {"backend_roles": []}
    json.dumps(requests)  # bodies are JSON


# Fingerprint ------------------------------------------------------------------------------


def test_the_synthesis_fingerprint_changes_with_any_input(tmp_path: Path) -> None:
    for name in ("infra", "chalicelib", "functions", "templates", ".chalice"):
        (tmp_path / name).mkdir()
    (tmp_path / "app.py").write_text("app = 1\n")
    (tmp_path / "infra" / "stack.py").write_text("x = 1\n")
    (tmp_path / ".chalice" / "config.json").write_text("{}")
    (tmp_path / "requirements.txt").write_text("boto3==1\n")
    before = inputs_digest(tmp_path)
    assert inputs_digest(tmp_path) == before
    (tmp_path / "requirements.txt").write_text("boto3==2\n")
    assert inputs_digest(tmp_path) != before
    after_requirements = inputs_digest(tmp_path)
    (tmp_path / "infra" / "__pycache__").mkdir()
    (tmp_path / "infra" / "__pycache__" / "stack.cpython-311.pyc").write_bytes(b"\0")
    assert inputs_digest(tmp_path) == after_requirements
