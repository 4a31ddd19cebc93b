"""The weekly run: one issue per department, one queued message per (subscriber, issue).

Idempotent at every step, so the scheduler's retries and a crash midway are harmless:

- the issue (the digest) is built once and stored under ``newsletter:<dep>:<week>``; a
  retry reuses the stored digest, so every recipient of an issue gets the same content;
- each message's id is ``newsletter:<dep>:<week>:<subscriber id>``: queued twice, it is
  sent once (the mailer claims ids in its sent-mail ledger);
- an issue whose fan-out completed is marked, and a later run skips it.

Messages carry a reference to the issue (``shared_context``), not the digest: the mailer
loads it once per container (docs/newsletters.md, "Message size").
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

from pydantic import Field

from chalicelib.domain.clock import Clock
from chalicelib.domain.hours.models import DomainModel
from chalicelib.domain.mail.models import MailMessage
from chalicelib.domain.mail.ports import MailBatchQueue
from chalicelib.domain.newsletters.digest import DigestBuilder
from chalicelib.domain.newsletters.models import IssueWeek, Subscriber, issue_id
from chalicelib.domain.newsletters.ports import IssueStore, SubscriberStore
from chalicelib.domain.newsletters.subscriptions import SubscriptionLinks

FAN_OUT_CHUNK = 500
"""Messages built and queued at a time (bounded memory, whatever the audience)."""


class IssueReport(DomainModel):
    issue_id: str
    subscribers: int
    queued: int
    status: str  # "queued", "already_queued", "empty"


class RunReport(DomainModel):
    week: str
    issues: list[IssueReport] = Field(default_factory=list)

    @property
    def queued(self) -> int:
        return sum(issue.queued for issue in self.issues)


class NewsletterRun:
    def __init__(
        self,
        builder: DigestBuilder,
        issues: IssueStore,
        subscribers: SubscriberStore,
        queue: MailBatchQueue,
        *,
        links: SubscriptionLinks,
        unsubscribe_token: Callable[[str], str],
        clock: Clock,
        send_empty: bool = False,
    ) -> None:
        self._builder = builder
        self._issues = issues
        self._subscribers = subscribers
        self._queue = queue
        self._links = links
        self._unsubscribe_token = unsubscribe_token
        self._clock = clock
        self._send_empty = send_empty

    def run(self, week: IssueWeek, departments: list[str] | None = None) -> RunReport:
        audience: dict[str, list[Subscriber]] = defaultdict(list)
        for subscriber in self._subscribers.active():
            for department in subscriber.departments:
                if departments is None or department in departments:
                    audience[department].append(subscriber)
        report = RunReport(week=week.label)
        for department in sorted(audience):
            report.issues.append(self._issue(department, week, audience[department]))
        return report

    def _issue(self, department: str, week: IssueWeek, audience: list[Subscriber]) -> IssueReport:
        identifier = issue_id(department, week)
        if self._issues.queued_count(identifier) is not None:
            return IssueReport(
                issue_id=identifier, subscribers=len(audience), queued=0, status="already_queued"
            )
        digest = self._issues.get(identifier)
        if digest is None:
            digest = self._builder.build(department, week)
            self._issues.put(digest, self._clock.now())
        if digest.total == 0 and not self._send_empty:
            self._issues.mark_queued(identifier, 0, self._clock.now())
            return IssueReport(
                issue_id=identifier, subscribers=len(audience), queued=0, status="empty"
            )
        queued = 0
        ordered = sorted(audience, key=lambda s: s.id)
        for start in range(0, len(ordered), FAN_OUT_CHUNK):
            chunk = [self._message(identifier, s) for s in ordered[start : start + FAN_OUT_CHUNK]]
            self._queue.send_many(chunk)
            queued += len(chunk)
        self._issues.mark_queued(identifier, queued, self._clock.now())
        return IssueReport(
            issue_id=identifier, subscribers=len(audience), queued=queued, status="queued"
        )

    def _message(self, identifier: str, subscriber: Subscriber) -> MailMessage:
        token = self._unsubscribe_token(subscriber.id)
        return MailMessage(
            id=f"{identifier}:{subscriber.id}",
            template="newsletter_digest",
            to=subscriber.email,
            locale=subscriber.language,
            context={"unsubscribe_url": self._links.unsubscribe_url(token)},
            shared_context=identifier,
            list_unsubscribe=self._links.one_click(token),
            subscription=subscriber.id,
        )
