"""Helpers for tests of the mail pipeline under moto: SQS events from real queue messages,
and the mails moto's SES (v1 and v2 share one backend) recorded as sent."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

FROM_ADDRESS = "no-reply@repere.example.org"


@dataclass(frozen=True)
class SentMail:
    source: str
    to: list[str]
    subject: str
    body: str


def receive_all(sqs: Any, queue_url: str) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = []
    while True:
        batch = sqs.receive_message(
            QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0
        ).get("Messages", [])
        if not batch:
            return messages
        messages.extend(batch)


def sqs_event(messages: list[dict[str, Any]], region: str) -> dict[str, Any]:
    return {
        "Records": [
            {
                "messageId": message["MessageId"],
                "receiptHandle": message["ReceiptHandle"],
                "body": message["Body"],
                "attributes": {},
                "messageAttributes": {},
                "md5OfBody": message["MD5OfBody"],
                "eventSource": "aws:sqs",
                "eventSourceARN": f"arn:aws:sqs:{region}:{DEFAULT_ACCOUNT_ID}:mail",
                "awsRegion": region,
            }
            for message in messages
        ]
    }


def ses_sent(region: str) -> list[SentMail]:
    backend = ses_backends[DEFAULT_ACCOUNT_ID][region]
    return [
        SentMail(
            source=message.source,
            to=list(message.destinations.get("ToAddresses", [])),
            subject=message.subject,
            body=message.body,
        )
        for message in backend.sent_messages
    ]
