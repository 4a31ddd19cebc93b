"""One stage of Repère as one CloudFormation stack, generated from the registries.

- tables: ``tables.TABLES`` (infra/tables.py): on-demand, point-in-time recovery, encryption
  with the AWS-managed KMS key, streams and TTL as the models declare, deletion protection and
  RETAIN in production;
- workers, queues, buckets, secrets and the API's access: infra/registry.py;
- the API: infra/api.py (Chalice), the search domain: infra/search.py, alarms:
  infra/monitoring.py.

Every function gets its own role with exactly the statements its declarations imply
(infra/permissions.py), its own log group with a retention, X-Ray tracing, Powertools
settings, and alarms on errors and throttles.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_ses as ses
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_ssm as ssm
from constructs import Construct
from pynamodb.models import Model

from chalicelib.adapters.dynamodb.tables import TABLES
from infra import nag, packaging, permissions
from infra.api import PARTNER_PLAN_PARAMETER, api_source, build_api, user_pool
from infra.environment import check_environment, powertools
from infra.monitoring import Alarms
from infra.registry import API, BUCKETS, QUEUES, SECRETS, WORKERS
from infra.search import SearchDomain
from infra.spec import (
    VISIBILITY_PER_TIMEOUT,
    Access,
    Api,
    BucketAccess,
    BucketSpec,
    FunctionAccess,
    Package,
    ParameterAccess,
    QueueAccess,
    QueueSpec,
    QueueTrigger,
    Schedule,
    SearchAccess,
    SecretAccess,
    SecretSpec,
    StreamTrigger,
    TableAccess,
    Worker,
)
from infra.stages import StageConfig
from infra.tables import TableSpec, table_specs

ATTRIBUTE_TYPES = {
    "S": dynamodb.AttributeType.STRING,
    "N": dynamodb.AttributeType.NUMBER,
    "B": dynamodb.AttributeType.BINARY,
}
PROJECTIONS = {
    "ALL": dynamodb.ProjectionType.ALL,
    "KEYS_ONLY": dynamodb.ProjectionType.KEYS_ONLY,
    "INCLUDE": dynamodb.ProjectionType.INCLUDE,
}
RETENTION = {
    1: logs.RetentionDays.ONE_DAY,
    7: logs.RetentionDays.ONE_WEEK,
    14: logs.RetentionDays.TWO_WEEKS,
    30: logs.RetentionDays.ONE_MONTH,
    90: logs.RetentionDays.THREE_MONTHS,
    180: logs.RetentionDays.SIX_MONTHS,
    365: logs.RetentionDays.ONE_YEAR,
}
L1_REASON = (
    "Python 3.11 on purpose: the runtime the whole project targets and tests "
    "(pyproject.toml requires-python); moving is a project-wide decision"
)


def camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.replace("_", "-").split("-"))


@dataclass(frozen=True)
class Registry:
    """What the stack is generated from (tests may pass a smaller or larger one)."""

    tables: Mapping[str, type[Model]] = field(default_factory=lambda: dict(TABLES))
    api: Api = API
    workers: Sequence[Worker] = WORKERS
    queues: Mapping[str, QueueSpec] = field(default_factory=lambda: dict(QUEUES))
    buckets: Mapping[str, BucketSpec] = field(default_factory=lambda: dict(BUCKETS))
    secrets: Mapping[str, SecretSpec] = field(default_factory=lambda: dict(SECRETS))

    def check(self) -> None:
        """Cross-references between declarations (each entry checked its own fields)."""
        names = [worker.name for worker in self.workers]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates or "api" in names:
            raise ValueError(f"worker names must be unique and not 'api': {duplicates}")
        self._check_triggers()
        owners = [("api", self.api.access)]
        owners += [(worker.name, worker.access) for worker in self.workers]
        for owner, access in owners:
            for declared in access:
                self._check_access(owner, declared)

    def _check_triggers(self) -> None:
        consumers: dict[str, list[str]] = {name: [] for name in self.queues}
        for worker in self.workers:
            for trigger in worker.triggers:
                if isinstance(trigger, QueueTrigger):
                    if trigger.queue not in self.queues:
                        raise ValueError(f"{worker.name}: unknown queue {trigger.queue!r}")
                    consumers[trigger.queue].append(worker.name)
                if isinstance(trigger, StreamTrigger):
                    model = self.tables.get(trigger.table)
                    if model is None:
                        raise ValueError(f"{worker.name}: unknown table {trigger.table!r}")
                    if getattr(model.Meta, "stream_view_type", None) is None:
                        raise ValueError(f"{worker.name}: table {trigger.table!r} has no stream")
        for name, workers in consumers.items():
            if len(workers) != 1:
                raise ValueError(f"queue {name!r} needs exactly one consumer, not {workers}")

    def _check_access(self, owner: str, declared: Access) -> None:
        if isinstance(declared, TableAccess):
            name, known = declared.table, set(self.tables)
        elif isinstance(declared, BucketAccess):
            name, known = declared.bucket, set(self.buckets)
        elif isinstance(declared, QueueAccess):
            name, known = declared.queue, set(self.queues)
        elif isinstance(declared, SecretAccess):
            name, known = declared.secret, set(self.secrets)
        elif isinstance(declared, FunctionAccess):
            name, known = declared.function, {worker.name for worker in self.workers}
        else:
            return
        if name not in known:
            raise ValueError(f"{owner}: {type(declared).__name__} to unknown {name!r}")


class StackArns:
    """``permissions.ResourceArns`` over the stack's resources."""

    def __init__(self, stack: RepereStack) -> None:
        self._stack = stack

    def table(self, logical: str) -> str:
        return self._stack.tables[logical].table_arn

    def table_indexes(self, logical: str) -> list[str]:
        arn = self.table(logical)
        return [f"{arn}/index/{index.name}" for index in self._stack.table_specs[logical].indexes]

    def bucket(self, name: str) -> str:
        return self._stack.buckets[name].bucket_arn

    def queue(self, name: str) -> str:
        return self._stack.queues[name].queue_arn

    def search_domain(self) -> str | None:
        domain = self._stack.search
        return domain.domain_arn if domain is not None else None

    def email_identity(self) -> str:
        return self._stack.format_arn(
            service="ses", resource="identity", resource_name=self._stack.mail_domain
        )

    def email_configuration_set(self) -> str:
        return self._stack.format_arn(
            service="ses",
            resource="configuration-set",
            resource_name=self._stack.configuration_set_name,
        )

    def secret(self, name: str) -> str:
        return self._stack.secrets[name].secret_arn

    def parameter(self, name: str) -> str:
        return self._stack.format_arn(
            service="ssm",
            resource="parameter",
            resource_name=self._stack.stage.parameter(name).lstrip("/"),
        )

    def function(self, name: str) -> str:
        return self._stack.format_arn(
            service="lambda",
            resource="function",
            resource_name=self._stack.function_name(name),
            arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
        )


class RepereStack(cdk.Stack):
    """The stack of one stage. Its construct id is the stage name: ``chalice.cdk.Chalice``
    takes the Chalice stage from its scope."""

    def __init__(
        self,
        scope: Construct,
        stage: StageConfig,
        *,
        workdir: Path,
        bundle: bool,
        registry: Registry | None = None,
    ) -> None:
        super().__init__(
            scope,
            stage.name,
            stack_name=stage.stack_name,
            env=cdk.Environment(region=stage.region),
            termination_protection=stage.production,
            description=f"Repère, stage {stage.name} (infra/, docs/infra.md)",
        )
        self.stage = stage
        self.registry = registry or Registry()
        self.registry.check()
        self.removal = cdk.RemovalPolicy.RETAIN if stage.production else cdk.RemovalPolicy.DESTROY
        self.log_retention = RETENTION[stage.log_retention_days]
        self.arns = StackArns(self)
        self.functions: dict[str, lambda_.IFunction] = {}
        self.schedule_failures: sqs.Queue | None = None
        cdk.Tags.of(self).add("project", "repere")
        cdk.Tags.of(self).add("stage", stage.name)

        self._notifications()
        self._tables()
        self._queues()
        self._buckets()
        self._secrets()
        self._mail()
        self.search: SearchDomain | None = None
        if stage.search is not None:
            self.search = SearchDomain(
                self,
                "Search",
                domain_name=stage.prefix,
                cluster=stage.search,
                log_retention=self.log_retention,
                removal_policy=self.removal,
            )
            self.alarms.search("SearchAlarms", stage.prefix, self.account, stage.search)
        self.pool = user_pool(self, stage)
        self.runtime_env = self._environment()

        # A worker that works on the search index exists only where there is an index.
        self.deployed_workers = [
            worker
            for worker in self.registry.workers
            if self.search is not None
            or not any(isinstance(access, SearchAccess) for access in worker.access)
        ]
        zip_code = (
            packaging.zip_code()
            if any(worker.package is Package.ZIP for worker in self.deployed_workers)
            else None
        )
        for worker in self.deployed_workers:
            self._worker(worker, zip_code)
        self._api(workdir=workdir, bundle=bundle)
        if self.search is not None:
            self.search.finish(f"/aws/lambda/{stage.prefix}-search-security")

        cdk.CfnOutput(self, "TablePrefix", value=stage.prefix)
        cdk.CfnOutput(self, "UserPoolId", value=self.pool.user_pool_id)
        if self.search is not None:
            cdk.CfnOutput(self, "SearchEndpoint", value=self.search.endpoint)

    # Shared resources ---------------------------------------------------------------------

    def _notifications(self) -> None:
        """The key encrypting the notification topics, the alarm topic (e-mail to the address
        in SSM ``/repere/<stage>/alarm-email``) and the topic SES publishes bounces and
        complaints to (queues subscribe to it, see ``QueueSpec.topic``)."""
        self.key = kms.Key(
            self,
            "NotificationsKey",
            alias=f"alias/{self.stage.prefix}-notifications",
            description="Encrypts the alarm and mail-feedback SNS topics",
            enable_key_rotation=True,
            removal_policy=self.removal,
            pending_window=cdk.Duration.days(7 if not self.stage.production else 30),
        )
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="ServicesPublishToEncryptedTopics",
                principals=[
                    iam.ServicePrincipal("cloudwatch.amazonaws.com"),
                    iam.ServicePrincipal("ses.amazonaws.com"),
                ],
                actions=["kms:Decrypt", "kms:GenerateDataKey"],
                resources=["*"],
                conditions={"StringEquals": {"aws:SourceAccount": self.account}},
            )
        )
        self.alarm_topic = sns.Topic(
            self,
            "AlarmTopic",
            topic_name=f"{self.stage.prefix}-alarms",
            master_key=self.key,
            enforce_ssl=True,
        )
        self.feedback_topic = sns.Topic(
            self,
            "MailFeedbackTopic",
            topic_name=f"{self.stage.prefix}-mail-feedback",
            master_key=self.key,
            enforce_ssl=True,
        )
        self.topics: dict[str, sns.Topic] = {"mail-feedback": self.feedback_topic}
        email = ssm.StringParameter.value_for_string_parameter(
            self, self.stage.parameter("alarm-email")
        )
        self.alarm_topic.add_subscription(subscriptions.EmailSubscription(email))
        self.alarms = Alarms(self, "Alarms", topic=self.alarm_topic)

    def _tables(self) -> None:
        self.table_specs: dict[str, TableSpec] = {
            spec.logical: spec for spec in table_specs(self.registry.tables)
        }
        self.tables: dict[str, dynamodb.Table] = {}
        for spec in self.table_specs.values():
            table = dynamodb.Table(
                self,
                f"{camel(spec.logical)}Table",
                table_name=spec.name(self.stage.prefix),
                partition_key=_attribute(spec.partition_key.name, spec.partition_key.type),
                sort_key=(
                    _attribute(spec.sort_key.name, spec.sort_key.type) if spec.sort_key else None
                ),
                billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
                point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                    point_in_time_recovery_enabled=True
                ),
                encryption=dynamodb.TableEncryption.AWS_MANAGED,
                deletion_protection=self.stage.production,
                removal_policy=self.removal,
                stream=(
                    dynamodb.StreamViewType(spec.stream_view_type)
                    if spec.stream_view_type
                    else None
                ),
                time_to_live_attribute=spec.ttl_attribute,
            )
            for index in spec.indexes:
                partition = _attribute(index.partition_key.name, index.partition_key.type)
                sort = (
                    _attribute(index.sort_key.name, index.sort_key.type) if index.sort_key else None
                )
                non_key = list(index.non_key_attributes) or None
                if index.local:
                    if sort is None:
                        raise ValueError(f"{spec.logical}/{index.name}: a local index sorts")
                    table.add_local_secondary_index(
                        index_name=index.name,
                        sort_key=sort,
                        projection_type=PROJECTIONS[index.projection],
                        non_key_attributes=non_key,
                    )
                else:
                    table.add_global_secondary_index(
                        index_name=index.name,
                        partition_key=partition,
                        sort_key=sort,
                        projection_type=PROJECTIONS[index.projection],
                        non_key_attributes=non_key,
                    )
            self.tables[spec.logical] = table

    def _queues(self) -> None:
        consumers = {
            trigger.queue: (worker, trigger)
            for worker in self.registry.workers
            for trigger in worker.triggers
            if isinstance(trigger, QueueTrigger)
        }
        self.queues: dict[str, sqs.Queue] = {}
        for name, spec in self.registry.queues.items():
            worker, trigger = consumers[name]
            dead_letters = self._dead_letter_queue(
                f"{camel(name)}DeadLetters",
                f"{self.stage.prefix}-{name}-dlq",
                f"messages of {name} that failed {trigger.max_receive_count} times",
                retention_days=spec.dlq_retention_days,
                redrive_target=True,
            )
            self.queues[name] = sqs.Queue(
                self,
                f"{camel(name)}Queue",
                queue_name=f"{self.stage.prefix}-{name}",
                encryption=sqs.QueueEncryption.SQS_MANAGED,
                enforce_ssl=True,
                visibility_timeout=cdk.Duration.seconds(
                    worker.timeout_seconds * VISIBILITY_PER_TIMEOUT
                ),
                retention_period=cdk.Duration.days(4),
                dead_letter_queue=sqs.DeadLetterQueue(
                    queue=dead_letters, max_receive_count=trigger.max_receive_count
                ),
            )
            if spec.topic is not None:
                self.topics[spec.topic].add_subscription(
                    subscriptions.SqsSubscription(self.queues[name], raw_message_delivery=False)
                )

    def _dead_letter_queue(
        self,
        construct_id: str,
        name: str,
        what: str,
        *,
        retention_days: int = 14,
        redrive_target: bool = False,
    ) -> sqs.Queue:
        queue = sqs.Queue(
            self,
            construct_id,
            queue_name=name,
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=cdk.Duration.days(retention_days),
        )
        self.alarms.dead_letters(f"{construct_id}Alarm", queue, name, what)
        if not redrive_target:  # cdk-nag only recognises queues named in a redrive policy
            nag.acknowledge(
                queue,
                "AwsSolutions-SQS3",
                "This queue is itself a dead-letter destination (Lambda on-failure "
                "destination or EventBridge Scheduler dead-letter queue), alarmed when "
                "not empty",
            )
        return queue

    def _buckets(self) -> None:
        self.buckets: dict[str, s3.Bucket] = {}
        for name, spec in self.registry.buckets.items():
            rules = [
                s3.LifecycleRule(
                    id="abort-incomplete-uploads",
                    abort_incomplete_multipart_upload_after=cdk.Duration.days(1),
                ),
                s3.LifecycleRule(
                    id="expire-noncurrent-versions",
                    noncurrent_version_expiration=cdk.Duration.days(spec.expire_noncurrent_days),
                ),
            ]
            if spec.expire_objects_days is not None:
                rules.append(
                    s3.LifecycleRule(
                        id="expire-objects",
                        expiration=cdk.Duration.days(spec.expire_objects_days),
                    )
                )
            bucket = s3.Bucket(
                self,
                f"{camel(name)}Bucket",
                block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
                encryption=s3.BucketEncryption.S3_MANAGED,
                enforce_ssl=True,
                minimum_tls_version=1.2,
                versioned=True,
                object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
                lifecycle_rules=rules,
                removal_policy=cdk.RemovalPolicy.RETAIN,
            )
            nag.acknowledge(
                bucket,
                "AwsSolutions-S1",
                "Objects are written by the stack's own worker and read through presigned "
                "links the API signs and logs (API access logs); server access logs would "
                "duplicate that trail in a second bucket",
            )
            self.buckets[name] = bucket

    def _secrets(self) -> None:
        self.secrets: dict[str, secretsmanager.Secret] = {}
        for name, spec in self.registry.secrets.items():
            secret = secretsmanager.Secret(
                self,
                f"{camel(name)}Secret",
                secret_name=f"repere/{self.stage.name}/{name}",
                description=spec.description,
                generate_secret_string=secretsmanager.SecretStringGenerator(
                    password_length=64, exclude_punctuation=True
                ),
                removal_policy=self.removal,
            )
            nag.acknowledge(
                secret,
                "AwsSolutions-SMG4",
                "Signing keys are rotated by hand (docs/infra.md, 'Secrets'): a rotation "
                "must keep the previous key valid until the links it signed expire",
            )
            self.secrets[name] = secret

    def _mail(self) -> None:
        """SES: the stage's sending domain (from SSM ``/repere/<stage>/mail-domain``; its
        DKIM records go in DNS), a configuration set, and the topic bounces and complaints
        are published to (the mail pipeline subscribes to it)."""
        self.mail_domain = ssm.StringParameter.value_for_string_parameter(
            self, self.stage.parameter("mail-domain")
        )
        self.configuration_set_name = self.stage.prefix
        configuration_set = ses.ConfigurationSet(
            self,
            "MailConfigurationSet",
            configuration_set_name=self.configuration_set_name,
            reputation_metrics=True,
            sending_enabled=True,
            suppression_reasons=ses.SuppressionReasons.BOUNCES_AND_COMPLAINTS,
            tls_policy=ses.ConfigurationSetTlsPolicy.REQUIRE,
        )
        configuration_set.add_event_destination(
            "Feedback",
            configuration_set_event_destination_name="bounces-and-complaints",
            destination=ses.EventDestination.sns_topic(self.feedback_topic),
            events=[
                ses.EmailSendingEvent.BOUNCE,
                ses.EmailSendingEvent.COMPLAINT,
                ses.EmailSendingEvent.REJECT,
                ses.EmailSendingEvent.RENDERING_FAILURE,
            ],
        )
        ses.EmailIdentity(
            self,
            "MailIdentity",
            identity=ses.Identity.domain(self.mail_domain),
            configuration_set=configuration_set,
        )

    def _environment(self) -> dict[str, str]:
        """REPERE_* of every function (see infra/environment.py), tokens included."""
        stage = self.stage
        environment = {
            "REPERE_STAGE": stage.name,
            "REPERE_TABLE_PREFIX": stage.prefix,
            "REPERE_PUBLIC_SITE_URL": stage.public_site_url,
            "REPERE_CORS_ORIGINS": ",".join(stage.cors_origins),
            "REPERE_AUTH_MODE": "cognito",
            "REPERE_COGNITO_USER_POOL_ARNS": self.pool.user_pool_arn,
            "REPERE_SEARCH_BACKEND": "opensearch" if self.search is not None else "dynamodb",
            "REPERE_SELF_UPDATE_PAGE_URL": f"{stage.public_site_url}/mise-a-jour",
            "REPERE_MAIL_FROM_ADDRESS": f"no-reply@{self.mail_domain}",
            "REPERE_MAIL_CONFIGURATION_SET": self.configuration_set_name,
            # A partner key's default quota: the partner usage plan's own figures.
            "REPERE_PARTNER_QUOTA_PER_MINUTE": str(int(stage.partner_plan.rate_per_second * 60)),
            "REPERE_PARTNER_QUOTA_PER_DAY": str(stage.partner_plan.quota_per_day),
        }
        if self.search is not None:
            environment["REPERE_OPENSEARCH_ENDPOINT"] = f"https://{self.search.endpoint}"
        for name, queue_spec in self.registry.queues.items():
            if queue_spec.env:
                environment[queue_spec.env] = self.queues[name].queue_url
        for name, bucket_spec in self.registry.buckets.items():
            environment[bucket_spec.env] = self.buckets[name].bucket_name
        return environment

    def _function_environment(self, service: str, extra: Mapping[str, str]) -> dict[str, str]:
        environment = {
            **self.runtime_env,
            **extra,
            **powertools(
                service,
                namespace=f"Repere/{self.stage.name}",
                log_level=self.stage.log_level,
            ),
        }
        check_environment(environment)
        return environment

    # Functions ----------------------------------------------------------------------------

    def _role(
        self, construct_id: str, description: str, statements: Sequence[permissions.Statement]
    ) -> iam.Role:
        role = iam.Role(
            self,
            construct_id,
            description=description,
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            inline_policies={
                "access": iam.PolicyDocument(
                    statements=[
                        iam.PolicyStatement(
                            sid=statement.sid,
                            actions=list(statement.actions),
                            resources=list(statement.resources),
                        )
                        for statement in statements
                    ]
                )
            },
        )
        nag.acknowledge_wildcards(role, statements)
        return role

    def _log_group_arn(self, name: str) -> str:
        return self.format_arn(
            service="logs",
            resource="log-group",
            resource_name=f"{name}:*",
            arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
        )

    def _access_statements(self, access: Sequence[Access]) -> list[permissions.Statement]:
        return permissions.statements_for(access, self.arns)

    def _grant_search(self, role: iam.IRole, access: Sequence[Access]) -> None:
        if self.search is None:
            return
        for declared in access:
            if isinstance(declared, SearchAccess):
                self.search.grant(role, "write" if "write" in declared.verbs else "read")

    def function_name(self, worker: str) -> str:
        """The deployed name of a worker's function (known before the function exists, so a
        function may name one declared after it)."""
        if worker not in {deployed.name for deployed in self.deployed_workers}:
            raise ValueError(f"worker {worker!r} is not deployed in stage {self.stage.name!r}")
        return f"{self.stage.prefix}-{worker}"

    def _secret_environment(self, access: Sequence[Access]) -> dict[str, str]:
        """Where a function finds its secrets and the functions it calls: parameter names,
        secret ARNs, (``delivery="value"``) a dynamic reference CloudFormation replaces with
        the value at deploy, function names."""
        environment: dict[str, str] = {}
        for declared in access:
            if isinstance(declared, FunctionAccess):
                environment[declared.env] = self.function_name(declared.function)
            elif isinstance(declared, ParameterAccess):
                environment[declared.env] = self.stage.parameter(declared.parameter)
            elif isinstance(declared, SecretAccess):
                secret = self.secrets[declared.secret]
                environment[declared.env] = (
                    secret.secret_value.unsafe_unwrap()
                    if declared.delivery == "value"
                    else secret.secret_arn
                )
        return environment

    def _worker(self, worker: Worker, zip_code: lambda_.Code | None) -> None:
        stage = self.stage
        function_name = f"{stage.prefix}-{worker.name}"
        log_group_name = f"/aws/lambda/{function_name}"
        construct = camel(worker.name)

        statements = [permissions.logs(self._log_group_arn(log_group_name))]
        statements += self._access_statements(worker.access)
        for trigger in worker.triggers:
            if isinstance(trigger, QueueTrigger):
                statements.append(
                    permissions.queue_consumer(trigger.queue, self.queues[trigger.queue].queue_arn)
                )
            if isinstance(trigger, StreamTrigger):
                stream_arn = self.tables[trigger.table].table_stream_arn
                if stream_arn is None:
                    raise ValueError(f"table {trigger.table!r} has no stream")
                statements.append(permissions.stream_consumer(trigger.table, stream_arn))
        role = self._role(f"{construct}Role", f"Worker {function_name}", statements)
        nag.acknowledge(
            role,
            f"{nag.WILDCARD_RULE}[Resource::*]",
            "X-Ray's PutTraceSegments and PutTelemetryRecords take no resource (added by "
            "Lambda's active tracing)",
        )
        self._grant_search(role, worker.access)

        log_group = logs.LogGroup(
            self,
            f"{construct}Logs",
            log_group_name=log_group_name,
            retention=self.log_retention,
            removal_policy=self.removal,
        )
        environment = self._function_environment(
            worker.service_name, self._secret_environment(worker.access)
        )
        if worker.package is Package.IMAGE:
            code = packaging.image_code(worker.handler)
            handler, runtime = lambda_.Handler.FROM_IMAGE, lambda_.Runtime.FROM_IMAGE
        elif zip_code is not None:
            code, handler, runtime = zip_code, worker.handler, lambda_.Runtime.PYTHON_3_11
        else:
            raise AssertionError("the zip package is built when any worker is a zip")
        function = lambda_.Function(
            self,
            f"{construct}Function",
            function_name=function_name,
            description=worker.description,
            code=code,
            handler=handler,
            runtime=runtime,
            memory_size=worker.memory_mb,
            ephemeral_storage_size=cdk.Size.mebibytes(worker.ephemeral_storage_mb),
            timeout=cdk.Duration.seconds(worker.timeout_seconds),
            role=role,
            log_group=log_group,
            tracing=lambda_.Tracing.ACTIVE,
            environment=environment,
            architecture=lambda_.Architecture.X86_64,
            reserved_concurrent_executions=worker.reserved_concurrency,
        )
        if worker.package is Package.ZIP:
            nag.acknowledge(function, "AwsSolutions-L1", L1_REASON)
        self.functions[worker.name] = function
        self.alarms.function(f"{construct}Alarms", function_name)

        for trigger in worker.triggers:
            if isinstance(trigger, QueueTrigger):
                self._queue_trigger(construct, function, trigger)
            elif isinstance(trigger, StreamTrigger):
                self._stream_trigger(construct, worker, function, trigger)
            else:
                self._schedule(construct, worker, function, trigger)

    def _queue_trigger(
        self, construct: str, function: lambda_.IFunction, trigger: QueueTrigger
    ) -> None:
        function.add_event_source_mapping(
            f"{construct}{camel(trigger.queue)}Source",
            event_source_arn=self.queues[trigger.queue].queue_arn,
            batch_size=trigger.batch_size,
            max_batching_window=(
                cdk.Duration.seconds(trigger.max_batching_window_seconds)
                if trigger.max_batching_window_seconds
                else None
            ),
            report_batch_item_failures=True,
            max_concurrency=trigger.max_concurrency,
        )

    def _stream_trigger(
        self, construct: str, worker: Worker, function: lambda_.IFunction, trigger: StreamTrigger
    ) -> None:
        failures = self._dead_letter_queue(
            f"{construct}{camel(trigger.table)}StreamFailures",
            f"{self.stage.prefix}-{worker.name}-{trigger.table}-stream-failures",
            f"batches of the {trigger.table} stream that {worker.name} gave up on",
        )
        stream_arn = self.tables[trigger.table].table_stream_arn
        function.add_event_source_mapping(
            f"{construct}{camel(trigger.table)}Stream",
            event_source_arn=stream_arn,
            starting_position=lambda_.StartingPosition(trigger.starting_position),
            batch_size=trigger.batch_size,
            max_batching_window=cdk.Duration.seconds(trigger.max_batching_window_seconds),
            bisect_batch_on_error=trigger.bisect_batch_on_error,
            retry_attempts=trigger.retry_attempts,
            max_record_age=cdk.Duration.seconds(trigger.max_record_age_seconds),
            parallelization_factor=trigger.parallelization_factor,
            report_batch_item_failures=True,
            on_failure=sources.SqsDlq(failures),
        )

    def _schedule(
        self, construct: str, worker: Worker, function: lambda_.IFunction, trigger: Schedule
    ) -> None:
        if self.schedule_failures is None:
            self.schedule_failures = self._dead_letter_queue(
                "ScheduleFailures",
                f"{self.stage.prefix}-schedule-failures",
                "schedules whose invocation failed after its retries",
            )
        failures = self.schedule_failures
        statements = [
            permissions.Statement("Invoke", ("lambda:InvokeFunction",), (function.function_arn,)),
            permissions.dead_letter("schedule", failures.queue_arn),
        ]
        role = iam.Role(
            self,
            f"{construct}{camel(trigger.name)}ScheduleRole",
            description=f"EventBridge Scheduler: {trigger.name} invokes {worker.name}",
            assumed_by=iam.ServicePrincipal(
                "scheduler.amazonaws.com",
                conditions={"StringEquals": {"aws:SourceAccount": self.account}},
            ),
            inline_policies={
                "invoke": iam.PolicyDocument(
                    statements=[
                        iam.PolicyStatement(
                            sid=s.sid, actions=list(s.actions), resources=list(s.resources)
                        )
                        for s in statements
                    ]
                )
            },
        )
        scheduler.CfnSchedule(
            self,
            f"{construct}{camel(trigger.name)}Schedule",
            name=f"{self.stage.prefix}-{trigger.name}",
            description=trigger.description,
            schedule_expression=trigger.expression,
            schedule_expression_timezone=trigger.timezone,
            flexible_time_window=scheduler.CfnSchedule.FlexibleTimeWindowProperty(mode="OFF"),
            state="ENABLED",
            target=scheduler.CfnSchedule.TargetProperty(
                arn=function.function_arn,
                role_arn=role.role_arn,
                input=json.dumps(trigger.event),
                retry_policy=scheduler.CfnSchedule.RetryPolicyProperty(
                    maximum_retry_attempts=trigger.retry_attempts,
                    maximum_event_age_in_seconds=trigger.max_event_age_seconds,
                ),
                dead_letter_config=scheduler.CfnSchedule.DeadLetterConfigProperty(
                    arn=failures.queue_arn
                ),
            ),
        )

    def _api(self, *, workdir: Path, bundle: bool) -> None:
        function_name = f"{self.stage.prefix}-api"
        access = self.registry.api.access
        statements = [
            permissions.logs(self._log_group_arn(f"/aws/lambda/{function_name}")),
            *self._access_statements(access),
            permissions.tracing(),
        ]
        role = self._role("ApiRole", f"API {function_name}", statements)
        self._grant_search(role, access)
        environment = self._function_environment(
            self.registry.api.service, self._secret_environment(access)
        )
        # Issued partner keys go into the partner usage plan (infra/api.py, _partner_plan).
        environment["REPERE_PARTNER_USAGE_PLAN_PARAMETER"] = self.stage.parameter(
            PARTNER_PLAN_PARAMETER
        )
        static = {k: v for k, v in environment.items() if not cdk.Token.is_unresolved(v)}
        tokens = {k: v for k, v in environment.items() if cdk.Token.is_unresolved(v)}
        tokens.pop("REPERE_COGNITO_USER_POOL_ARNS", None)
        api = build_api(
            self,
            self.stage,
            source_dir=api_source(bundle, workdir),
            role=role,
            static_environment=static,
            token_environment=tokens,
            pool=self.pool,
            log_retention=self.log_retention,
            removal_policy=self.removal,
        )
        api_function = api.chalice.get_resource("APIHandler")
        nag.acknowledge(api_function, "AwsSolutions-L1", L1_REASON)
        self.alarms.function("ApiAlarms", api.function_name)
        self.alarms.api("ApiGatewayAlarms", api.api_name, api.stage_name)


def _attribute(name: str, type_: str) -> dynamodb.Attribute:
    return dynamodb.Attribute(name=name, type=ATTRIBUTE_TYPES[type_])
