"""Access declarations (infra/spec.py) → IAM statements: exact actions on exact resources.

Pure functions over strings: ``ResourceArns`` resolves a registry name to an ARN (CDK tokens in
the stack, plain ARNs in unit tests). No action is ever a wildcard. A resource carries a
wildcard only where AWS gives no other way to name it (objects of a bucket, paths of a search
domain, log streams of a log group, X-Ray); such a statement says why in ``wildcard_reason``,
and infra/nag.py turns that reason into the cdk-nag acknowledgment of that exact finding.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from infra.spec import (
    Access,
    BucketAccess,
    EmailAccess,
    FunctionAccess,
    ParameterAccess,
    QueueAccess,
    SearchAccess,
    SecretAccess,
    TableAccess,
    TranslateAccess,
)

TABLE_ACTIONS: dict[str, tuple[str, ...]] = {
    "read": (
        "dynamodb:GetItem",
        "dynamodb:BatchGetItem",
        "dynamodb:Query",
        "dynamodb:ConditionCheckItem",
    ),
    # TransactWriteItems is authorised item by item with these actions.
    "write": (
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:DeleteItem",
        "dynamodb:BatchWriteItem",
        "dynamodb:ConditionCheckItem",
    ),
    "scan": ("dynamodb:Scan",),
}
"""Verbs that reach indexes: ``read`` (Query) and ``scan``; writes name the table only."""

STREAM_ACTIONS = (
    "dynamodb:DescribeStream",
    "dynamodb:GetRecords",
    "dynamodb:GetShardIterator",
    "dynamodb:ListStreams",
)
BUCKET_OBJECT_ACTIONS: dict[str, tuple[str, ...]] = {
    "read": ("s3:GetObject",),
    "write": ("s3:PutObject",),
    "delete": ("s3:DeleteObject",),
}
QUEUE_SEND_ACTIONS = ("sqs:SendMessage",)
QUEUE_CONSUME_ACTIONS = (
    "sqs:ReceiveMessage",
    "sqs:DeleteMessage",
    "sqs:ChangeMessageVisibility",
    "sqs:GetQueueAttributes",
)
SEARCH_ACTIONS: dict[str, tuple[str, ...]] = {
    "read": ("es:ESHttpGet", "es:ESHttpHead", "es:ESHttpPost"),
    "write": (
        "es:ESHttpGet",
        "es:ESHttpHead",
        "es:ESHttpPost",
        "es:ESHttpPut",
        "es:ESHttpDelete",
        "es:ESHttpPatch",
    ),
}
EMAIL_ACTIONS = ("ses:SendEmail", "ses:SendRawEmail")
SECRET_ACTIONS = ("secretsmanager:GetSecretValue",)
PARAMETER_ACTIONS = ("ssm:GetParameter",)
FUNCTION_ACTIONS: dict[str, tuple[str, ...]] = {"invoke": ("lambda:InvokeFunction",)}
TRANSLATE_ACTIONS = ("translate:TranslateText",)
LOG_ACTIONS = ("logs:CreateLogStream", "logs:PutLogEvents")
TRACE_ACTIONS = ("xray:PutTraceSegments", "xray:PutTelemetryRecords")

DATA_SERVICES = frozenset(
    {"dynamodb", "s3", "sqs", "es", "ses", "secretsmanager", "kms", "ssm", "sns", "lambda"}
)
"""Services whose actions must name resources; ``*`` is never acceptable in their actions."""
RESOURCELESS_ACTIONS = frozenset({"translate:TranslateText"})
"""Actions IAM authorises on no resource of ours (Resource "*"), granted one by one with the
reason: Amazon Translate's TranslateText names only custom terminologies, which we do not use."""


class ResourceArns(Protocol):
    """Names of the registry → ARNs (tokens in the stack)."""

    def table(self, logical: str) -> str: ...

    def table_indexes(self, logical: str) -> Sequence[str]: ...

    def bucket(self, name: str) -> str: ...

    def queue(self, name: str) -> str: ...

    def search_domain(self) -> str | None: ...

    def email_identity(self) -> str: ...

    def email_configuration_set(self) -> str: ...

    def secret(self, name: str) -> str: ...

    def parameter(self, name: str) -> str: ...

    def function(self, name: str) -> str: ...


@dataclass(frozen=True)
class Statement:
    sid: str
    actions: tuple[str, ...]
    resources: tuple[str, ...]
    wildcard_reason: str | None = None
    """Why a resource of this statement holds a wildcard (None: it holds none)."""


def _sid(*parts: str) -> str:
    # Sids are alphanumeric: "places", "read" → "PlacesRead".
    return "".join(piece.capitalize() for part in parts for piece in part.split("-"))


def _ordered(actions: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(actions))


def statements_for(access: Iterable[Access], arns: ResourceArns) -> list[Statement]:
    """The statements of a function's access declarations, in declaration order."""
    statements: list[Statement] = []
    seen: set[str] = set()
    for declared in access:
        for made in _statements(declared, arns):
            statement = made
            if statement.sid in seen and isinstance(declared, BucketAccess) and declared.prefix:
                # A second grant on one bucket, under a prefix (the API reads the exports and
                # writes imports/ only): "ExportsObjectsImports", as Sids must be unique.
                words = [w for w in re.split(r"[^A-Za-z0-9]+", declared.prefix) if w]
                statement = dataclasses.replace(statement, sid=statement.sid + _sid(*words))
            seen.add(statement.sid)
            statements.append(statement)
    return statements


def _statements(declared: Access, arns: ResourceArns) -> list[Statement]:
    if isinstance(declared, TableAccess):
        return _table(declared, arns)
    if isinstance(declared, BucketAccess):
        return _bucket(declared, arns)
    if isinstance(declared, SearchAccess):
        return _search(declared, arns)
    if isinstance(declared, TranslateAccess):
        return [
            Statement(
                "TranslateText",
                TRANSLATE_ACTIONS,
                ("*",),
                wildcard_reason=(
                    "TranslateText has no resource of its own (only custom terminologies, "
                    "which Repère does not use): the grant is this one action"
                ),
            )
        ]
    if isinstance(declared, SecretAccess) and declared.delivery == "value":
        return []  # CloudFormation resolves the value at deploy time: nothing to read at run time
    return [_single(declared, arns)]


def _single(
    declared: QueueAccess | EmailAccess | ParameterAccess | SecretAccess | FunctionAccess,
    arns: ResourceArns,
) -> Statement:
    if isinstance(declared, FunctionAccess):
        # The unqualified ARN: Invoke of $LATEST (no alias or version is published).
        actions = _ordered(a for verb in sorted(declared.verbs) for a in FUNCTION_ACTIONS[verb])
        sid = _sid(declared.function, "invoke")
        return Statement(sid, actions, (arns.function(declared.function),))
    if isinstance(declared, QueueAccess):
        sid = _sid(declared.queue, "send")
        return Statement(sid, QUEUE_SEND_ACTIONS, (arns.queue(declared.queue),))
    if isinstance(declared, EmailAccess):
        resources = (arns.email_identity(), arns.email_configuration_set())
        return Statement("EmailSend", EMAIL_ACTIONS, resources)
    if isinstance(declared, ParameterAccess):
        sid = _sid(declared.parameter, "parameter")
        return Statement(sid, PARAMETER_ACTIONS, (arns.parameter(declared.parameter),))
    return Statement(_sid(declared.secret, "read"), SECRET_ACTIONS, (arns.secret(declared.secret),))


def _table(declared: TableAccess, arns: ResourceArns) -> list[Statement]:
    table_arn = arns.table(declared.table)
    result = []
    reaching_indexes = [verb for verb in sorted(declared.verbs) if verb in ("read", "scan")]
    if reaching_indexes:
        actions = _ordered(action for verb in reaching_indexes for action in TABLE_ACTIONS[verb])
        resources = (table_arn, *arns.table_indexes(declared.table))
        result.append(Statement(_sid(declared.table, "read"), actions, resources))
    if "write" in declared.verbs:
        sid = _sid(declared.table, "write")
        result.append(Statement(sid, TABLE_ACTIONS["write"], (table_arn,)))
    return result


def _bucket(declared: BucketAccess, arns: ResourceArns) -> list[Statement]:
    bucket_arn = arns.bucket(declared.bucket)
    result = []
    object_actions = _ordered(
        action for verb in sorted(declared.verbs) for action in BUCKET_OBJECT_ACTIONS.get(verb, ())
    )
    if object_actions:
        result.append(
            Statement(
                _sid(declared.bucket, "objects"),
                object_actions,
                (f"{bucket_arn}/{declared.prefix}*",),
                wildcard_reason=(
                    "object keys are generated at run time; the grant names this bucket "
                    "(and key prefix) and only the object actions the function needs"
                ),
            )
        )
    if "list" in declared.verbs:
        sid = _sid(declared.bucket, "list")
        result.append(Statement(sid, ("s3:ListBucket",), (bucket_arn,)))
    return result


def _search(declared: SearchAccess, arns: ResourceArns) -> list[Statement]:
    domain = arns.search_domain()
    if domain is None:
        return []  # this stage has no OpenSearch domain: the API searches DynamoDB
    verb = "write" if "write" in declared.verbs else "read"
    return [
        Statement(
            _sid("search", verb),
            SEARCH_ACTIONS[verb],
            (f"{domain}/*",),
            wildcard_reason=(
                "OpenSearch authorises HTTP paths under the domain ARN; the grant names this "
                "domain and only the HTTP methods the function needs (fine-grained access "
                "control then limits indexes)"
            ),
        )
    ]


def partner_keys(
    region: str, partition: str, usage_plan_id: str, parameter_arn: str
) -> list[Statement]:
    """The API's copy of each partner key in the partner usage plan (docs/partners.md):
    create a key, attach it to this plan only, disable keys, and read the plan's id."""
    root = f"arn:{partition}:apigateway:{region}::"
    return [
        Statement("PartnerKeysCreate", ("apigateway:POST",), (f"{root}/apikeys",)),
        Statement(
            "PartnerKeysAttach", ("apigateway:POST",), (f"{root}/usageplans/{usage_plan_id}/keys",)
        ),
        Statement(
            "PartnerKeysDisable",
            ("apigateway:PATCH",),
            (f"{root}/apikeys/*",),
            wildcard_reason=(
                "API Gateway generates a key's id when the API creates it; the grant is PATCH "
                "(enable/disable) on API keys only, nothing else of the gateway"
            ),
        ),
        Statement("PartnerUsagePlanParameter", PARAMETER_ACTIONS, (parameter_arn,)),
    ]


def queue_consumer(name: str, queue_arn: str) -> Statement:
    return Statement(_sid(name, "consume"), QUEUE_CONSUME_ACTIONS, (queue_arn,))


def stream_consumer(table: str, stream_arn: str) -> Statement:
    return Statement(_sid(table, "stream"), STREAM_ACTIONS, (stream_arn,))


def dead_letter(name: str, queue_arn: str) -> Statement:
    return Statement(_sid(name, "dead-letter"), QUEUE_SEND_ACTIONS, (queue_arn,))


def logs(log_group_arn: str) -> Statement:
    """Writing to one log group (``log_group_arn`` ends with ``:*``, its log streams)."""
    return Statement(
        "Logs",
        LOG_ACTIONS,
        (log_group_arn,),
        wildcard_reason=(
            "Lambda creates its log streams at run time; the grant names the function's own "
            "log group"
        ),
    )


def tracing() -> Statement:
    return Statement(
        "Tracing",
        TRACE_ACTIONS,
        ("*",),
        wildcard_reason="X-Ray's PutTraceSegments and PutTelemetryRecords take no resource",
    )


def wildcard_actions(actions: Iterable[str]) -> list[str]:
    """Actions with a wildcard (``dynamodb:*``, ``s3:Get*``): never allowed on data services."""
    return [action for action in actions if "*" in action]
