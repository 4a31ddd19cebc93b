"""Double opt-in subscriptions: nothing but a confirmation before confirming, signed
purpose-bound links, unsubscription deletes the address."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
import pytest

from chalicelib.domain.clock import FixedClock
from chalicelib.domain.errors import Gone, TooManyRequests, Unauthorized
from chalicelib.domain.newsletters.models import (
    SubscriptionClaims,
    SubscriptionRequest,
    SubscriptionStatus,
    TokenPurpose,
)
from chalicelib.domain.newsletters.subscriptions import (
    SubscriberIds,
    SubscriptionLinks,
    SubscriptionPolicy,
    SubscriptionService,
)
from tests.newsletter_support import InMemorySubscriberStore, codec
from tests.selfupdate_fakes import InMemoryMailQueue
from tests.submission_fakes import InMemoryRateLimiter

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
LINKS = SubscriptionLinks(
    confirm_page="https://repere.example.org/lettre/confirmer",
    unsubscribe_page="https://repere.example.org/lettre/desabonner",
    api_url="https://api.repere.example.org",
    unsubscribe_mailto="mailto:desabonnement@repere.example.org",
)


class World:
    def __init__(self) -> None:
        self.store = InMemorySubscriberStore()
        self.mail = InMemoryMailQueue()
        self.clock = FixedClock(NOW)
        self.ids = SubscriberIds(b"k" * 32)
        counter = iter(range(1000))
        self.service = SubscriptionService(
            self.store,
            codec(),
            self.mail,
            self.ids,
            self.clock,
            links=LINKS,
            nonces=lambda: f"n{next(counter)}",
        )

    def subscribe(self, email: str = "Benevole@Asso.org", *departments: str) -> None:
        self.service.subscribe(
            SubscriptionRequest(email=email, departments=list(departments or ("75",)))
        )

    def confirm_token(self, index: int = -1) -> str:
        url = str(self.mail.messages[index].context["confirm_url"])
        return url.split("#token=", 1)[1]


@pytest.fixture
def world() -> World:
    return World()


def test_subscribing_queues_only_a_confirmation_and_stores_a_pending_subscriber(
    world: World,
) -> None:
    world.subscribe("Benevole@Asso.org", "75", "93")
    [message] = world.mail.messages
    assert message.template == "newsletter_confirm"
    assert message.to == "benevole@asso.org"
    assert message.context["departments"] == ["75", "93"]
    [stored] = world.store.items.values()
    assert stored.status is SubscriptionStatus.PENDING
    assert stored.id == world.ids.of("benevole@asso.org")
    assert stored.id != "benevole@asso.org"
    assert stored.expires_at == NOW + timedelta(days=8)  # pending records vanish (TTL)
    assert list(world.store.active()) == []  # no newsletter goes to a pending address


def test_subscribing_again_within_the_cooldown_sends_no_second_mail(world: World) -> None:
    world.subscribe()
    world.clock.set(NOW + timedelta(minutes=10))
    world.subscribe("benevole@asso.org", "13")
    assert len(world.mail.messages) == 1
    [stored] = world.store.items.values()
    assert stored.pending_departments == ["13"]  # the latest request is what confirms
    world.clock.set(NOW + timedelta(hours=2))
    world.subscribe()
    assert len(world.mail.messages) == 2


def test_confirming_activates_with_the_requested_departments(world: World) -> None:
    world.subscribe("benevole@asso.org", "75", "93")
    view = world.service.confirm(world.confirm_token())
    assert view.status is SubscriptionStatus.ACTIVE
    assert view.departments == ["75", "93"]
    [active] = world.store.active()
    assert active.expires_at is None
    # The same link twice is harmless.
    assert world.service.confirm(world.confirm_token()) == view


def test_an_active_subscriber_changes_departments_only_by_confirming(world: World) -> None:
    world.subscribe("benevole@asso.org", "75")
    world.service.confirm(world.confirm_token())
    world.clock.set(NOW + timedelta(days=2))
    world.subscribe("benevole@asso.org", "13")
    [active] = world.store.active()
    assert active.departments == ["75"]
    assert world.service.confirm(world.confirm_token()).departments == ["13"]


def test_an_earlier_confirmation_link_no_longer_works_once_replaced(world: World) -> None:
    world.subscribe()
    first = world.confirm_token()
    world.clock.set(NOW + timedelta(hours=2))
    world.subscribe()
    with pytest.raises(Gone):
        world.service.confirm(first)


def test_an_expired_confirmation_link_is_gone(world: World) -> None:
    world.subscribe()
    world.clock.set(NOW + timedelta(days=7, seconds=1))
    with pytest.raises(Gone):
        world.service.confirm(world.confirm_token())


def test_a_tampered_token_is_refused(world: World) -> None:
    world.subscribe()
    header, payload, signature = world.confirm_token().split(".")
    flipped = signature[:-2] + ("A" if signature[-2] != "A" else "B") + signature[-1]
    with pytest.raises(Unauthorized):
        world.service.confirm(f"{header}.{payload}.{flipped}")
    with pytest.raises(Unauthorized):
        world.service.confirm("not-a-token")


def test_a_token_of_another_purpose_or_audience_is_refused(world: World) -> None:
    world.subscribe()
    confirm = world.confirm_token()
    with pytest.raises(Unauthorized):
        world.service.unsubscribe(confirm)
    subscriber_id = next(iter(world.store.items))
    with pytest.raises(Unauthorized):
        world.service.confirm(world.service.unsubscribe_token(subscriber_id))
    self_update_like = jwt.encode(
        {
            "iss": "repere",
            "aud": "repere-self-update",
            "sub": subscriber_id,
            "scope": TokenPurpose.UNSUBSCRIBE.value,
            "iat": int(NOW.timestamp()),
            "exp": int((NOW + timedelta(days=1)).timestamp()),
        },
        "newsletter-test-key-" + "x" * 32,
        algorithm="HS256",
        headers={"kid": "k1"},
    )
    with pytest.raises(Unauthorized):
        world.service.unsubscribe(self_update_like)


def test_unsubscribing_deletes_the_address_and_is_idempotent(world: World) -> None:
    world.subscribe()
    world.service.confirm(world.confirm_token())
    subscriber_id = next(iter(world.store.items))
    token = world.service.unsubscribe_token(subscriber_id)
    world.service.unsubscribe(token)
    assert world.store.items == {}
    world.service.unsubscribe(token)  # a second click answers the same
    assert world.store.items == {}


def test_unsubscribe_links_live_long(world: World) -> None:
    token = world.service.unsubscribe_token("abc")
    claims: SubscriptionClaims = codec().decode(token)
    assert claims.purpose is TokenPurpose.UNSUBSCRIBE
    assert claims.expires_at - claims.issued_at == timedelta(days=730)


def test_one_click_headers_name_the_https_url_and_the_mailto() -> None:
    headers = LINKS.one_click("a.b.c").headers()
    assert headers == {
        "List-Unsubscribe": "<https://api.repere.example.org/subscriptions/unsubscribe"
        "?token=a.b.c>, <mailto:desabonnement@repere.example.org>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def test_bad_requests_are_refused_by_the_model() -> None:
    with pytest.raises(ValueError):
        SubscriptionRequest(email="not-an-address", departments=["75"])
    with pytest.raises(ValueError):
        SubscriptionRequest(email="a@b.org", departments=["99"])
    with pytest.raises(ValueError):
        SubscriptionRequest(email="a@b.org", departments=[])


class FailingQueue:
    def __init__(self) -> None:
        self.fail = True
        self.messages: list[object] = []

    def send(self, message: object) -> None:
        if self.fail:
            raise ConnectionError("SQS is unreachable")
        self.messages.append(message)


def test_a_confirmation_that_could_not_be_queued_is_sent_by_the_retry() -> None:
    queue = FailingQueue()
    service = SubscriptionService(
        InMemorySubscriberStore(),
        codec(),
        queue,
        SubscriberIds(b"k" * 32),
        FixedClock(NOW),
        links=LINKS,
    )
    request = SubscriptionRequest(email="a@asso.org", departments=["75"])
    with pytest.raises(ConnectionError):
        service.subscribe(request)
    queue.fail = False
    service.subscribe(request)  # within the cooldown, yet mailed: the first never left
    assert len(queue.messages) == 1


def test_one_client_cannot_have_many_addresses_mailed() -> None:
    world = World()
    limiter = InMemoryRateLimiter()
    service = SubscriptionService(
        world.store,
        codec(),
        world.mail,
        world.ids,
        world.clock,
        links=LINKS,
        policy=SubscriptionPolicy(per_client_per_hour=3),
        limiter=limiter,
    )
    for number in range(3):
        service.subscribe(
            SubscriptionRequest(email=f"victim{number}@example.org", departments=["75"]),
            client_address="203.0.113.9",
        )
    with pytest.raises(TooManyRequests) as caught:
        service.subscribe(
            SubscriptionRequest(email="victim3@example.org", departments=["75"]),
            client_address="203.0.113.9",
        )

    assert caught.value.code == "rate_limited"
    assert len(world.mail.messages) == 3
    # Another client is not affected, and the next hour starts afresh.
    service.subscribe(
        SubscriptionRequest(email="friend@example.org", departments=["75"]),
        client_address="198.51.100.7",
    )
    world.clock.set(NOW + timedelta(hours=1))
    service.subscribe(
        SubscriptionRequest(email="victim3@example.org", departments=["75"]),
        client_address="203.0.113.9",
    )
    assert len(world.mail.messages) == 5
    # Only an HMAC of the address is counted, never the address itself.
    assert not any("203.0.113.9" in key for key, _ in limiter.counts)
