"""Assertions on the synthesized stacks (dev and prod): what the registries declare is there,
configured as docs/infra.md says, and nothing grants more than it should."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aws_cdk.assertions import Match, Template

from chalicelib.adapters.dynamodb.tables import TABLES
from chalicelib.domain.auth import Role
from infra.api import PLACEHOLDER_POOL_ARN, authorizer_name
from infra.environment import PLACEHOLDER, check_environment
from infra.permissions import DATA_SERVICES, RESOURCELESS_ACTIONS
from infra.registry import QUEUES, WORKERS
from infra.spec import Package, QueueTrigger, Schedule, SearchAccess, StreamTrigger
from infra.stages import STAGES
from infra.tables import table_specs
from tests.infra.conftest import Synthesized

ROOT = Path(__file__).resolve().parents[2]


def _workers(stack: Synthesized) -> list[Any]:
    has_search = STAGES[stack.stage].search is not None
    return [
        worker
        for worker in WORKERS
        if has_search or not any(isinstance(a, SearchAccess) for a in worker.access)
    ]


def _function(stack: Synthesized, name: str) -> dict[str, Any]:
    matches = [
        resource
        for resource in stack.of_type("AWS::Lambda::Function").values()
        if resource["Properties"].get("FunctionName") == name
    ]
    assert len(matches) == 1, f"{name}: {len(matches)} functions"
    return matches[0]


def _logical_of_function(stack: Synthesized, name: str) -> str:
    return next(
        logical
        for logical, resource in stack.of_type("AWS::Lambda::Function").items()
        if resource["Properties"].get("FunctionName") == name
    )


def _policy_documents(stack: Synthesized) -> Iterator[tuple[str, dict[str, Any]]]:
    for logical, resource in stack.resources.items():
        properties = resource.get("Properties", {})
        if resource["Type"] == "AWS::IAM::Role":
            for policy in properties.get("Policies", []):
                yield logical, policy["PolicyDocument"]
        elif resource["Type"] in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            yield logical, properties["PolicyDocument"]


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _with_placeholders(value: Any) -> str:
    """A template value (string or intrinsic) as a string a setting can be validated with."""
    if isinstance(value, str):
        return value
    parts = value.get("Fn::Join", ["", []])[1] if isinstance(value, dict) else []
    if parts:
        return "".join(part if isinstance(part, str) else PLACEHOLDER for part in parts)
    return PLACEHOLDER


# Tables ---------------------------------------------------------------------------------


def test_every_registered_table_is_in_the_stack_as_its_model_declares(
    stack: Synthesized,
) -> None:
    template = Template.from_json(stack.template)
    prefix = STAGES[stack.stage].prefix
    template.resource_count_is("AWS::DynamoDB::Table", len(TABLES))
    for spec in table_specs(TABLES):
        keys = [{"AttributeName": spec.partition_key.name, "KeyType": "HASH"}]
        if spec.sort_key:
            keys.append({"AttributeName": spec.sort_key.name, "KeyType": "RANGE"})
        expected: dict[str, Any] = {
            "TableName": spec.name(prefix),
            "KeySchema": keys,
            "BillingMode": "PAY_PER_REQUEST",
            "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
            "SSESpecification": {"SSEEnabled": True},
            "DeletionProtectionEnabled": STAGES[stack.stage].production,
            "StreamSpecification": (
                {"StreamViewType": spec.stream_view_type}
                if spec.stream_view_type
                else Match.absent()
            ),
            "TimeToLiveSpecification": (
                {"AttributeName": spec.ttl_attribute, "Enabled": True}
                if spec.ttl_attribute
                else Match.absent()
            ),
        }
        template.has_resource_properties("AWS::DynamoDB::Table", expected)


def test_table_indexes_match_the_models(stack: Synthesized) -> None:
    prefix = STAGES[stack.stage].prefix
    tables = {
        resource["Properties"]["TableName"]: resource["Properties"]
        for resource in stack.of_type("AWS::DynamoDB::Table").values()
    }
    for spec in table_specs(TABLES):
        declared = {
            index["IndexName"]: index
            for index in tables[spec.name(prefix)].get("GlobalSecondaryIndexes", [])
        }
        assert set(declared) == {index.name for index in spec.global_indexes}
        for index in spec.global_indexes:
            projection = declared[index.name]["Projection"]
            assert projection["ProjectionType"] == index.projection
            assert sorted(projection.get("NonKeyAttributes", [])) == sorted(
                index.non_key_attributes
            )
            keys = {
                key["KeyType"]: key["AttributeName"] for key in declared[index.name]["KeySchema"]
            }
            assert keys["HASH"] == index.partition_key.name
            assert keys.get("RANGE") == (index.sort_key.name if index.sort_key else None)


def test_production_keeps_its_data_when_the_stack_goes(assembly: dict[str, Synthesized]) -> None:
    prod = assembly["prod"]
    for resource_type in ("AWS::DynamoDB::Table", "AWS::S3::Bucket", "AWS::Cognito::UserPool"):
        for logical, resource in prod.of_type(resource_type).items():
            assert resource.get("DeletionPolicy") == "Retain", logical
    assert all(
        table["Properties"]["DeletionProtectionEnabled"]
        for table in prod.of_type("AWS::DynamoDB::Table").values()
    )
    dev_tables = assembly["dev"].of_type("AWS::DynamoDB::Table").values()
    assert all(table.get("DeletionPolicy") == "Delete" for table in dev_tables)


# Workers --------------------------------------------------------------------------------


def test_every_registered_worker_is_a_function_with_its_settings(stack: Synthesized) -> None:
    prefix = STAGES[stack.stage].prefix
    for worker in _workers(stack):
        properties = _function(stack, f"{prefix}-{worker.name}")["Properties"]
        assert properties["MemorySize"] == worker.memory_mb
        assert properties["Timeout"] == worker.timeout_seconds
        assert properties["TracingConfig"] == {"Mode": "Active"}
        assert properties["LoggingConfig"]["LogGroup"]
        if worker.package is Package.IMAGE:
            assert properties["PackageType"] == "Image"
            assert properties["ImageConfig"]["Command"] == [worker.handler]
        else:
            assert properties["Handler"] == worker.handler
            assert properties["Runtime"] == "python3.11"
        variables = properties["Environment"]["Variables"]
        assert variables["POWERTOOLS_SERVICE_NAME"] == worker.service_name
        assert variables["POWERTOOLS_METRICS_NAMESPACE"] == f"Repere/{stack.stage}"
        assert variables["POWERTOOLS_TRACER_CAPTURE_RESPONSE"] == "false"


def test_every_function_environment_is_valid_settings(stack: Synthesized) -> None:
    functions = list(stack.of_type("AWS::Lambda::Function").values())
    functions += list(stack.of_type("AWS::Serverless::Function").values())
    checked = 0
    for function in functions:
        variables = function["Properties"].get("Environment", {}).get("Variables")
        if not variables:
            continue  # the OpenSearch security bootstrap: no settings
        settings = check_environment(
            {name: _with_placeholders(value) for name, value in variables.items()}
        )
        assert settings.stage == stack.stage
        assert settings.table_prefix == STAGES[stack.stage].prefix
        assert settings.auth_mode == "cognito"
        checked += 1
    assert checked == len(_workers(stack)) + 1


def test_every_queue_trigger_reports_item_failures_and_has_a_dead_letter_queue(
    stack: Synthesized,
) -> None:
    template = Template.from_json(stack.template)
    prefix = STAGES[stack.stage].prefix
    for worker in _workers(stack):
        for trigger in worker.triggers:
            if not isinstance(trigger, QueueTrigger):
                continue
            template.has_resource_properties(
                "AWS::Lambda::EventSourceMapping",
                {
                    "FunctionName": {"Ref": _logical_of_function(stack, f"{prefix}-{worker.name}")},
                    "FunctionResponseTypes": ["ReportBatchItemFailures"],
                    "BatchSize": trigger.batch_size,
                },
            )
            template.has_resource_properties(
                "AWS::SQS::Queue",
                {
                    "QueueName": f"{prefix}-{trigger.queue}",
                    "VisibilityTimeout": worker.timeout_seconds * 6,
                    "RedrivePolicy": {
                        "deadLetterTargetArn": Match.any_value(),
                        "maxReceiveCount": trigger.max_receive_count,
                    },
                },
            )


def test_every_stream_trigger_bisects_retries_and_sends_failures_to_a_queue(
    stack: Synthesized,
) -> None:
    template = Template.from_json(stack.template)
    prefix = STAGES[stack.stage].prefix
    triggers = [
        (worker, trigger)
        for worker in _workers(stack)
        for trigger in worker.triggers
        if isinstance(trigger, StreamTrigger)
    ]
    for worker, trigger in triggers:
        template.has_resource_properties(
            "AWS::Lambda::EventSourceMapping",
            {
                "FunctionName": {"Ref": _logical_of_function(stack, f"{prefix}-{worker.name}")},
                "EventSourceArn": {"Fn::GetAtt": [Match.string_like_regexp("Table"), "StreamArn"]},
                "FunctionResponseTypes": ["ReportBatchItemFailures"],
                "BisectBatchOnFunctionError": trigger.bisect_batch_on_error,
                "MaximumRetryAttempts": trigger.retry_attempts,
                "DestinationConfig": {"OnFailure": {"Destination": Match.any_value()}},
                "StartingPosition": trigger.starting_position,
            },
        )
        template.has_resource_properties(
            "AWS::SQS::Queue",
            {"QueueName": f"{prefix}-{worker.name}-{trigger.table}-stream-failures"},
        )


def test_every_schedule_is_an_eventbridge_schedule_in_paris_time(stack: Synthesized) -> None:
    template = Template.from_json(stack.template)
    prefix = STAGES[stack.stage].prefix
    for worker in _workers(stack):
        for trigger in worker.triggers:
            if not isinstance(trigger, Schedule):
                continue
            template.has_resource_properties(
                "AWS::Scheduler::Schedule",
                {
                    "Name": f"{prefix}-{trigger.name}",
                    "ScheduleExpression": trigger.expression,
                    "ScheduleExpressionTimezone": trigger.timezone,
                    "State": "ENABLED",
                    "Target": {
                        "Arn": {
                            "Fn::GetAtt": [
                                _logical_of_function(stack, f"{prefix}-{worker.name}"),
                                "Arn",
                            ]
                        },
                        "Input": json.dumps(trigger.event),
                        "DeadLetterConfig": {"Arn": Match.any_value()},
                        "RetryPolicy": Match.any_value(),
                    },
                },
            )


def test_every_queue_is_encrypted_refuses_plain_http_and_has_a_dead_letter_path(
    stack: Synthesized,
) -> None:
    queues = stack.of_type("AWS::SQS::Queue")
    dead_letter_targets = {
        json.dumps(queue["Properties"]["RedrivePolicy"]["deadLetterTargetArn"])
        for queue in queues.values()
        if "RedrivePolicy" in queue["Properties"]
    }
    secured = {
        json.dumps(queue_ref)
        for policy in stack.of_type("AWS::SQS::QueuePolicy").values()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        if statement["Effect"] == "Deny"
        and statement.get("Condition") == {"Bool": {"aws:SecureTransport": "false"}}
        for queue_ref in policy["Properties"]["Queues"]
    }
    for logical, queue in queues.items():
        properties = queue["Properties"]
        assert properties.get("SqsManagedSseEnabled") is True, logical
        assert json.dumps({"Ref": logical}) in secured, logical
        is_dead_letter_queue = json.dumps({"Fn::GetAtt": [logical, "Arn"]}) in dead_letter_targets
        name = properties["QueueName"]
        assert (
            "RedrivePolicy" in properties
            or is_dead_letter_queue
            or name.endswith(("-stream-failures", "-schedule-failures"))
        ), f"{name}: neither has nor is a dead-letter queue"
    assert {f"{STAGES[stack.stage].prefix}-{name}" for name in QUEUES} <= {
        queue["Properties"]["QueueName"] for queue in queues.values()
    }


# IAM ------------------------------------------------------------------------------------


def test_no_policy_grants_a_wildcard_action(stack: Synthesized) -> None:
    for logical, document in _policy_documents(stack):
        for statement in document["Statement"]:
            for action in _listed(statement["Action"]):
                assert "*" not in action, f"{logical}: {action}"


def test_data_actions_name_their_resources(stack: Synthesized) -> None:
    """DynamoDB, S3, SQS, OpenSearch, SES, Secrets Manager, KMS: never on Resource "*"."""
    for logical, document in _policy_documents(stack):
        for statement in document["Statement"]:
            services = {action.split(":")[0] for action in _listed(statement["Action"])}
            if services & DATA_SERVICES:
                assert "*" not in _listed(statement["Resource"]), f"{logical}: {statement}"


def test_only_tracing_is_granted_on_every_resource(stack: Synthesized) -> None:
    for logical, document in _policy_documents(stack):
        for statement in document["Statement"]:
            if "*" in _listed(statement["Resource"]):
                assert set(_listed(statement["Action"])) <= {
                    "xray:PutTraceSegments",
                    "xray:PutTelemetryRecords",
                    *RESOURCELESS_ACTIONS,  # translate:TranslateText (infra/permissions.py)
                }, logical


def test_dynamodb_grants_name_tables_of_the_stack(stack: Synthesized) -> None:
    tables = set(stack.of_type("AWS::DynamoDB::Table"))
    for logical, document in _policy_documents(stack):
        for statement in document["Statement"]:
            if not any(action.startswith("dynamodb:") for action in _listed(statement["Action"])):
                continue
            for resource in _listed(statement["Resource"]):
                referenced = json.dumps(resource)
                assert any(f'"{table}"' in referenced for table in tables), (logical, resource)


def test_functions_have_one_role_each(stack: Synthesized) -> None:
    roles = [
        json.dumps(function["Properties"]["Role"])
        for function in list(stack.of_type("AWS::Lambda::Function").values())
        + list(stack.of_type("AWS::Serverless::Function").values())
    ]
    assert len(roles) == len(set(roles))


def test_every_acknowledged_finding_has_a_reason(stack: Synthesized) -> None:
    acknowledged = [
        rule
        for resource in stack.resources.values()
        for rule in resource.get("Metadata", {}).get("cdk_nag", {}).get("rules_to_suppress", [])
    ]
    assert acknowledged
    for rule in acknowledged:
        assert len(rule["reason"]) >= 20, rule


# Storage, search, mail ------------------------------------------------------------------


def test_the_exports_bucket_is_private_encrypted_and_https_only(stack: Synthesized) -> None:
    template = Template.from_json(stack.template)
    template.has_resource_properties(
        "AWS::S3::Bucket",
        {
            "PublicAccessBlockConfiguration": {
                "BlockPublicAcls": True,
                "BlockPublicPolicy": True,
                "IgnorePublicAcls": True,
                "RestrictPublicBuckets": True,
            },
            "BucketEncryption": {
                "ServerSideEncryptionConfiguration": [
                    {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
                ]
            },
            "VersioningConfiguration": {"Status": "Enabled"},
            "LifecycleConfiguration": {
                "Rules": Match.array_with(
                    [
                        Match.object_like(
                            {"AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1}}
                        )
                    ]
                )
            },
        },
    )
    template.has_resource_properties(
        "AWS::S3::BucketPolicy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Effect": "Deny",
                                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                            }
                        )
                    ]
                )
            }
        },
    )


def test_the_search_domain_is_encrypted_signed_and_closed_to_anonymous_callers(
    stack: Synthesized,
) -> None:
    domains = stack.of_type("AWS::OpenSearchService::Domain")
    assert len(domains) == (1 if STAGES[stack.stage].search else 0)
    for domain in domains.values():
        properties = domain["Properties"]
        assert properties["EncryptionAtRestOptions"] == {"Enabled": True}
        assert properties["NodeToNodeEncryptionOptions"] == {"Enabled": True}
        assert properties["DomainEndpointOptions"]["EnforceHTTPS"] is True
        security = properties["AdvancedSecurityOptions"]
        assert security["Enabled"] is True
        assert security["AnonymousAuthEnabled"] is False
        assert security["InternalUserDatabaseEnabled"] is False
        assert set(properties["LogPublishingOptions"]) >= {"SEARCH_SLOW_LOGS", "INDEX_SLOW_LOGS"}
        for statement in properties["AccessPolicies"]["Statement"]:
            principals = _listed(statement["Principal"]["AWS"])
            assert principals and all("Fn::GetAtt" in principal for principal in principals)


def test_bounces_and_complaints_reach_an_encrypted_topic(stack: Synthesized) -> None:
    template = Template.from_json(stack.template)
    template.has_resource_properties(
        "AWS::SES::ConfigurationSetEventDestination",
        {
            "EventDestination": Match.object_like(
                {
                    "Enabled": True,
                    "MatchingEventTypes": Match.array_with(["bounce", "complaint"]),
                    "SnsDestination": Match.any_value(),
                }
            )
        },
    )
    for topic in stack.of_type("AWS::SNS::Topic").values():
        assert "KmsMasterKeyId" in topic["Properties"]


# Alarms ---------------------------------------------------------------------------------


def _alarm_names(stack: Synthesized) -> set[str]:
    return {
        alarm["Properties"]["AlarmName"]
        for alarm in stack.of_type("AWS::CloudWatch::Alarm").values()
    }


def test_every_function_alarms_on_errors_and_throttles(stack: Synthesized) -> None:
    prefix = STAGES[stack.stage].prefix
    names = _alarm_names(stack)
    for function in [worker.name for worker in _workers(stack)] + ["api"]:
        assert {f"{prefix}-{function}-errors", f"{prefix}-{function}-throttles"} <= names


def test_every_dead_letter_queue_alarms_when_not_empty(stack: Synthesized) -> None:
    names = _alarm_names(stack)
    for queue in stack.of_type("AWS::SQS::Queue").values():
        name = queue["Properties"]["QueueName"]
        if "RedrivePolicy" not in queue["Properties"]:
            assert f"{name}-not-empty" in names


def test_the_api_and_the_search_cluster_are_alarmed(stack: Synthesized) -> None:
    prefix = STAGES[stack.stage].prefix
    names = _alarm_names(stack)
    assert f"{prefix}-api-5xx" in names
    if STAGES[stack.stage].search is not None:
        assert {
            f"{prefix}-search-red",
            f"{prefix}-search-free-storage",
            f"{prefix}-search-writes-blocked",
        } <= names
    topics = {json.dumps({"Ref": logical}) for logical in stack.of_type("AWS::SNS::Topic")}
    for alarm in stack.of_type("AWS::CloudWatch::Alarm").values():
        assert {json.dumps(action) for action in alarm["Properties"]["AlarmActions"]} <= topics


# API ------------------------------------------------------------------------------------


def _api(stack: Synthesized) -> dict[str, Any]:
    (api,) = stack.of_type("AWS::Serverless::Api").values()
    properties: dict[str, Any] = api["Properties"]
    return properties


def test_admin_routes_are_behind_the_stages_cognito_user_pool(stack: Synthesized) -> None:
    (pool,) = stack.of_type("AWS::Cognito::UserPool")
    definition = _api(stack)["DefinitionBody"]
    authorizers = definition["securityDefinitions"]
    # The back-office authorizer, and API Gateway's key check of the change feed (partner
    # usage plan keys: docs/partners.md).
    assert set(authorizers) == {authorizer_name(), "api_key"}
    provider = authorizers[authorizer_name()]["x-amazon-apigateway-authorizer"]
    assert provider["providerARNs"] == [{"Fn::GetAtt": [pool, "Arn"]}]
    admin_methods = [
        method
        for path, methods in definition["paths"].items()
        if path.startswith("/admin")
        for name, method in methods.items()
        if name != "options"
    ]
    assert admin_methods
    for method in admin_methods:
        assert method["security"] == [{authorizer_name(): []}]


def test_no_packaging_placeholder_reaches_the_template(stack: Synthesized) -> None:
    assert not [value for value in _strings(stack.template) if PLACEHOLDER_POOL_ARN in value]
    assert not [value for value in _strings(stack.template) if "${Token[" in value]


def test_the_api_is_traced_logged_and_throttled(stack: Synthesized) -> None:
    api = _api(stack)
    config = STAGES[stack.stage]
    assert api["TracingEnabled"] is True
    assert "DestinationArn" in api["AccessLogSetting"]
    (settings,) = api["MethodSettings"]
    assert settings["ThrottlingRateLimit"] == config.api_rate_per_second
    assert settings["DataTraceEnabled"] is False
    (function,) = stack.of_type("AWS::Serverless::Function").values()
    assert function["Properties"]["Tracing"] == "Active"
    assert function["Properties"]["FunctionName"] == f"{config.prefix}-api"


def test_the_back_office_groups_are_the_roles(stack: Synthesized) -> None:
    groups = {
        group["Properties"]["GroupName"]
        for group in stack.of_type("AWS::Cognito::UserPoolGroup").values()
    }
    assert groups == {role.value for role in Role}
    (client,) = stack.of_type("AWS::Cognito::UserPoolClient").values()
    assert "custom:departments" not in client["Properties"]["WriteAttributes"]
    assert "custom:departments" in client["Properties"]["ReadAttributes"]


def test_partners_get_a_usage_plan_on_the_api_stage(stack: Synthesized) -> None:
    (plan,) = stack.of_type("AWS::ApiGateway::UsagePlan").values()
    (api_stage,) = plan["Properties"]["ApiStages"]
    assert api_stage["Stage"] == {"Ref": "RestAPI.Stage"}
    assert plan["Properties"]["Quota"]["Period"] == "DAY"


def test_the_api_registers_issued_keys_in_the_partner_plan_only(stack: Synthesized) -> None:
    """docs/partners.md, "Two gates": the plan's id through an SSM parameter (no cycle with
    the function the plan's stage needs), and a policy on the API's role naming that plan."""
    ((plan_id, _),) = stack.of_type("AWS::ApiGateway::UsagePlan").items()
    (parameter,) = stack.of_type("AWS::SSM::Parameter").values()
    assert parameter["Properties"]["Value"] == {"Ref": plan_id}
    (function,) = stack.of_type("AWS::Serverless::Function").values()
    variables = function["Properties"]["Environment"]["Variables"]
    assert variables["REPERE_PARTNER_USAGE_PLAN_PARAMETER"] == parameter["Properties"]["Name"]
    (policy,) = (
        resource
        for logical, resource in stack.of_type("AWS::IAM::Policy").items()
        if logical.startswith("ApiPartnerKeysPolicy")
    )
    statements = {s["Sid"]: s for s in policy["Properties"]["PolicyDocument"]["Statement"]}
    assert {sid: s["Action"] for sid, s in statements.items()} == {
        "PartnerKeysCreate": "apigateway:POST",
        "PartnerKeysAttach": "apigateway:POST",
        "PartnerKeysDisable": "apigateway:PATCH",
        "PartnerUsagePlanParameter": "ssm:GetParameter",
    }
    assert plan_id in json.dumps(statements["PartnerKeysAttach"]["Resource"])
    # API Gateway itself requires a key of the plan on the change feed (not on its preflight).
    definition = stack.resources["RestAPI"]["Properties"]["DefinitionBody"]
    changes = definition["paths"]["/changes"]
    assert changes["get"]["security"] == [{"api_key": []}]
    assert "security" not in changes["options"]


def test_waf_protects_production_only(assembly: dict[str, Synthesized]) -> None:
    for stage, stack in assembly.items():
        expected = 1 if STAGES[stage].waf else 0
        assert len(stack.of_type("AWS::WAFv2::WebACLAssociation")) == expected


def test_chalice_stages_use_the_stack_table_prefix() -> None:
    config = json.loads((ROOT / ".chalice" / "config.json").read_text(encoding="utf-8"))
    for name, stage in STAGES.items():
        variables = config["stages"][name]["environment_variables"]
        assert variables["REPERE_TABLE_PREFIX"] == stage.prefix
        assert variables["REPERE_STAGE"] == name


@pytest.mark.parametrize("stage", sorted(STAGES))
def test_the_worker_image_context_holds_only_what_the_dockerfile_copies(
    stage: str, assembly: dict[str, Synthesized]
) -> None:
    del assembly  # synthesized
    from infra.check import DEFAULT_OUT

    manifest = json.loads((DEFAULT_OUT / f"{stage}.assets.json").read_text(encoding="utf-8"))
    contexts = {image["source"]["directory"] for image in manifest["dockerImages"].values()}
    assert len(contexts) == 1
    (context,) = contexts
    top = {path.name for path in (DEFAULT_OUT / context).iterdir()}
    assert top == {
        "chalicelib",
        "functions",
        "templates",
        "infra",
        "requirements.txt",
        "requirements-workers.txt",
    }
    assert {path.name for path in (DEFAULT_OUT / context / "infra").iterdir()} == {"docker"}


# Secrets and mail -------------------------------------------------------------------------


def _api_variables(stack: Synthesized) -> dict[str, Any]:
    (function,) = stack.of_type("AWS::Serverless::Function").values()
    variables: dict[str, Any] = function["Properties"]["Environment"]["Variables"]
    return variables


def test_secrets_are_generated_by_aws_and_reach_functions_by_reference(stack: Synthesized) -> None:
    for secret in stack.of_type("AWS::SecretsManager::Secret").values():
        assert "GenerateSecretString" in secret["Properties"]
        assert "SecretString" not in secret["Properties"]
    value = json.dumps(_api_variables(stack)["REPERE_SUBMISSIONS_HASH_SECRET"])
    assert "{{resolve:secretsmanager:" in value


def test_the_self_update_keys_are_an_ssm_parameter_read_by_name(stack: Synthesized) -> None:
    name = f"/repere/{stack.stage}/self-update-keys"
    assert _api_variables(stack)["REPERE_SELF_UPDATE_KEYS_PARAMETER"] == name
    granted = [
        json.dumps(statement["Resource"])
        for _, document in _policy_documents(stack)
        for statement in document["Statement"]
        if "ssm:GetParameter" in _listed(statement["Action"])
        # The partner plan's id is the API's other parameter (docs/partners.md).
        and statement.get("Sid") != "PartnerUsagePlanParameter"
    ]
    assert granted
    assert all(f":parameter{name}" in resource for resource in granted)


def test_mail_feedback_reaches_its_queue_in_the_sns_envelope(stack: Synthesized) -> None:
    template = Template.from_json(stack.template)
    template.has_resource_properties(
        "AWS::SNS::Subscription",
        {
            "Protocol": "sqs",
            "TopicArn": {"Ref": Match.string_like_regexp("MailFeedbackTopic")},
            "Endpoint": {"Fn::GetAtt": [Match.string_like_regexp("MailFeedbackQueue"), "Arn"]},
            "RawMessageDelivery": False,
        },
    )


def test_mail_is_sent_from_the_stage_identity_with_its_configuration_set(
    stack: Synthesized,
) -> None:
    variables = _api_variables(stack)
    assert variables["REPERE_MAIL_CONFIGURATION_SET"] == STAGES[stack.stage].prefix
    _, (local_part, domain) = variables["REPERE_MAIL_FROM_ADDRESS"]["Fn::Join"]
    assert local_part == "no-reply@"
    parameter = stack.template["Parameters"][domain["Ref"]]
    assert parameter["Type"] == "AWS::SSM::Parameter::Value<String>"
    assert parameter["Default"] == f"/repere/{stack.stage}/mail-domain"


def test_the_api_may_invoke_only_the_preview_worker_whose_name_it_is_given(
    stack: Synthesized,
) -> None:
    name = f"{STAGES[stack.stage].prefix}-newsletter-preview"
    assert _api_variables(stack)["REPERE_NEWSLETTER_PREVIEW_FUNCTION"] == name
    assert _function(stack, name)["Properties"]["FunctionName"] == name
    invoking = [
        (logical, statement)
        for logical, document in _policy_documents(stack)
        for statement in document["Statement"]
        if "lambda:InvokeFunction" in _listed(statement["Action"])
        and f":function:{name}" in json.dumps(statement["Resource"])
    ]
    assert [logical for logical, _ in invoking] == [
        logical for logical in stack.of_type("AWS::IAM::Role") if logical.startswith("ApiRole")
    ]
    ((_, statement),) = invoking
    assert _listed(statement["Action"]) == ["lambda:InvokeFunction"]
    (resource,) = _listed(statement["Resource"])
    assert json.dumps(resource).endswith(f':function:{name}"]]}}')
