"""What runs in AWS besides the tables: the workers of functions/, the API's access, queues,
buckets and secrets. The stack is generated from these declarations (docs/infra.md).

Adding a worker is one ``Worker(...)`` entry in ``WORKERS``: its handler (tests import it), its
memory and timeout, its triggers (schedule, SQS queue, DynamoDB stream) and what it may touch.
Its IAM role, log group, alarms, queue (with dead-letter queue), schedule or stream mapping
follow. Name only handlers that exist: tests/infra/test_registry.py imports every one.

Verbs are explained in infra/spec.py; each maps to exact IAM actions on exact resources.
"""

from __future__ import annotations

from infra.spec import (
    Api,
    BucketSpec,
    Package,
    QueueSpec,
    QueueTrigger,
    Schedule,
    SecretSpec,
    StreamTrigger,
    Worker,
    bucket,
    email,
    parameter,
    queue,
    search,
    secret,
    table,
)

API = Api(
    access=(
        # Public reads, back-office edits (place + history in one transaction), batch updates
        # over HTTP (docs/backoffice.md), announcements (listed with a Scan: a few dozen items).
        table("places", "read", "write"),
        table("place-history", "read", "write"),
        table("batch-updates", "read", "write"),
        table("announcements", "read", "write", "scan"),
        # Exports (docs/exports.md): the API records and lists jobs, queues them, and signs
        # download links (a presigned GET is authorised by the signer's own s3:GetObject).
        table("exports", "read", "write"),
        bucket("exports", "read"),
        queue("exports", "send"),
        # Public submissions and their moderation (docs/submissions.md); figures Scan.
        table("submissions", "read", "write", "scan"),
        # Search through OpenSearch when the stage enables it (DynamoDB stays the fallback).
        search("read"),
        # Public submissions (docs/submissions.md): duplicate detection scans pending ones;
        # client addresses are kept only as an HMAC under the stage's own key.
        table("submissions", "read", "write", "scan"),
        secret("submissions-hash", env="REPERE_SUBMISSIONS_HASH_SECRET", delivery="value"),
        # Self-update links (docs/selfupdate.md): link state, the signing keys (an SSM
        # SecureString operators create), and mail queued for the mailer.
        table("self-update-links", "read", "write"),
        parameter("self-update-keys", env="REPERE_SELF_UPDATE_KEYS_PARAMETER"),
        queue("mail", "send"),
    )
)

WORKERS: tuple[Worker, ...] = (
    Worker(
        name="batch-update",
        handler="functions.batch_update.handler",
        description="Batch update of places for admins (aws lambda invoke), resumable",
        memory_mb=1024,
        timeout_seconds=900,
        access=(
            table("places", "read", "write"),
            # Resuming after a crash reads the history entries the batch already wrote.
            table("place-history", "read", "write"),
            table("batch-updates", "read", "write"),
        ),
    ),
    Worker(
        name="exports-schedule",
        handler="functions.exports.handlers.schedule_handler",
        description="Queues the week's exports (functions/exports/export_sets.json)",
        package=Package.IMAGE,
        memory_mb=512,
        timeout_seconds=120,
        service="repere-exports",
        triggers=(
            Schedule(
                name="weekly-exports",
                expression="cron(0 5 ? * MON *)",
                description="Every Monday at 05:00 in Paris: this week's leaflets and data",
            ),
        ),
        access=(table("exports", "read", "write"), queue("exports", "send")),
    ),
    Worker(
        name="exports-render",
        handler="functions.exports.handlers.queue_handler",
        description="Renders one export (PDF, HTML, CSV, XLSX, HSDS...) into S3",
        package=Package.IMAGE,
        memory_mb=2048,
        timeout_seconds=300,
        service="repere-exports",
        triggers=(QueueTrigger(queue="exports", batch_size=1, max_concurrency=5),),
        access=(
            table("exports", "read", "write"),
            table("places", "read"),
            bucket("exports", "write"),
        ),
    ),
    Worker(
        name="indexer",
        handler="functions.indexer.handler",
        description="Places table stream -> OpenSearch index (docs/opensearch.md)",
        memory_mb=512,
        timeout_seconds=120,
        triggers=(
            # Ten retries, bisecting the failing batch, then the batch's description goes to
            # the dead-letter queue: one record that cannot be indexed never holds its shard
            # for the stream's 24 hours (versions make retries and replays harmless).
            StreamTrigger(
                table="places",
                batch_size=100,
                max_batching_window_seconds=1,
                retry_attempts=10,
                max_record_age_seconds=6 * 3600,
            ),
        ),
        access=(search("write"),),
    ),
    Worker(
        name="reindex",
        handler="functions.reindex.handler",
        description="Rebuilds the OpenSearch index from the places table (alias swap)",
        memory_mb=1024,
        timeout_seconds=900,
        triggers=(
            Schedule(
                name="daily-reindex",
                expression="cron(30 3 * * ? *)",
                description="Every day at 03:30 in Paris: refresh opening hours in the index",
                payload={},
            ),
        ),
        access=(table("places", "read", "scan"), search("write")),
    ),
    Worker(
        name="mailer",
        handler="functions.mailer.handler",
        description="Renders and sends queued mail through SES, once per message id",
        memory_mb=512,
        timeout_seconds=60,
        service="repere-mailer",
        # Ten messages a batch, five batches at a time: well under SES's default send rate
        # (14 messages per second) even when a campaign queues thousands at once.
        triggers=(
            QueueTrigger(
                queue="mail", batch_size=10, max_batching_window_seconds=5, max_concurrency=5
            ),
        ),
        access=(
            table("sent-mail", "read", "write"),
            table("mail-suppressions", "read"),
            email("send"),
        ),
    ),
    Worker(
        name="mail-feedback",
        handler="functions.mailer.feedback_handler",
        description="SES bounces and complaints -> the suppression list",
        memory_mb=256,
        timeout_seconds=30,
        service="repere-mailer",
        triggers=(QueueTrigger(queue="mail-feedback", batch_size=10),),
        access=(table("mail-suppressions", "read", "write"),),
    ),
)

QUEUES: dict[str, QueueSpec] = {
    "exports": QueueSpec(env="REPERE_EXPORTS_QUEUE_URL"),
    "mail": QueueSpec(env="REPERE_MAIL_QUEUE_URL"),
    "mail-feedback": QueueSpec(topic="mail-feedback"),
}

BUCKETS: dict[str, BucketSpec] = {
    "exports": BucketSpec(env="REPERE_EXPORTS_BUCKET"),
}

SECRETS: dict[str, SecretSpec] = {
    "submissions-hash": SecretSpec(
        description="HMAC key of submitters' client addresses (REPERE_SUBMISSIONS_HASH_SECRET)"
    ),
}
"""Secrets the stack creates (random values, never in the repository). The back office needs
none (Cognito); the self-update signing keys are an SSM SecureString operators create
(``parameter(...)`` above), because rotating them means adding a key, not replacing one."""
