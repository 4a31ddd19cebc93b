"""The mail side of `make run` (docs/selfupdate.md, "Seeing the mails locally").

``prepare_mail()`` creates, in the embedded AWS (moto): the mail queue and the bounce/complaint
queue, a verified SES identity for the sender, and the self-update signing keys (an SSM
SecureString; the key ring is kept in .local/self-update-keys.json so links issued before a
restart still open after it).

``MailPump`` plays the mailer Lambda's event source mapping: every second it receives the
queued messages, hands them to ``functions.mailer.handler`` (the real worker: templates, SES v2
on moto, the sent-mail table), deletes what succeeded, and writes every mail moto's SES
recorded to .local/outbox/<n>-<subject>.html, for reading, and beside it the whole message,
<n>-<subject>.eml: a raw MIME mail (newsletters: List-Unsubscribe) as SES received it, every
header included; a simple one rebuilt from what moto's SES keeps (no text part, which is
rendered from the same template). One line on the console per mail: the number of
recipients, never their addresses.

It also plays the bounce/complaint queue's mapping: an SES notification sent to the
repere-local-mail-feedback queue (``aws sqs send-message`` against moto) goes to
``functions.mailer.feedback_handler``, which adds the address to the suppression list.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from devtools.local_paths import local_dir, shown

ROOT = Path(__file__).resolve().parents[1]
KEYS_FILE = local_dir() / "self-update-keys.json"
OUTBOX = local_dir() / "outbox"
MAIL_QUEUE = "repere-local-mail"
FEEDBACK_QUEUE = "repere-local-mail-feedback"
BATCH_SIZE = 10
MAILER_PROCESSES = 3
"""Mailer processes that deliver the stack's mail, as Lambda runs several mailer containers at
once (up to 5 deployed). Processes, not threads, and none in the stack's own process: that one
serves moto, and delivering there too bound a newsletter run of 1,600 mails to one interpreter
(about 4 mails a second on this machine; the drill, docs/drill.md). The stack's pump then only
writes the outbox and handles bounces."""
"""Messages handed to the mailer at once (its event source mapping's batch size)."""

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


def prepare_mail() -> dict[str, str]:
    """Create queues, SES identity and signing keys; returns environment variables to set."""
    import boto3

    from chalicelib.config import get_settings

    settings = get_settings()
    sqs = boto3.client("sqs", region_name=settings.region)
    queue_url = sqs.create_queue(QueueName=MAIL_QUEUE)["QueueUrl"]
    sqs.create_queue(QueueName=FEEDBACK_QUEUE)
    boto3.client("sesv2", region_name=settings.region).create_email_identity(
        EmailIdentity=settings.mail_from_address
    )
    if KEYS_FILE.exists():
        ring = KEYS_FILE.read_text(encoding="utf-8")
    else:
        ring = json.dumps({"current": "local-1", "keys": {"local-1": secrets.token_urlsafe(48)}})
        KEYS_FILE.parent.mkdir(parents=True, exist_ok=True)
        KEYS_FILE.write_text(ring, encoding="utf-8")
    boto3.client("ssm", region_name=settings.region).put_parameter(
        Name=settings.self_update_keys_parameter, Value=ring, Type="SecureString", Overwrite=True
    )
    get_settings.cache_clear()
    return {"REPERE_MAIL_QUEUE_URL": queue_url}


def start_mail_pump(region: str) -> MailPump:
    """The pump of the queues ``prepare_mail`` created, started."""
    import boto3

    feedback = boto3.client("sqs", region_name=region).get_queue_url(QueueName=FEEDBACK_QUEUE)
    pump = MailPump(os.environ["REPERE_MAIL_QUEUE_URL"], region, feedback["QueueUrl"])
    pump.start(mailer_processes=MAILER_PROCESSES)
    print(
        "mailer: queued mails are sent to moto SES and written to .local/outbox/; "
        f"bounces and complaints sent to the {FEEDBACK_QUEUE} queue are suppressed"
    )
    return pump


class MailPump:
    def __init__(
        self,
        queue_url: str,
        region: str,
        feedback_queue_url: str | None = None,
        interval: float = 1.0,
    ) -> None:
        self._queue_url = queue_url
        self._feedback_queue_url = feedback_queue_url
        self._region = region
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="mail-pump", daemon=True)
        self._written = 0
        self._processes: list[subprocess.Popen[bytes]] = []
        self._deliver_here = True

    def start(self, mailer_processes: int = 0) -> None:
        """Pump in a thread of this process (the one that writes the outbox: it reads moto's
        SES, which lives here); with ``mailer_processes``, those processes deliver the mail
        and this thread only writes the outbox and handles bounces and complaints."""
        OUTBOX.mkdir(parents=True, exist_ok=True)
        self._deliver_here = mailer_processes == 0
        if not self._deliver_here:
            self._interval = min(self._interval, 0.5)  # the outbox follows the sends closely
        self._thread.start()
        for _ in range(mailer_processes):
            self._processes.append(
                subprocess.Popen(
                    [sys.executable, "-m", "devtools.local_mail", self._queue_url, self._region],
                    cwd=ROOT,
                    env=dict(os.environ),
                )
            )

    def stop(self) -> None:
        self._stop.set()
        for process in self._processes:
            process.terminate()
        for process in self._processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                # Batch after batch while the queue has mail, as Lambda's event source mapping
                # polls again at once when a receive was full: one batch of 10 a second made a
                # newsletter run of 1,600 mails take minutes (the drill, docs/drill.md).
                if not self._deliver_here:
                    self._drain_feedback()
                    self._write_outbox()
                    continue
                while self._drain_batch()[0] == BATCH_SIZE and not self._stop.is_set():
                    pass
            except Exception as error:  # keep pumping; the console says why
                print(f"mail pump: {type(error).__name__}: {error}")

    def drain_once(self) -> int:
        """Hand one batch of each queue to its worker (the mailer, then the feedback
        handler, as their event source mappings do); returns the mails written out."""
        return self._drain_batch()[1]

    def _drain_batch(self, outbox: bool = True) -> tuple[int, int]:
        """One batch of each queue: (mail messages received, mails written out)."""
        from functions import mailer

        received = self._drain(self._queue_url, MAIL_QUEUE, mailer.handler)
        self._drain_feedback()
        return received, self._write_outbox() if outbox else 0

    def _drain_feedback(self) -> None:
        from functions import mailer

        if self._feedback_queue_url is not None:
            self._drain(self._feedback_queue_url, FEEDBACK_QUEUE, mailer.feedback_handler)

    def request_stop(self) -> None:
        """Let ``deliver_forever`` return after its current batch."""
        self._stop.set()

    def deliver_forever(self) -> None:
        """A mailer process's loop (``main``): batches while the queue is full, then a
        pause; no outbox (moto's SES is in the stack's process, which writes it)."""
        while not self._stop.is_set():
            try:
                while self._drain_batch(outbox=False)[0] == BATCH_SIZE:
                    pass
            except Exception as error:  # keep delivering; the console says why
                print(f"mailer process: {type(error).__name__}: {error}")
            self._stop.wait(self._interval)

    def _drain(self, queue_url: str, queue_name: str, handler: Handler) -> int:
        import boto3

        from devtools.local_exports import sqs_event

        sqs = boto3.client("sqs", region_name=self._region)
        messages: list[dict[str, Any]] = sqs.receive_message(
            QueueUrl=queue_url, MaxNumberOfMessages=BATCH_SIZE, WaitTimeSeconds=0
        ).get("Messages", [])
        if not messages:
            return 0
        answer = handler(sqs_event(messages, self._region, queue_name), None)
        failed = {item["itemIdentifier"] for item in answer.get("batchItemFailures", [])}
        for message in messages:
            if message["MessageId"] not in failed:
                sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
        return len(messages)

    def _write_outbox(self) -> int:
        from moto.core.models import DEFAULT_ACCOUNT_ID
        from moto.ses.models import ses_backends

        sent = ses_backends[DEFAULT_ACCOUNT_ID][self._region].sent_messages
        new = sent[self._written :]
        for message in new:
            self._written += 1
            subject, body, to = _parts(message)
            slug = re.sub(r"[^a-z0-9]+", "-", subject.lower()).strip("-")[:60]
            path = OUTBOX / f"{self._written:04d}-{slug}.html"
            path.write_text(body, encoding="utf-8")
            path.with_suffix(".eml").write_text(_eml(message), encoding="utf-8")
            # The console (and whatever captures it) never shows whom: the outbox file does.
            print(f"mail to {_recipients(to)}: {subject!r} -> {shown(path)}")
        return len(new)


def _recipients(to: str) -> str:
    """How many addresses a mail went to, not which ("1 recipient", "3 recipients")."""
    count = sum(1 for address in to.split(",") if address.strip())
    return f"{count} recipient" + ("" if count == 1 else "s")


def _parts(message: object) -> tuple[str, str, str]:
    """Subject, HTML body and recipients of a mail moto recorded: a simple one, or a raw
    MIME one (newsletters, sent raw for their List-Unsubscribe headers)."""
    raw = getattr(message, "raw_data", None)
    if isinstance(raw, str):
        import email
        from email import policy

        parsed = email.message_from_string(raw, policy=policy.default)
        html = parsed.get_body(preferencelist=("html", "plain"))
        body = html.get_content() if html is not None else ""
        return str(parsed.get("Subject", "mail")), str(body), str(parsed.get("To", ""))
    destinations = getattr(message, "destinations", {})
    to = ", ".join(destinations.get("ToAddresses", [])) if isinstance(destinations, dict) else ""
    return str(getattr(message, "subject", "mail")), str(getattr(message, "body", "")), to


def _eml(message: object) -> str:
    """The whole message: a raw one (list mail) exactly as SES received it, every header
    included (List-Unsubscribe...); a simple one rebuilt from what moto kept of it (sender,
    recipients, subject, the HTML part), said so in a header, since SES composes those
    itself and moto keeps neither its headers nor the text part."""
    raw = getattr(message, "raw_data", None)
    if isinstance(raw, str):
        return raw
    from email.message import EmailMessage

    rebuilt = EmailMessage()
    destinations = getattr(message, "destinations", {})
    rebuilt["From"] = str(getattr(message, "source", ""))
    for header, key in (("To", "ToAddresses"), ("Cc", "CcAddresses")):
        addresses = destinations.get(key, []) if isinstance(destinations, dict) else []
        if addresses:
            rebuilt[header] = ", ".join(addresses)
    rebuilt["Subject"] = str(getattr(message, "subject", ""))
    rebuilt["X-Repere-Outbox"] = "rebuilt from an SES simple send (moto keeps the HTML only)"
    rebuilt.set_content(str(getattr(message, "body", "")), subtype="html")
    return rebuilt.as_string()


def main(argv: list[str]) -> int:
    """``python -m devtools.local_mail <queue url> <region>``: one more mailer, started by
    the stack's pump with the stack's environment; stops on SIGTERM."""
    queue_url, region = argv
    pump = MailPump(queue_url, region)
    signal.signal(signal.SIGTERM, lambda signum, frame: pump.request_stop())
    pump.deliver_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
