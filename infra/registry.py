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
    function,
    parameter,
    queue,
    search,
    secret,
    table,
    translate,
)

API = Api(
    access=(
        # Public reads, back-office edits (place + history + search cells in one transaction),
        # batch updates over HTTP (docs/backoffice.md), announcements (listed with a Scan: a
        # few dozen items). Search reads the search cells, then the page's places by id.
        table("places", "read", "write"),
        table("search-cells", "read", "write"),
        # Each public place write stores its pending change for the feed (docs/changes.md);
        # the API reads the feed.
        table("changes", "read", "write"),
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
        # Update campaigns (docs/campaigns.md): campaigns listed with a Scan (a few a year),
        # targets per campaign; starts larger than the API's share go to the campaigns queue.
        table("campaigns", "read", "write", "scan"),
        table("campaign-targets", "read", "write"),
        queue("campaigns", "send"),
        # Partner API keys (docs/partners.md): issued, listed (a Scan: tens of keys) and
        # revoked by admins, read at each partner request; quotas count in the submissions
        # table's fixed windows.
        table("api-keys", "read", "write", "scan"),
        # Imports (docs/imports.md): jobs; the upload is a presigned PUT (authorised by the
        # signer's own s3:PutObject, on imports/ only), reports are read and written there.
        # Dry runs and applies over HTTP write places like back-office edits (above).
        table("import-jobs", "read", "write"),
        bucket("exports", "read", "write", prefix="imports/"),
        # Batch updates over HTTP larger than the API applies itself: planned by the API,
        # answered 202, applied by the batch-update worker from this queue.
        queue("batch-updates", "send"),
        # Statistics (docs/statistics.md): one UpdateItem (ADD) per public search, and the
        # admin report's Queries.
        table("stats", "read", "write"),
        # Newsletters (docs/newsletters.md): subscriptions (ids are an HMAC under the stage's
        # key); the preview reads places, history and exports like the weekly worker.
        table("newsletter-subscriptions", "read", "write"),
        secret("newsletter-id", env="REPERE_NEWSLETTER_ID_SECRET", delivery="value"),
        # The preview's mail is rendered by the newsletter-preview worker (the API's package
        # holds no templates and no Jinja2): one synchronous Invoke of that function only.
        function("newsletter-preview", "invoke", env="REPERE_NEWSLETTER_PREVIEW_FUNCTION"),
        # Translations (docs/translations.md): public reads in a language (one Query per
        # place page, one BatchGetItem per search page); moderators' corrections.
        table("translations", "read", "write"),
    )
)

WORKERS: tuple[Worker, ...] = (
    Worker(
        name="batch-update",
        handler="functions.batch_update.handler",
        description="Batch update of places for admins (aws lambda invoke, or the API's "
        "queue), resumable",
        memory_mb=1024,
        timeout_seconds=900,
        # One batch per invocation; a batch that could not finish is delivered again and
        # resumes, at most five times, then waits in the dead-letter queue.
        triggers=(
            QueueTrigger(
                queue="batch-updates", batch_size=1, max_receive_count=5, max_concurrency=2
            ),
        ),
        access=(
            table("places", "read", "write"),
            table("search-cells", "read", "write"),
            table("changes", "write"),  # each place's pending change for the feed
            # Resuming after a crash reads the history entries the batch already wrote.
            table("place-history", "read", "write"),
            table("batch-updates", "read", "write"),
        ),
    ),
    Worker(
        name="imports",
        handler="functions.imports.handler",
        description="Dry run or apply of an import job too large for HTTP (docs/imports.md)",
        memory_mb=1769,  # one full vCPU: parsing and matching 10,000 records is CPU work
        timeout_seconds=900,
        # No trigger: admins invoke it (aws lambda invoke, make invoke FN=imports).
        access=(
            table("import-jobs", "read", "write"),
            bucket("exports", "read", "write", prefix="imports/"),
            # Matching reads places and their search cells; an apply writes each place with
            # its history, search cells and change-feed item (one transaction per place).
            table("places", "read", "write"),
            table("search-cells", "read", "write"),
            table("place-history", "read", "write"),
            table("changes", "write"),
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
        access=(
            table("exports", "read", "write"),
            queue("exports", "send"),
            # Sets that follow the data: which departments have online places.
            table("search-cells", "read"),
        ),
    ),
    Worker(
        name="exports-render",
        handler="functions.exports.handlers.queue_handler",
        description="Renders one export (PDF, HTML, CSV, XLSX, HSDS...) into S3",
        package=Package.IMAGE,
        memory_mb=2048,
        # A France-wide file reads every department in turn (docs/exports.md, "National
        # open data"); its arrays and the file itself spool to /tmp before the upload.
        timeout_seconds=900,
        ephemeral_storage_mb=4096,
        service="repere-exports",
        triggers=(QueueTrigger(queue="exports", batch_size=1, max_concurrency=5),),
        access=(
            table("exports", "read", "write"),
            # A territory's places: their search records, then the places by id.
            table("search-cells", "read"),
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
        name="search-backfill",
        handler="functions.search_backfill.handler",
        description="(Re)builds the search cells from the places table; resumable (invoke)",
        memory_mb=1024,
        timeout_seconds=900,
        # No trigger: run by hand on existing data or after a restore (docs/search.md).
        access=(
            table("places", "read", "scan"),
            table("search-cells", "read", "write", "scan"),
        ),
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
            # Newsletter messages name their issue (stored once), read once per container,
            # and their subscription, checked still active before sending.
            table("newsletter-issues", "read"),
            table("newsletter-subscriptions", "read"),
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
    Worker(
        name="newsletters",
        handler="functions.newsletters.handler",
        description="Weekly newsletter per department: digest once, one message per subscriber",
        memory_mb=1024,
        # 30,000 messages are 3,000 SendMessageBatch calls (about a minute); the rest is margin.
        timeout_seconds=900,
        triggers=(
            Schedule(
                name="weekly-newsletters",
                expression="cron(0 6 ? * MON *)",
                description="Mondays 06:00 in Paris: last week's changes, after the exports",
            ),
        ),
        access=(
            table("newsletter-subscriptions", "read", "scan"),
            table("newsletter-issues", "read", "write"),
            table("places", "read"),
            table("place-history", "read"),
            table("exports", "read"),
            # The digest's place details in each subscriber's language (docs/translations.md).
            table("translations", "read"),
            parameter("self-update-keys", env="REPERE_SELF_UPDATE_KEYS_PARAMETER"),
            secret("newsletter-id", env="REPERE_NEWSLETTER_ID_SECRET", delivery="value"),
            queue("mail", "send"),
        ),
    ),
    Worker(
        name="newsletter-preview",
        handler="functions.newsletters.preview_handler",
        description="Renders a department's digest mail for the back-office preview (API invoke)",
        memory_mb=512,
        # Within the API's own 10 s: the API waits for the answer (its client reads for 8 s).
        timeout_seconds=8,
        service="repere-newsletters",
        # No trigger: only the API's role may invoke it. It builds the digest as the weekly
        # run does (places, their history, the latest exports) and writes nothing.
        access=(
            table("places", "read"),
            table("place-history", "read"),
            table("exports", "read"),
            table("translations", "read"),
        ),
    ),
    Worker(
        name="campaigns",
        handler="functions.campaigns.handler",
        description="Finishes starting update campaigns: targets, links, mails (resumable)",
        memory_mb=512,
        timeout_seconds=900,
        triggers=(QueueTrigger(queue="campaigns", batch_size=1, max_concurrency=2),),
        access=(
            table("campaigns", "read", "write", "scan"),
            table("campaign-targets", "read", "write"),
            table("places", "read"),
            table("place-history", "read"),
            # Issuing links reads the place's link generation and the signing keys.
            table("self-update-links", "read"),
            parameter("self-update-keys", env="REPERE_SELF_UPDATE_KEYS_PARAMETER"),
            queue("mail", "send"),
            queue("campaigns", "send"),
        ),
    ),
    Worker(
        name="campaign-reminders",
        handler="functions.campaign_reminders.handler",
        description="Campaign reminders to places still to do; ends campaigns past their end",
        memory_mb=512,
        timeout_seconds=900,
        triggers=(
            Schedule(
                name="daily-campaign-reminders",
                expression="cron(0 9 * * ? *)",
                description="Every day at 09:00 in Paris: reminders arrive in office hours",
                payload={},
            ),
        ),
        access=(
            table("campaigns", "read", "write", "scan"),
            table("campaign-targets", "read", "write"),
            table("places", "read"),
            table("place-history", "read"),
            table("self-update-links", "read"),
            parameter("self-update-keys", env="REPERE_SELF_UPDATE_KEYS_PARAMETER"),
            queue("mail", "send"),
        ),
    ),
    Worker(
        name="change-feed",
        handler="functions.change_feed.handler",
        description="Files pending public writes in the change feed (docs/changes.md)",
        memory_mb=512,
        timeout_seconds=120,
        # One sequencer numbers the feeds (a second would be safe, only wasted).
        reserved_concurrency=1,
        triggers=(
            Schedule(
                name="change-feed-sequencer",
                expression="rate(1 minute)",
                description="Every minute: number the public writes waiting for the feed",
                payload={},
            ),
        ),
        access=(table("changes", "read", "write"),),
    ),
    Worker(
        name="translations",
        handler="functions.translations.handler",
        description="Translates changed place and announcement texts (docs/translations.md)",
        memory_mb=512,
        timeout_seconds=600,
        # One reader of the feed's checkpoint (a second would only lose its conditional write).
        reserved_concurrency=1,
        triggers=(
            Schedule(
                name="translations",
                expression="rate(1 minute)",
                description="Every minute: translate the place texts changed since the last run",
                payload={},
            ),
        ),
        access=(
            table("changes", "read"),
            table("announcements", "read"),
            table("translations", "read", "write"),
            translate("translate"),
            # The backfill reads the feed's snapshot (the online places, through the search
            # records) and its cursors are signed with the stage's key (docs/translations.md).
            table("places", "read"),
            table("search-cells", "read"),
            secret("submissions-hash", env="REPERE_SUBMISSIONS_HASH_SECRET", delivery="value"),
        ),
    ),
    Worker(
        name="stats-snapshot",
        handler="functions.stats_snapshot.handler",
        description="Daily statistics snapshot per department (docs/statistics.md)",
        memory_mb=1024,
        timeout_seconds=900,
        triggers=(
            Schedule(
                name="daily-stats-snapshot",
                expression="cron(30 0 * * ? *)",
                description="Every day at 00:30 in Paris: snapshot of the day that just ended",
                payload={},
            ),
        ),
        # Reads only, except its own table: places, history, submissions, export totals and
        # the mail store are Scanned or Queried, never written.
        access=(
            table("places", "read", "scan"),
            table("place-history", "read"),
            table("submissions", "read", "scan"),
            table("exports", "read", "scan"),
            table("sent-mail", "read", "scan"),
            table("mail-suppressions", "read", "scan"),
            table("stats", "read", "write"),
        ),
    ),
)

QUEUES: dict[str, QueueSpec] = {
    "exports": QueueSpec(env="REPERE_EXPORTS_QUEUE_URL"),
    "mail": QueueSpec(env="REPERE_MAIL_QUEUE_URL"),
    "mail-feedback": QueueSpec(topic="mail-feedback"),
    "campaigns": QueueSpec(env="REPERE_CAMPAIGNS_QUEUE_URL"),
    "batch-updates": QueueSpec(env="REPERE_BATCH_QUEUE_URL"),
}

BUCKETS: dict[str, BucketSpec] = {
    "exports": BucketSpec(env="REPERE_EXPORTS_BUCKET"),
}

SECRETS: dict[str, SecretSpec] = {
    "newsletter-id": SecretSpec(
        description="HMAC key of newsletter subscriber ids (REPERE_NEWSLETTER_ID_SECRET); "
        "never rotate it: ids would no longer match"
    ),
    "submissions-hash": SecretSpec(
        description="HMAC key of submitters' client addresses (REPERE_SUBMISSIONS_HASH_SECRET)"
    ),
}
"""Secrets the stack creates (random values, never in the repository). The back office needs
none (Cognito); the self-update signing keys are an SSM SecureString operators create
(``parameter(...)`` above), because rotating them means adding a key, not replacing one."""
