"""Data out for partners: the change feed and partner API keys (docs/changes.md,
docs/partners.md)."""

from __future__ import annotations

import hashlib
import hmac
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chalicelib.composition.adapters import Adapters
    from chalicelib.config import Settings
    from chalicelib.domain.changes.service import ChangeFeed
    from chalicelib.domain.clock import Clock
    from chalicelib.domain.partners.service import PartnerKeys


def cursor_key(settings: Settings) -> bytes:
    """The change feed's cursor key: derived from the stage's hashing secret for this one
    purpose (an HMAC of a label), so that no other signature can pass for a cursor's."""
    return hmac.new(
        settings.submissions_key(), b"repere/change-feed-cursor", hashlib.sha256
    ).digest()


def change_feed(settings: Settings, adapters: Adapters) -> ChangeFeed:
    from chalicelib.domain.changes.service import ChangeFeed

    return ChangeFeed(adapters.change_log, adapters.search_records, cursor_key=cursor_key(settings))


def partner_keys(settings: Settings, adapters: Adapters, clock: Clock) -> PartnerKeys:
    from chalicelib.domain.partners.models import Quota
    from chalicelib.domain.partners.service import KeyPolicy, PartnerKeys

    policy = KeyPolicy(
        default_quota=Quota(
            per_minute=settings.partner_quota_per_minute,
            per_day=settings.partner_quota_per_day,
        ),
        cache_seconds=settings.partner_key_cache_seconds,
    )
    # Quotas count in the submissions' fixed-window counter (keys namespaced "partner#").
    return PartnerKeys(
        adapters.api_keys,
        adapters.rate_limiter,
        clock,
        policy=policy,
        gateway=adapters.key_gateway,
    )
