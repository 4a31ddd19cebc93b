"""Access declarations → IAM statements (infra/permissions.py), over plain ARNs."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from infra import permissions
from infra.permissions import (
    DATA_SERVICES,
    RESOURCELESS_ACTIONS,
    Statement,
    statements_for,
    wildcard_actions,
)
from infra.registry import API, WORKERS
from infra.spec import bucket, email, function, parameter, queue, search, secret, table

ACCOUNT = "arn:aws:{service}:eu-west-3:123456789012:{resource}"


class FakeArns:
    def __init__(self, *, search: bool = True) -> None:
        self._search = search

    def table(self, logical: str) -> str:
        return ACCOUNT.format(service="dynamodb", resource=f"table/repere-test-{logical}")

    def table_indexes(self, logical: str) -> Sequence[str]:
        if logical != "places":
            return []
        return [f"{self.table(logical)}/index/{name}" for name in ("geo_fine", "geo_coarse")]

    def bucket(self, name: str) -> str:
        return f"arn:aws:s3:::repere-test-{name}"

    def queue(self, name: str) -> str:
        return ACCOUNT.format(service="sqs", resource=f"repere-test-{name}")

    def search_domain(self) -> str | None:
        return ACCOUNT.format(service="es", resource="domain/repere-test") if self._search else None

    def email_identity(self) -> str:
        return ACCOUNT.format(service="ses", resource="identity/example.org")

    def email_configuration_set(self) -> str:
        return ACCOUNT.format(service="ses", resource="configuration-set/repere-test")

    def secret(self, name: str) -> str:
        return ACCOUNT.format(service="secretsmanager", resource=f"secret:repere/test/{name}-AbC")

    def parameter(self, name: str) -> str:
        return ACCOUNT.format(service="ssm", resource=f"parameter/repere/test/{name}")

    def function(self, name: str) -> str:
        return ACCOUNT.format(service="lambda", resource=f"function:repere-test-{name}")


ARNS = FakeArns()


def _by_sid(statements: list[Statement]) -> dict[str, Statement]:
    return {statement.sid: statement for statement in statements}


def test_reading_a_table_reaches_the_table_and_each_of_its_indexes_by_name() -> None:
    (statement,) = statements_for([table("places", "read")], ARNS)
    assert statement.actions == (
        "dynamodb:GetItem",
        "dynamodb:BatchGetItem",
        "dynamodb:Query",
        "dynamodb:ConditionCheckItem",
    )
    assert statement.resources == (
        ARNS.table("places"),
        f"{ARNS.table('places')}/index/geo_fine",
        f"{ARNS.table('places')}/index/geo_coarse",
    )
    assert statement.wildcard_reason is None


def test_writing_a_table_names_the_table_only_and_never_reads() -> None:
    (statement,) = statements_for([table("places", "write")], ARNS)
    assert statement.resources == (ARNS.table("places"),)
    assert "dynamodb:GetItem" not in statement.actions
    assert "dynamodb:Scan" not in statement.actions
    assert "dynamodb:PutItem" in statement.actions


def test_scan_is_granted_only_when_declared() -> None:
    statements = _by_sid(statements_for([table("places", "read", "scan", "write")], ARNS))
    assert "dynamodb:Scan" in statements["PlacesRead"].actions
    (plain,) = statements_for([table("places", "read")], ARNS)
    assert "dynamodb:Scan" not in plain.actions


def test_bucket_object_grants_are_limited_to_the_prefix_and_explain_their_wildcard() -> None:
    statements = _by_sid(statements_for([bucket("exports", "read", "list", prefix="pdf/")], ARNS))
    objects = statements["ExportsObjects"]
    assert objects.actions == ("s3:GetObject",)
    assert objects.resources == ("arn:aws:s3:::repere-test-exports/pdf/*",)
    assert objects.wildcard_reason
    assert statements["ExportsList"].resources == ("arn:aws:s3:::repere-test-exports",)


def test_sending_to_a_queue_is_only_send_message() -> None:
    (statement,) = statements_for([queue("exports", "send")], ARNS)
    assert statement.actions == ("sqs:SendMessage",)
    assert statement.resources == (ARNS.queue("exports"),)


def test_search_reads_do_not_write_and_vanish_without_a_domain() -> None:
    (read,) = statements_for([search("read")], ARNS)
    assert "es:ESHttpPut" not in read.actions
    assert "es:ESHttpDelete" not in read.actions
    assert read.resources == (f"{ARNS.search_domain()}/*",)
    (write,) = statements_for([search("write")], ARNS)
    assert {"es:ESHttpPut", "es:ESHttpDelete"} <= set(write.actions)
    assert statements_for([search("read")], FakeArns(search=False)) == []


def test_email_and_secrets_name_one_identity_and_one_secret() -> None:
    (mail,) = statements_for([email("send")], ARNS)
    assert mail.resources == (ARNS.email_identity(), ARNS.email_configuration_set())
    (key,) = statements_for([secret("link-key", env="REPERE_LINK_KEY_ARN")], ARNS)
    assert key.actions == ("secretsmanager:GetSecretValue",)
    assert key.resources == (ARNS.secret("link-key"),)


def test_a_parameter_is_read_by_its_exact_name() -> None:
    (statement,) = statements_for(
        [parameter("self-update-keys", env="REPERE_SELF_UPDATE_KEYS_PARAMETER")], ARNS
    )
    assert statement.actions == ("ssm:GetParameter",)
    assert statement.resources == (ARNS.parameter("self-update-keys"),)


def test_invoking_a_function_is_invoke_function_on_that_function_only() -> None:
    declared = function("newsletter-preview", "invoke", env="REPERE_NEWSLETTER_PREVIEW_FUNCTION")
    assert statements_for([declared], ARNS) == [
        Statement(
            "NewsletterPreviewInvoke",
            ("lambda:InvokeFunction",),
            ("arn:aws:lambda:eu-west-3:123456789012:function:repere-test-newsletter-preview",),
        )
    ]


def test_the_api_may_invoke_the_preview_worker_and_no_other_function() -> None:
    invoked = [
        statement
        for statement in statements_for(API.access, ARNS)
        if any(action.startswith("lambda:") for action in statement.actions)
    ]
    assert [(s.actions, s.resources) for s in invoked] == [
        (("lambda:InvokeFunction",), (ARNS.function("newsletter-preview"),))
    ]


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: function("newsletter-preview", env="REPERE_X"), "at least one verb"),
        (lambda: function("newsletter-preview", "invoke-async", env="REPERE_X"), "unknown"),
        (lambda: function("newsletter-preview", "invoke", env="PREVIEW"), "REPERE_"),
        (lambda: function("Preview", "invoke", env="REPERE_X"), "must match"),
    ],
)
def test_bad_function_access_is_refused(build: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build()  # type: ignore[operator]


def test_a_secret_delivered_as_a_value_grants_nothing_at_run_time() -> None:
    """CloudFormation resolves it at deploy time; the function never calls Secrets Manager."""
    declared = secret("submissions-hash", env="REPERE_SUBMISSIONS_HASH_SECRET", delivery="value")
    assert statements_for([declared], ARNS) == []


def test_trigger_statements_name_their_queue_or_stream() -> None:
    consume = permissions.queue_consumer("exports", ARNS.queue("exports"))
    assert "sqs:ReceiveMessage" in consume.actions
    assert "sqs:SendMessage" not in consume.actions
    stream = permissions.stream_consumer("places", f"{ARNS.table('places')}/stream/2026")
    assert "dynamodb:GetRecords" in stream.actions
    assert stream.resources == (f"{ARNS.table('places')}/stream/2026",)


@pytest.mark.parametrize(
    "access",
    [API.access, *(worker.access for worker in WORKERS)],
    ids=["api", *(worker.name for worker in WORKERS)],
)
def test_registered_access_never_yields_a_wildcard_action_or_an_unexplained_wildcard(
    access: tuple[object, ...],
) -> None:
    for statement in statements_for(access, ARNS):  # type: ignore[arg-type]
        assert wildcard_actions(statement.actions) == []
        assert {action.split(":")[0] for action in statement.actions} <= DATA_SERVICES or set(
            statement.actions
        ) <= RESOURCELESS_ACTIONS
        if any("*" in resource for resource in statement.resources):
            assert statement.wildcard_reason


def test_wildcard_actions_are_detected() -> None:
    assert wildcard_actions(["dynamodb:*", "s3:Get*", "sqs:SendMessage"]) == [
        "dynamodb:*",
        "s3:Get*",
    ]


def test_statement_ids_are_alphanumeric() -> None:
    for statement in statements_for(API.access, ARNS):
        assert statement.sid.isalnum(), statement.sid
