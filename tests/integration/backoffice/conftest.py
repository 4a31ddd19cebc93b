"""Back-office API fixtures: the Chalice test client over in-memory fakes, and tokens."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from chalice.test import Client

from chalicelib.api.auth import verifier_for
from chalicelib.config import get_settings
from chalicelib.domain.auth import Role
from chalicelib.domain.clock import FixedClock
from chalicelib.domain.ids import SequentialIds
from tests import composition_support as roots
from tests.backoffice_fakes import InMemoryAnnouncementRepository, InMemoryBatchLedger
from tests.fakes import InMemoryPlaceRepository, InMemorySearchRecords

# Tuesday 17 March 2020, 12:00 in Paris: the first day of the lockdown.
LOCKDOWN = datetime(2020, 3, 17, 11, 0, tzinfo=UTC)


def token(
    role: Role | str,
    departments: tuple[str, ...] = (),
    subject: str | None = None,
    *,
    ttl: timedelta = timedelta(hours=12),  # module-level tokens outlive any run of the suite
    now: datetime | None = None,
) -> str:
    role = Role(role)
    return verifier_for(get_settings()).issue(
        subject=subject or f"{role.value}-1",
        role=role,
        departments=departments,
        name=f"Test {role.value}",
        now=now or datetime.now(UTC),  # PyJWT checks expiry against real time
        ttl=ttl,
    )


def bearer(value: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {value}"}


ADMIN = bearer(token(Role.ADMIN))
MODERATOR_75 = bearer(token(Role.TERRITORY_MODERATOR, ("75",), "mod-75"))
VOLUNTEER_75 = bearer(token(Role.VOLUNTEER, ("75",), "vol-75"))


@dataclass
class AdminApi:
    client: Client
    places: InMemoryPlaceRepository
    ledger: InMemoryBatchLedger
    announcements: InMemoryAnnouncementRepository
    clock: FixedClock

    def call(
        self,
        method: str,
        path: str,
        headers: dict[str, str] | None = None,
        body: Any = None,
        *,
        if_match: int | str | None = None,
    ) -> tuple[int, Any, dict[str, str]]:
        all_headers = {"Content-Type": "application/json", **(headers or {})}
        if if_match is not None:
            all_headers["If-Match"] = f'"{if_match}"' if isinstance(if_match, int) else if_match
        raw = body if isinstance(body, (str, bytes)) else None
        if body is not None and raw is None:
            raw = json.dumps(body)
        if isinstance(raw, str):
            raw = raw.encode()
        response = self.client.http.request(method, path, headers=all_headers, body=raw or b"")
        payload = json.loads(response.body) if response.body else None
        return response.status_code, payload, dict(response.headers)


@pytest.fixture
def admin_api() -> Iterator[AdminApi]:
    from app import app

    places = InMemoryPlaceRepository()
    ledger = InMemoryBatchLedger()
    announcements = InMemoryAnnouncementRepository()
    clock = FixedClock(LOCKDOWN)
    roots.use(
        clock=clock,
        places=places,
        search_records=InMemorySearchRecords(places.places),
        batch_ledger=ledger,
        announcements=announcements,
        ids=SequentialIds("id"),
    )
    try:
        with Client(app, stage_name="local") as client:
            yield AdminApi(client, places, ledger, announcements, clock)
    finally:
        roots.reset()
