"""The weekly run: one stored issue per department, one message per (subscriber, issue),
nothing queued twice by a retry, pending subscribers never mailed."""

from __future__ import annotations

from datetime import UTC, datetime

from chalicelib.domain.clock import FixedClock
from chalicelib.domain.newsletters.digest import DigestBuilder
from chalicelib.domain.newsletters.models import IssueWeek, SubscriptionRequest
from chalicelib.domain.newsletters.sending import NewsletterRun
from chalicelib.domain.newsletters.subscriptions import SubscriberIds, SubscriptionService
from tests.fakes import InMemoryPlaceRepository
from tests.newsletter_support import (
    FixedExports,
    InMemoryIssueStore,
    InMemorySubscriberStore,
    RecordingBatchQueue,
    codec,
)
from tests.selfupdate_fakes import InMemoryMailQueue
from tests.unit.newsletters.test_digest import WEEK, scripted_week
from tests.unit.newsletters.test_subscriptions import LINKS

NOW = datetime(2026, 11, 23, 5, 0, tzinfo=UTC)


class World:
    def __init__(self, places: InMemoryPlaceRepository | None = None) -> None:
        self.subscribers = InMemorySubscriberStore()
        self.confirmations = InMemoryMailQueue()
        self.clock = FixedClock(NOW)
        self.subscriptions = SubscriptionService(
            self.subscribers,
            codec(),
            self.confirmations,
            SubscriberIds(b"k" * 32),
            self.clock,
            links=LINKS,
        )
        self.issues = InMemoryIssueStore()
        self.queue = RecordingBatchQueue()
        self.run = NewsletterRun(
            DigestBuilder(
                places or scripted_week(), FixedExports(), site_url="https://repere.example.org"
            ),
            self.issues,
            self.subscribers,
            self.queue,
            links=LINKS,
            unsubscribe_token=self.subscriptions.unsubscribe_token,
            clock=self.clock,
        )

    def subscriber(self, email: str, *departments: str, confirm: bool = True) -> None:
        self.subscriptions.subscribe(
            SubscriptionRequest(email=email, departments=list(departments), language="fr")
        )
        if confirm:
            url = str(self.confirmations.messages[-1].context["confirm_url"])
            self.subscriptions.confirm(url.split("#token=", 1)[1])


def test_each_confirmed_subscriber_gets_one_message_per_issue() -> None:
    world = World()
    world.subscriber("a@asso.org", "75")
    world.subscriber("b@asso.org", "75", "93")
    world.subscriber("pending@asso.org", "75", confirm=False)
    report = world.run.run(WEEK)
    assert [(i.issue_id, i.queued, i.status) for i in report.issues] == [
        ("newsletter:75:2026-W47", 2, "queued"),
        ("newsletter:93:2026-W47", 1, "queued"),
    ]
    assert sorted(m.to for m in world.queue.messages) == ["a@asso.org", "b@asso.org", "b@asso.org"]
    ids = SubscriberIds(b"k" * 32)
    message = next(m for m in world.queue.messages if m.to == "a@asso.org")
    assert message.id == f"newsletter:75:2026-W47:{ids.of('a@asso.org')}"
    assert message.template == "newsletter_digest"
    assert message.shared_context == "newsletter:75:2026-W47"
    assert "digest" not in message.context  # the digest is stored once, not copied
    assert message.list_unsubscribe is not None
    assert message.list_unsubscribe.url.startswith(
        "https://api.repere.example.org/subscriptions/unsubscribe?token="
    )
    assert str(message.context["unsubscribe_url"]).startswith(LINKS.unsubscribe_page + "#token=")
    assert world.issues.get("newsletter:75:2026-W47") is not None


def test_a_retried_run_queues_nothing_twice_and_reuses_the_stored_issue() -> None:
    world = World()
    world.subscriber("a@asso.org", "75")
    world.run.run(WEEK)
    first = list(world.queue.messages)
    report = world.run.run(WEEK)
    assert [i.status for i in report.issues] == ["already_queued"]
    assert world.queue.messages == first
    assert world.issues.builds == 1


def test_a_run_interrupted_after_building_reuses_the_issue_and_the_same_ids() -> None:
    world = World()
    world.subscriber("a@asso.org", "75")
    digest = world.run._builder.build("75", WEEK)
    world.issues.put(digest, NOW)  # built and stored, then the worker died
    world.run.run(WEEK)
    assert world.issues.builds == 1
    assert [m.shared_context for m in world.queue.messages] == ["newsletter:75:2026-W47"]


def test_a_week_without_changes_mails_nobody() -> None:
    world = World(InMemoryPlaceRepository())
    world.subscriber("a@asso.org", "75")
    report = world.run.run(IssueWeek.parse("2026-W47"))
    assert [i.status for i in report.issues] == ["empty"]
    assert world.queue.messages == []


def test_unsubscribed_addresses_are_not_in_the_next_run() -> None:
    world = World()
    world.subscriber("a@asso.org", "75")
    world.subscriber("b@asso.org", "75")
    gone = SubscriberIds(b"k" * 32).of("b@asso.org")
    world.subscriptions.unsubscribe(world.subscriptions.unsubscribe_token(gone))
    world.run.run(WEEK)
    assert [m.to for m in world.queue.messages] == ["a@asso.org"]
