"""Double opt-in subscriptions, confirmation and unsubscription (docs/newsletters.md).

``subscribe`` answers the same whatever the state of the address (no enumeration): it
records what was asked and queues a confirmation mail, at most one per cooldown. Nothing is
ever mailed to a pending subscriber but that confirmation. ``confirm`` applies what the last
request asked; ``unsubscribe`` deletes the record (address included).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

from chalicelib.domain.clock import Clock
from chalicelib.domain.errors import Conflict, Gone, TooManyRequests, Unauthorized
from chalicelib.domain.mail.models import ListUnsubscribe, MailMessage, normalise_address
from chalicelib.domain.mail.ports import MailQueue
from chalicelib.domain.newsletters.models import (
    Subscriber,
    SubscriptionClaims,
    SubscriptionRequest,
    SubscriptionStatus,
    SubscriptionView,
    TokenPurpose,
)
from chalicelib.domain.newsletters.ports import (
    InvalidSubscriptionToken,
    SubscriberStore,
    SubscriptionTokenCodec,
)
from chalicelib.domain.submissions.ports import RateLimiter
from chalicelib.domain.tokens import issued_in_the_future

INVALID_LINK = "this link is not valid"
NEVER = datetime(2000, 1, 1, tzinfo=UTC)
EXPIRED_LINK = "this link has expired or was replaced: subscribe again for a new one"


class SubscriberIds:
    """``HMAC-SHA256(key, normalised address)``: a stable id that reveals nothing without
    the key (the stage's secret)."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def of(self, address: str) -> str:
        digest = hmac.new(self._key, normalise_address(address).encode(), hashlib.sha256)
        return digest.hexdigest()[:40]


@dataclass(frozen=True)
class SubscriptionLinks:
    """Where links point. Confirmation and unsubscription pages live on the website, the
    token in the URL fragment (never sent to any server); the page POSTs it to the API in
    ``Authorization: Bearer``. The one-click URL of the ``List-Unsubscribe`` header is the
    API itself, token in the query string, as RFC 8058 requires."""

    confirm_page: str
    unsubscribe_page: str
    api_url: str
    unsubscribe_mailto: str | None = None

    def confirm_url(self, token: str) -> str:
        return f"{self.confirm_page}#token={token}"

    def unsubscribe_url(self, token: str) -> str:
        return f"{self.unsubscribe_page}#token={token}"

    def one_click(self, token: str) -> ListUnsubscribe:
        return ListUnsubscribe(
            url=f"{self.api_url.rstrip('/')}/subscriptions/unsubscribe?token={quote(token)}",
            mailto=self.unsubscribe_mailto,
        )


@dataclass(frozen=True)
class SubscriptionPolicy:
    confirm_days: int = 7
    unsubscribe_days: int = 730
    cooldown: timedelta = timedelta(hours=1)
    # Requests per client address and hour: the cooldown bounds mail to one address, this
    # bounds how many addresses one client can have mailed (we must not be a spam relay).
    per_client_per_hour: int = 10


class SubscriptionService:
    def __init__(
        self,
        store: SubscriberStore,
        codec: SubscriptionTokenCodec,
        mail: MailQueue,
        ids: SubscriberIds,
        clock: Clock,
        *,
        links: SubscriptionLinks,
        policy: SubscriptionPolicy | None = None,
        nonces: Callable[[], str] = lambda: secrets.token_urlsafe(12),
        limiter: RateLimiter | None = None,
    ) -> None:
        self._limiter = limiter
        self._store = store
        self._codec = codec
        self._mail = mail
        self._ids = ids
        self._clock = clock
        self._links = links
        self._policy = policy or SubscriptionPolicy()
        self._nonces = nonces

    # Subscribing ---------------------------------------------------------------------

    def subscribe(self, request: SubscriptionRequest, *, client_address: str | None = None) -> None:
        """Record the request and queue a confirmation mail (once per cooldown). Raises
        TooManyRequests past the client's hourly allowance (counted by an HMAC of its address)."""
        now = self._clock.now()
        if self._limiter is not None and client_address is not None:
            client = self._ids.of(f"client:{client_address}")
            window = now.strftime("%Y-%m-%dT%H")
            if (
                self._limiter.hit(f"subscribe:{client}", window, ttl_seconds=7200)
                > self._policy.per_client_per_hour
            ):
                raise TooManyRequests(
                    "too many subscription requests from this network; please try again later",
                    code="rate_limited",
                )
        subscriber_id = self._ids.of(request.email)
        current = self._store.get(subscriber_id)
        if current is not None and now - current.confirm_sent_at < self._policy.cooldown:
            # A repeated request: remember the latest preferences, mail nobody.
            if (current.pending_departments, current.pending_language) != (
                request.departments,
                request.language,
            ):
                updated = current.model_copy(
                    update={
                        "pending_departments": request.departments,
                        "pending_language": request.language,
                        "version": current.version + 1,
                    }
                )
                self._save_quietly(updated, current.version)
            return
        nonce = self._nonces()
        expires_at = now + timedelta(days=self._policy.confirm_days + 1)
        if current is None:
            subscriber = Subscriber(
                id=subscriber_id,
                email=request.email,
                status=SubscriptionStatus.PENDING,
                pending_departments=request.departments,
                pending_language=request.language,
                nonce=nonce,
                confirm_sent_at=now,
                created_at=now,
                expires_at=expires_at,
            )
            try:
                self._store.create(subscriber)
            except Conflict:
                return  # a concurrent request won; it sends the confirmation
        else:
            subscriber = current.model_copy(
                update={
                    "pending_departments": request.departments,
                    "pending_language": request.language,
                    "nonce": nonce,
                    "confirm_sent_at": now,
                    "expires_at": expires_at
                    if current.status is SubscriptionStatus.PENDING
                    else None,
                    "version": current.version + 1,
                }
            )
            if not self._save_quietly(subscriber, current.version):
                return
        try:
            self._mail.send(self._confirmation(subscriber))
        except Exception:
            # Not queued: forget that it was "sent", or the cooldown would hold back the
            # retry's confirmation.
            retry = subscriber.model_copy(
                update={"confirm_sent_at": NEVER, "version": subscriber.version + 1}
            )
            self._save_quietly(retry, subscriber.version)
            raise

    def _save_quietly(self, subscriber: Subscriber, expected_version: int) -> bool:
        try:
            self._store.save(subscriber, expected_version=expected_version)
        except Conflict:
            return False  # a concurrent request changed it: that one answers for both
        return True

    def _confirmation(self, subscriber: Subscriber) -> MailMessage:
        now = self._clock.now()
        token = self._codec.encode(
            SubscriptionClaims(
                subscriber_id=subscriber.id,
                purpose=TokenPurpose.CONFIRM,
                nonce=subscriber.nonce,
                issued_at=now,
                expires_at=now + timedelta(days=self._policy.confirm_days),
            )
        )
        return MailMessage(
            id=f"newsletter-confirm:{subscriber.id}:{subscriber.nonce}",
            template="newsletter_confirm",
            to=subscriber.email,
            locale=subscriber.pending_language,
            context={
                "confirm_url": self._links.confirm_url(token),
                "departments": list(subscriber.pending_departments),
                "valid_days": self._policy.confirm_days,
            },
        )

    # Confirming and leaving ----------------------------------------------------------

    def confirm(self, token: str) -> SubscriptionView:
        claims = self._verify(token, TokenPurpose.CONFIRM)
        current = self._store.get(claims.subscriber_id)
        if current is None or current.nonce != claims.nonce:
            raise Gone(EXPIRED_LINK, code="link_expired")
        if (
            current.status is SubscriptionStatus.ACTIVE
            and current.confirmed_at is not None
            and current.confirmed_at >= current.confirm_sent_at
        ):
            return _view(current)  # the same link clicked twice
        confirmed = current.model_copy(
            update={
                "status": SubscriptionStatus.ACTIVE,
                "departments": current.pending_departments,
                "language": current.pending_language,
                "confirmed_at": self._clock.now(),
                "expires_at": None,
                "version": current.version + 1,
            }
        )
        self._store.save(confirmed, expected_version=current.version)
        return _view(confirmed)

    def unsubscribe(self, token: str) -> None:
        """Delete the subscriber. Idempotent: an address already gone answers the same."""
        claims = self._verify(token, TokenPurpose.UNSUBSCRIBE)
        self._store.delete(claims.subscriber_id)

    def unsubscribe_token(self, subscriber_id: str) -> str:
        now = self._clock.now()
        return self._codec.encode(
            SubscriptionClaims(
                subscriber_id=subscriber_id,
                purpose=TokenPurpose.UNSUBSCRIBE,
                issued_at=now,
                expires_at=now + timedelta(days=self._policy.unsubscribe_days),
            )
        )

    def _verify(self, token: str, purpose: TokenPurpose) -> SubscriptionClaims:
        try:
            claims = self._codec.decode(token)
        except InvalidSubscriptionToken:
            raise Unauthorized(INVALID_LINK, code="invalid_link") from None
        if claims.purpose is not purpose:
            raise Unauthorized(INVALID_LINK, code="invalid_link")
        now = self._clock.now()
        if issued_in_the_future(claims.issued_at, now):
            raise Unauthorized(INVALID_LINK, code="invalid_link")  # never issued ahead of us
        if claims.expires_at <= now:
            raise Gone(EXPIRED_LINK, code="link_expired")
        return claims


def _view(subscriber: Subscriber) -> SubscriptionView:
    return SubscriptionView(
        status=subscriber.status, departments=subscriber.departments, language=subscriber.language
    )
