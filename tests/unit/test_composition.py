"""The composition root assembles every service from an in-memory set of adapters (no AWS),
and holds one current root."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from chalicelib import composition
from chalicelib.composition.lazy import Lazy
from chalicelib.composition.root import Services
from chalicelib.config import get_settings
from chalicelib.domain.clock import FixedClock
from chalicelib.domain.mail.models import MailMessage
from tests.in_memory_adapters import InMemoryAdapters

NOW = datetime(2026, 12, 1, 19, 45, tzinfo=UTC)

SERVICES = (
    "place_search",
    "public_place_service",
    "search_stats",
    "place_editor",
    "batch_update_service",
    "announcement_service",
    "export_service",
    "submission_service",
    "self_update_service",
    "campaign_service",
    "subscription_service",
    "digest_builder",
    "newsletter_preview_service",
    "newsletter_run",
    "stats_service",
    "snapshot_service",
)


@pytest.fixture(autouse=True)
def _no_root_left() -> Iterator[None]:
    yield
    composition.uninstall()


def test_every_service_is_built_from_in_memory_adapters() -> None:
    root = Services(get_settings(), InMemoryAdapters(), FixedClock(NOW))
    for name in SERVICES:
        assert getattr(root, name) is getattr(root, name), name  # built once, kept


def test_the_installed_root_is_the_one_every_caller_gets() -> None:
    root = composition.install(Services(get_settings(), InMemoryAdapters(), FixedClock(NOW)))
    assert composition.services() is root
    assert composition.services(worker=True) is root
    composition.uninstall()
    assert composition.services() is not root


def test_without_a_mail_queue_links_are_issued_and_only_sending_fails() -> None:
    adapters = InMemoryAdapters(mail_queue=None)
    root = Services(get_settings(), adapters, FixedClock(NOW))
    assert root.submission_service is not None  # decisions recorded, no notifier
    sent = MailMessage(id="m1", template="newsletter_confirm", to="a@asso.org")
    with pytest.raises(RuntimeError, match="REPERE_MAIL_QUEUE_URL"):
        composition.mail.mail_queue(adapters).send(sent)


def test_lazy_builds_once_and_retries_a_failed_build() -> None:
    calls: list[int] = []

    def build() -> int:
        calls.append(1)
        if len(calls) == 1:
            raise OSError("not yet")
        return len(calls)

    held = Lazy(build)
    with pytest.raises(OSError, match="not yet"):
        held.get()
    assert (held.get(), held.get(), len(calls)) == (2, 2, 2)
