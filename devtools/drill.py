"""`make drill SCALE=0.05`: a crisis drill. Replays the 2020 lockdown report's workload, scaled,
through the public and admin HTTP APIs of the running local stack (`make run`), then compares
every figure of the report with what `GET /admin/stats` says (docs/drill.md).

    python -m devtools.drill --scale 0.05 [--base-url http://127.0.0.1:8000] [--seed N] [--json]

Expected figures are computed from what the drill did (the places it touched, the mails it
caused), never copied from the report: the plan says what to attempt, the tally what happened.
The stack may have activity today already (seeding, earlier drills), so the drill reads the
statistics before and after its workload and compares the differences.

Exit status 0 when every figure agrees and no response had an unexpected status; 1 otherwise;
2 when the stack cannot be used at all. Nothing private is printed: no token, no address.
"""

from __future__ import annotations

import argparse
import email
import http.client
import json
import random
import re
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from email import policy
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlencode, urlsplit
from zoneinfo import ZoneInfo

from devtools.local_paths import local_dir

PARIS = ZoneInfo("Europe/Paris")

REPORT: dict[str, int] = {
    "team_edits": 4333,
    "temporary_messages_set": 2675,
    "places_given_temporary_hours": 467,
    "temporary_closures_signalled": 3575,
    "self_updates": 827,
    "places_added_from_submissions": 885,
    "submission_departments": 78,
    "searches": 52052,
    "exports_downloaded": 756,
    "newsletters_sent": 32409,
}
"""The lockdown report's figures (docs/statistics.md, "The report's figures")."""

REJECTED_PER_ADDED = 10
"""One submission rejected for every ten places added (the report gives no figure)."""
SEARCHES_PER_LISTING = 10
"""Department pages requested: one for every ten searches (the report's 91,000 page views
are website views, not API listings)."""
DOWNLOADS_PER_EXPORT = 20
BATCH_SHARE = 4
"""A quarter of the team's places are edited by batch update ("édition groupée")."""
BATCH_CHUNK = 500
"""Places per batch request: under the API's 1,000 (REPERE_BATCH_HTTP_MAX_PLACES); over 100
the API answers 202 and the batch worker applies it."""
SUBMISSIONS_PER_ADDRESS = 3
SUBSCRIPTIONS_PER_ADDRESS = 5
SEARCHES_PER_ADDRESS = 25
"""Requests of one member of the public (one loopback address): below the per-client limits
of submissions and subscriptions (10 an hour each), so the limits are respected, not lifted."""
NEWSLETTER_DEPARTMENTS = 3
WORKERS = 3
"""Threads for public traffic: the machine has two cores and the stack one process."""
CATEGORIES = ("food", "hygiene", "health", "accommodation", "day_centre")
LOCKDOWN_HOURS = {
    day: [{"start": "10:00", "end": "12:00"}] for day in ("monday", "wednesday", "friday")
}
"""Reduced hours a structure gives itself through its link (the campaign asks for hours)."""

T = TypeVar("T")


# -- The plan: SCALE -> what to attempt ------------------------------------------------------


def scaled(figure: int | float, scale: float) -> int:
    """``figure`` × ``scale`` rounded half up, at least 1."""
    value = (Decimal(str(figure)) * Decimal(str(scale))).quantize(
        Decimal(1), rounding=ROUND_HALF_UP
    )
    return max(1, int(value))


@dataclass(frozen=True)
class Plan:
    scale: float
    team_places: int
    temporary_messages: int
    temporary_hours: int
    temporary_closures: int
    batch_places: int
    self_updates: int
    places_added: int
    submission_departments: int
    submissions_rejected: int
    searches: int
    listings: int
    exports: int
    export_downloads: int
    subscribers: int


def make_plan(scale: float) -> Plan:
    if not scale > 0:
        raise ValueError("the scale must be positive")
    closures = scaled(REPORT["temporary_closures_signalled"], scale)
    messages = scaled(REPORT["temporary_messages_set"], scale)
    hours = scaled(REPORT["places_given_temporary_hours"], scale)
    # One team edit may set several things (2,675 + 467 + 3,575 > 4,333), but a place is
    # given each at most once, so the team touches at least as many places as the largest.
    team = max(scaled(REPORT["team_edits"], scale), closures, messages, hours)
    added = scaled(REPORT["places_added_from_submissions"], scale)
    searches = scaled(REPORT["searches"], scale)
    downloads = scaled(REPORT["exports_downloaded"], scale)
    return Plan(
        scale=scale,
        team_places=team,
        temporary_messages=messages,
        temporary_hours=hours,
        temporary_closures=closures,
        # Batch places get a closure and a message in one patch: no more than either.
        batch_places=min(closures, messages, scaled(team, 1 / BATCH_SHARE)),
        self_updates=scaled(REPORT["self_updates"], scale),
        places_added=added,
        submission_departments=min(added, scaled(REPORT["submission_departments"], scale)),
        submissions_rejected=scaled(added, 1 / REJECTED_PER_ADDED),
        searches=searches,
        listings=scaled(searches, 1 / SEARCHES_PER_LISTING),
        exports=min(downloads, scaled(downloads, 1 / DOWNLOADS_PER_EXPORT)),
        export_downloads=downloads,
        subscribers=scaled(REPORT["newsletters_sent"], scale),
    )


@dataclass(frozen=True)
class TeamEdit:
    place_id: str
    closure: bool = False
    message: bool = False
    hours: bool = False
    batch: bool = False

    @property
    def changes(self) -> bool:
        return self.closure or self.message or self.hours


def assign_team_edits(plan: Plan, place_ids: Sequence[str]) -> list[TeamEdit]:
    """What the team does to each of ``place_ids`` (plan.team_places of them): closures and
    messages from the first places (so most edits set both, as on the first morning), hours
    from the last ones, the first ``batch_places`` through one batch, the rest verified."""
    count = plan.team_places
    if len(place_ids) < count:
        raise ValueError(f"{count} places needed, {len(place_ids)} given")
    edits = []
    for index, place_id in enumerate(place_ids[:count]):
        edits.append(
            TeamEdit(
                place_id=place_id,
                closure=index < plan.temporary_closures,
                message=index < plan.temporary_messages,
                hours=index >= count - plan.temporary_hours,
                batch=index < plan.batch_places and index < count - plan.temporary_hours,
            )
        )
    return edits


# -- HTTP: every response's status recorded ----------------------------------------------------


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


class Client:
    """HTTP to the API. Each call names the statuses the API documents for its normal path
    (docs, openapi.json); any other is counted as unexpected, by route."""

    def __init__(self, base_url: str, timeout: float = 60.0) -> None:
        parts = urlsplit(base_url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self.timeout = timeout
        self._lock = threading.Lock()
        self.statuses: Counter[tuple[str, int]] = Counter()
        self.unexpected: Counter[tuple[str, int]] = Counter()

    def request(
        self,
        method: str,
        path: str,
        *,
        route: str,
        expect: Iterable[int] = (200,),
        body: Any = None,
        headers: Mapping[str, str] | None = None,
        source: str | None = None,
    ) -> Response:
        """``route`` names the call in the counts (a template: no ids, no tokens);
        ``source`` the client's loopback address (a member of the public)."""
        connection = http.client.HTTPConnection(
            self.host,
            self.port,
            timeout=self.timeout,
            source_address=(source, 0) if source else None,
        )
        sent_headers = dict(headers or {})
        payload = None
        if body is not None:
            payload = json.dumps(body).encode("utf-8")
            sent_headers["Content-Type"] = "application/json"
        try:
            connection.request(method, path, body=payload, headers=sent_headers)
            answer = connection.getresponse()
            response = Response(
                answer.status,
                {name.lower(): value for name, value in answer.getheaders()},
                answer.read(),
            )
        finally:
            connection.close()
        key = (f"{method} {route}", response.status)
        with self._lock:
            self.statuses[key] += 1
            if response.status not in set(expect):
                self.unexpected[key] += 1
        return response


def public_addresses(count: int, offset: int = 0) -> list[str]:
    """``count`` distinct loopback addresses (127.0.0.0/8 is all loopback on Linux), one per
    member of the public; ``offset`` keeps each phase's people apart."""
    return [
        f"127.{1 + number // 62500 % 254}.{number // 250 % 250}.{2 + number % 250}"
        for number in range(offset, offset + count)
    ]


def in_threads(work: Callable[[T], None], items: Sequence[T], workers: int = WORKERS) -> None:
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for _ in pool.map(work, items):
            pass


# -- What the drill did -----------------------------------------------------------------------


@dataclass
class Tally:
    team_places: set[str] = field(default_factory=set)
    temporary_messages: int = 0
    temporary_hours_places: set[str] = field(default_factory=set)
    temporary_closures: int = 0
    self_updates: int = 0
    self_update_places: set[str] = field(default_factory=set)
    submissions: int = 0
    added_places: set[str] = field(default_factory=set)
    added_by_department: Counter[str] = field(default_factory=Counter)
    rejected: int = 0
    searches: int = 0
    listings: int = 0
    downloads: int = 0
    newsletters_queued: int = 0
    campaign_mails: int = 0
    decision_mails: int = 0
    confirmation_mails: int = 0
    notes: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, name: str, amount: int = 1) -> None:
        with self.lock:
            setattr(self, name, getattr(self, name) + amount)

    def expected(self) -> dict[str, Any]:
        return {
            "team_edits": len(self.team_places),
            "places_updated": len(self.team_places | self.self_update_places | self.added_places),
            "temporary_messages_set": self.temporary_messages,
            "places_given_temporary_hours": len(self.temporary_hours_places),
            "temporary_closures_signalled": self.temporary_closures,
            "self_updates": self.self_updates,
            "submissions": self.submissions,
            "places_added_from_submissions": len(self.added_places),
            "submissions_rejected": self.rejected,
            "places_added_by_department": dict(sorted(self.added_by_department.items())),
            "exports_downloaded": self.downloads,
            "newsletters_sent": self.newsletters_queued,
            "searches": self.searches,
            "listings": self.listings,
            "campaign_mails_sent": self.campaign_mails,
            "decision_mails_sent": self.decision_mails,
            "mails_sent": self.campaign_mails
            + self.decision_mails
            + self.confirmation_mails
            + self.newsletters_queued,
        }


# -- The comparison ---------------------------------------------------------------------------

MISSING = "n/a (field missing)"


@dataclass(frozen=True)
class Row:
    figure: str
    planned: Any
    expected: Any
    reported: Any
    agrees: bool


def difference(before: Mapping[str, Any], after: Mapping[str, Any], name: str) -> Any:
    """What the figure ``name`` grew by between two readings of the totals; MISSING when the
    later reading has no such field."""
    if name not in after or after[name] is None:
        return MISSING
    later, earlier = after[name], before.get(name)
    if isinstance(later, dict):
        earlier = earlier if isinstance(earlier, dict) else {}
        grown = {key: later[key] - earlier.get(key, 0) for key in later}
        return {key: value for key, value in sorted(grown.items()) if value}
    return later - (earlier or 0)


def compare(
    expected: Mapping[str, Any],
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    planned: Mapping[str, Any] | None = None,
) -> list[Row]:
    rows = []
    for name, value in expected.items():
        reported = difference(before, after, name)
        rows.append(
            Row(
                figure=name,
                planned=(planned or {}).get(name, ""),
                expected=value,
                reported=reported,
                agrees=reported is not MISSING and reported == value,
            )
        )
    return rows


def _cell(value: Any) -> str:
    if isinstance(value, dict):
        return f"{len(value)} departments, {sum(value.values())} places" if value else "{}"
    return str(value)


def render_table(rows: Sequence[Row]) -> str:
    header = ("figure", "planned", "expected", "/admin/stats", "agrees")
    lines = [header] + [
        (
            row.figure,
            _cell(row.planned),
            _cell(row.expected),
            _cell(row.reported),
            "yes" if row.agrees else "NO",
        )
        for row in rows
    ]
    widths = [max(len(line[column]) for line in lines) for column in range(len(header))]
    text = [
        "  ".join(
            cell.ljust(width) if column == 0 else cell.rjust(width)
            for column, (cell, width) in enumerate(zip(line, widths, strict=True))
        )
        for line in lines
    ]
    text.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(text)


def exit_status(rows: Sequence[Row], unexpected: int) -> int:
    return 0 if rows and all(row.agrees for row in rows) and unexpected == 0 else 1


def planned_figures(plan: Plan) -> dict[str, Any]:
    return {
        "team_edits": plan.team_places,
        "temporary_messages_set": plan.temporary_messages,
        "places_given_temporary_hours": plan.temporary_hours,
        "temporary_closures_signalled": plan.temporary_closures,
        "self_updates": plan.self_updates,
        "submissions": plan.places_added + plan.submissions_rejected,
        "places_added_from_submissions": plan.places_added,
        "submissions_rejected": plan.submissions_rejected,
        "places_added_by_department": "",
        "exports_downloaded": plan.export_downloads,
        "newsletters_sent": plan.subscribers,
        "searches": plan.searches,
        "listings": plan.listings,
    }


# -- The stack: workers, queues, outbox ------------------------------------------------------


class Stack:
    """What the drill needs beside HTTP: the workers' environment `make run` wrote
    (devtools/invoke.py), to run the snapshot and newsletter workers as their schedules would,
    to watch the mail queue, and to read the outbox (the structures' and subscribers' mail)."""

    def __init__(self, directory: Path) -> None:
        from devtools.invoke import apply_env, read_env

        env_file = directory / "env"
        if not env_file.is_file():
            raise SystemExit(f"drill: no {env_file}: start the local stack first (`make run`)")
        self.values = read_env(env_file)
        apply_env(self.values)
        self.outbox = directory / "outbox"

    def run_worker(self, name: str, event: dict[str, Any]) -> Any:
        from devtools.invoke import failed, run_worker

        answer = run_worker(name, event)
        if failed(answer):
            raise RuntimeError(f"{name} failed: {json.dumps(answer, default=str)[:500]}")
        return answer

    def admin_token(self) -> str:
        from chalicelib.api.auth import verifier_for
        from chalicelib.config import get_settings
        from chalicelib.domain.auth import Role

        return verifier_for(get_settings()).issue(
            subject="drill",
            role=Role.ADMIN,
            departments=(),
            name="Exercice de crise",
            now=datetime.now(UTC),
            ttl=timedelta(hours=2),
        )

    def wait_for_mail(self, timeout: float = 300.0) -> None:
        """Until the mail queue is empty and nothing is in flight, twice in a row."""
        import boto3

        url = self.values["REPERE_MAIL_QUEUE_URL"]
        sqs = boto3.client("sqs")
        deadline = time.monotonic() + timeout
        quiet = 0
        while quiet < 2:
            attributes = sqs.get_queue_attributes(
                QueueUrl=url,
                AttributeNames=[
                    "ApproximateNumberOfMessages",
                    "ApproximateNumberOfMessagesNotVisible",
                ],
            )["Attributes"]
            waiting = sum(int(value) for value in attributes.values())
            quiet = quiet + 1 if waiting == 0 else 0
            if time.monotonic() > deadline:
                raise TimeoutError(f"the mail queue still holds {waiting} messages")
            time.sleep(1.0)
        time.sleep(1.5)  # the pump writes the outbox after its batch (devtools/local_mail.py)

    def outbox_files(self) -> set[Path]:
        return set(self.outbox.glob("*.eml")) if self.outbox.is_dir() else set()

    def links(self, files: Iterable[Path]) -> list[tuple[str, str]]:
        """(recipient, token) of every ``#token=`` link in these mails. Kept in memory to
        follow the links as their recipients would; never printed."""
        found = []
        for path in sorted(files):
            message = email.message_from_string(
                path.read_text(encoding="utf-8"), policy=policy.default
            )
            text = "".join(
                str(part.get_content())
                for part in message.walk()
                if part.get_content_maintype() == "text"
            )
            for token in dict.fromkeys(_TOKEN.findall(text)):
                found.append((str(message.get("To", "")).strip().lower(), token))
        return found


_TOKEN = re.compile(r"#token=([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)")


def paris_today() -> date:
    return datetime.now(PARIS).date()


def start_of(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=PARIS).astimezone(UTC)


def poll(check: Callable[[], T | None], what: str, timeout: float, every: float = 1.0) -> T:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result is not None:
            return result
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not done after {timeout:.0f} s")
        time.sleep(every)


# -- The drill --------------------------------------------------------------------------------


class Drill:
    def __init__(self, client: Client, stack: Stack, plan: Plan, seed: int) -> None:
        self.client = client
        self.stack = stack
        self.plan = plan
        self.random = random.Random(seed)
        self.run_id = f"{seed}-{int(time.time())}"
        self.day = paris_today()
        self.tally = Tally()
        self.admin = {"Authorization": f"Bearer {stack.admin_token()}"}
        self.timings: dict[str, float] = {}
        self.campaign_id: str | None = None

    def log(self, text: str) -> None:
        print(f"[drill {time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)

    def phase(self, name: str, work: Callable[[], None]) -> None:
        started = time.monotonic()
        self.log(f"{name}...")
        work()
        self.timings[name] = round(time.monotonic() - started, 1)
        self.log(f"{name}: {self.timings[name]} s")

    def together(self, *phases: tuple[str, Callable[[], None]]) -> None:
        """Run ``phases`` at the same time; the first failure is raised."""
        with ThreadPoolExecutor(max_workers=len(phases)) as pool:
            futures = [pool.submit(self.phase, name, work) for name, work in phases]
            for future in futures:
                future.result()

    # Statistics ---------------------------------------------------------------------------

    def snapshot_and_read(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """Today's snapshot (run again: it overwrites), then France's totals and today's row."""
        self.stack.run_worker("stats-snapshot", {"day": self.day.isoformat()})
        day = self.day.isoformat()
        query = urlencode({"department": "all", "from": day, "to": day})
        response = self.client.request(
            "GET", f"/admin/stats?{query}", route="/admin/stats", headers=self.admin
        )
        if response.status != 200:
            raise RuntimeError(f"/admin/stats answered {response.status}")
        france = response.json()["departments"][0]
        snapshots = france.get("snapshots") or [{}]
        return dict(france["totals"]), dict(snapshots[-1])

    # Places -------------------------------------------------------------------------------

    def untouched_places(self, department: str) -> list[str]:
        """Online places of ``department`` nobody changed today: distinct-place figures count
        a place once a day, so one touched before the drill would not count again."""
        since = start_of(self.day)
        found, cursor = [], None
        while True:
            query = {"department": department, "status": "online", "limit": "200"}
            if cursor:
                query["cursor"] = cursor
            page = self.client.request(
                "GET",
                f"/admin/places?{urlencode(query)}",
                route="/admin/places",
                headers=self.admin,
            ).json()
            for row in page["places"]:
                stamps = [row.get("updated_at"), row.get("verified_at")]
                if all(not stamp or _instant(stamp) < since for stamp in stamps):
                    found.append(row["id"])
            cursor = page.get("next_cursor")
            if not cursor:
                return found

    def choose_departments(self) -> None:
        from devtools.data.departments import DEPARTMENTS

        busy = self.campaign_departments_in_use()
        codes = [department.code for department in DEPARTMENTS]
        self.random.shuffle(codes)
        self.team_places: list[str] = []
        self.team_departments: list[str] = []
        self.campaign_departments: list[str] = []
        self.campaign_places: set[str] = set()
        team_needed = self.plan.team_places
        # Places without a public e-mail get no campaign mail: ask twice the places needed.
        campaign_needed = 2 * self.plan.self_updates + 10
        for code in codes:
            if (
                len(self.team_places) >= team_needed
                and len(self.campaign_places) >= campaign_needed
            ):
                break
            places = self.untouched_places(code)
            if not places:
                continue
            if len(self.team_places) < team_needed:
                self.team_departments.append(code)
                self.team_places.extend(places)
            elif code not in busy:
                self.campaign_departments.append(code)
                self.campaign_places.update(places)
        if len(self.team_places) < team_needed:
            raise RuntimeError(
                f"{team_needed} places untouched today are needed, {len(self.team_places)} found"
            )
        self.random.shuffle(self.team_places)
        self.log(
            f"team: {team_needed} places in {len(self.team_departments)} departments; "
            f"campaign: {len(self.campaign_places)} places in "
            f"{len(self.campaign_departments)} departments"
        )

    # Team edits ---------------------------------------------------------------------------

    def _patch(self, edit: TeamEdit) -> dict[str, Any]:
        today = self.day.isoformat()
        patch: dict[str, Any] = {}
        if edit.closure:
            patch["temporary_closure"] = {
                "start_date": today,
                "end_date": (self.day + timedelta(days=55)).isoformat(),
                "reason": f"Confinement (exercice {self.run_id})",
            }
        if edit.message:
            patch["temporary_message"] = {
                "start_date": today,
                "text": f"Distribution maintenue au point relais (exercice {self.run_id}).",
            }
        if edit.hours:
            slot = [{"start": "10:00", "end": "12:00"}]
            patch["temporary_hours"] = {
                "start_date": today,
                "end_date": (self.day + timedelta(days=28)).isoformat(),
                "hours": {"monday": slot, "wednesday": slot, "friday": slot},
            }
        return patch

    def _count_edit(self, edit: TeamEdit) -> None:
        with self.tally.lock:
            self.tally.team_places.add(edit.place_id)
            self.tally.temporary_closures += edit.closure
            self.tally.temporary_messages += edit.message
            if edit.hours:
                self.tally.temporary_hours_places.add(edit.place_id)

    def edit_one(self, edit: TeamEdit) -> None:
        """Read, then PATCH (or verify) with the version read; a 409 (someone edited the
        place meanwhile: the documented stale write) is answered by reading again."""
        for _attempt in range(3):
            read = self.client.request(
                "GET",
                f"/admin/places/{edit.place_id}",
                route="/admin/places/{id}",
                headers=self.admin,
            )
            headers = {**self.admin, "If-Match": read.header("etag") or ""}
            if edit.changes:
                body = {**self._patch(edit), "comment": f"exercice {self.run_id}"}
                response = self.client.request(
                    "PATCH",
                    f"/admin/places/{edit.place_id}",
                    route="/admin/places/{id}",
                    expect=(200, 409),
                    body=body,
                    headers=headers,
                )
            else:
                response = self.client.request(
                    "POST",
                    f"/admin/places/{edit.place_id}/verify",
                    route="/admin/places/{id}/verify",
                    expect=(200, 409),
                    headers=headers,
                )
            if response.status == 200:
                self._count_edit(edit)
                return
            if response.status != 409:
                return

    def team_edits(self) -> None:
        edits = assign_team_edits(self.plan, self.team_places)
        batch = [edit for edit in edits if edit.batch]
        for start in range(0, len(batch), BATCH_CHUNK):
            self.batch_update(batch[start : start + BATCH_CHUNK], start // BATCH_CHUNK)
        in_threads(self.edit_one, [edit for edit in edits if not edit.batch])

    def batch_update(self, edits: Sequence[TeamEdit], number: int) -> None:
        body = {
            "idempotency_key": f"drill-{self.run_id}-{number}",
            "selection": {"ids": [edit.place_id for edit in edits]},
            "patch": self._patch(TeamEdit("", closure=True, message=True)),
            "comment": f"exercice {self.run_id}: annonce de la fédération",
        }
        response = self.client.request(
            "POST",
            "/admin/batch-updates",
            route="/admin/batch-updates",
            expect=(200, 202),
            body=body,
            headers=self.admin,
        )
        report = response.json() if response.status in (200, 202) else None
        if response.status == 202:
            location = response.header("location") or ""
            path = urlsplit(location).path or location

            def finished() -> dict[str, Any] | None:
                status = self.client.request(
                    "GET", path, route="/admin/batch-updates/{key}", headers=self.admin
                ).json()
                return status if status and status.get("complete") else None

            report = poll(finished, "batch update", timeout=300, every=2)
        applied = {
            result["place_id"]
            for result in (report or {}).get("results", [])
            if result.get("status") == "applied"
        }
        for edit in edits:
            if edit.place_id in applied:
                self._count_edit(edit)
        if len(applied) < len(edits):
            self.tally.notes.append(f"batch {number}: {len(applied)} of {len(edits)} applied")

    # Campaign and self-updates ------------------------------------------------------------

    def campaign_departments_in_use(self) -> set[str]:
        listing = self.client.request(
            "GET", "/admin/campaigns", route="/admin/campaigns", headers=self.admin
        ).json()
        busy: set[str] = set()
        for campaign in (listing or {}).get("campaigns", []):
            if campaign.get("status") != "ended":
                busy.update(campaign.get("departments", []))
        return busy

    def campaign(self) -> None:
        if not self.campaign_departments:
            self.tally.notes.append("no department free of a running campaign: no self-update")
            return
        before = self.stack.outbox_files()
        response = self.client.request(
            "POST",
            "/admin/campaigns",
            route="/admin/campaigns",
            expect=(201,),
            body={
                "name": f"Exercice de crise {self.run_id}",
                "departments": sorted(self.campaign_departments),
                "sections": ["hours", "temporary_info"],
                "end_date": (self.day + timedelta(days=14)).isoformat(),
            },
            headers={**self.admin, "Idempotency-Key": f"drill-{self.run_id}"},
        )
        if response.status != 201:
            return
        self.campaign_id = response.json()["campaign"]["id"]

        def running() -> dict[str, Any] | None:
            view = self.client.request(
                "GET",
                f"/admin/campaigns/{self.campaign_id}",
                route="/admin/campaigns/{id}",
                headers=self.admin,
            ).json()
            return view if view["campaign"]["status"] == "running" else None

        view = poll(running, "campaign start", timeout=300, every=2)
        self.tally.campaign_mails = int(view["progress"]["overall"]["mailed"])
        self.stack.wait_for_mail()
        links = self.stack.links(self.stack.outbox_files() - before)
        self.self_updates([token for _, token in links])

    def self_updates(self, tokens: Sequence[str]) -> None:
        """Structures follow their link: half say nothing changed, half change their
        hours (a section the campaign asks). Only places nobody touched today, so each counts
        once in places_updated."""
        done = 0
        for token in tokens:
            if done >= self.plan.self_updates:
                break
            bearer = {"Authorization": f"Bearer {token}"}
            view = self.client.request("GET", "/self-update", route="/self-update", headers=bearer)
            if view.status != 200:
                continue
            place_id = view.json()["place_id"]
            if place_id not in self.campaign_places:
                continue
            headers = {**bearer, "If-Match": view.header("etag") or ""}
            if done % 2:
                response = self.client.request(
                    "POST", "/self-update/confirm", route="/self-update/confirm", headers=headers
                )
            else:
                response = self.client.request(
                    "PATCH",
                    "/self-update",
                    route="/self-update",
                    # Within the campaign's sections (hours, temporary information): a
                    # change outside them is refused (400 outside_sections).
                    body={"hours": LOCKDOWN_HOURS},
                    headers=headers,
                )
            if response.status == 200:
                done += 1
                self.tally.self_updates += 1
                self.tally.self_update_places.add(place_id)
        if done < self.plan.self_updates:
            self.tally.notes.append(
                f"self-updates: {done} of {self.plan.self_updates} (links mailed: {len(tokens)})"
            )

    def end_campaign(self) -> None:
        if self.campaign_id:
            self.client.request(
                "POST",
                f"/admin/campaigns/{self.campaign_id}/end",
                route="/admin/campaigns/{id}/end",
                headers=self.admin,
            )

    # Submissions ---------------------------------------------------------------------------

    def submissions(self) -> None:
        from devtools.data.departments import DEPARTMENTS_BY_CODE

        codes = sorted(DEPARTMENTS_BY_CODE)
        self.random.shuffle(codes)
        departments = codes[: self.plan.submission_departments]
        total = self.plan.places_added + self.plan.submissions_rejected
        addresses = public_addresses(
            -(-total // SUBMISSIONS_PER_ADDRESS), offset=self.random.randrange(1, 10**6)
        )
        received: list[tuple[str, str]] = []
        for number in range(total):
            department = DEPARTMENTS_BY_CODE[departments[number % len(departments)]]
            lat = department.lat + self.random.uniform(-0.05, 0.05)
            lon = department.lon + self.random.uniform(-0.05, 0.05)
            body = {
                "content": {
                    "name": f"Point d'eau solidaire {self.run_id}-{number}",
                    "address": {
                        "street": f"{number + 1} rue de l'Exercice",
                        "postal_code": department.postal_codes[0],
                        "city": department.city,
                    },
                    "location": {"lat": round(lat, 6), "lon": round(lon, 6)},
                    "categories": ["food_distribution"],
                },
                "submitter": {
                    "email": f"drill-{self.run_id}-s{number}@example.org",
                    "consent": True,
                },
            }
            response = self.client.request(
                "POST",
                "/submissions",
                route="/submissions",
                expect=(202,),
                body=body,
                source=addresses[number // SUBMISSIONS_PER_ADDRESS],
            )
            if response.status == 202:
                self.tally.submissions += 1
                received.append((response.json()["id"], department.code))
        for number, (submission_id, department_code) in enumerate(received):
            self.moderate(submission_id, department_code, approve=number < self.plan.places_added)

    def moderate(self, submission_id: str, department: str, *, approve: bool) -> None:
        read = self.client.request(
            "GET",
            f"/admin/submissions/{submission_id}",
            route="/admin/submissions/{id}",
            headers=self.admin,
        )
        headers = {**self.admin, "If-Match": read.header("etag") or ""}
        action = "approve" if approve else "reject"
        body = {"status": "online"} if approve else {"reason": "Doublon d'un lieu existant."}
        response = self.client.request(
            "POST",
            f"/admin/submissions/{submission_id}/{action}",
            route=f"/admin/submissions/{{id}}/{action}",
            body=body,
            headers=headers,
        )
        if response.status != 200:
            return
        self.tally.decision_mails += 1
        if approve:
            place_id = _place_id(response.json())
            self.tally.added_places.add(place_id or submission_id)
            self.tally.added_by_department[department] += 1
        else:
            self.tally.rejected += 1

    # Exports -------------------------------------------------------------------------------

    def exports(self) -> None:
        ids = []
        for number in range(self.plan.exports):
            department = self.team_departments[number % len(self.team_departments)]
            response = self.client.request(
                "POST",
                "/admin/exports",
                route="/admin/exports",
                expect=(202,),
                body={
                    "territory": {"department": department},
                    "categories": ["food"],
                    "format": "csv",
                },
                headers={**self.admin, "Idempotency-Key": f"drill-{self.run_id}-export-{number}"},
            )
            if response.status == 202:
                ids.append(response.json()["id"])
        for export_id in ids:

            def ready(export_id: str = export_id) -> str | None:
                job = self.client.request(
                    "GET",
                    f"/admin/exports/{export_id}",
                    route="/admin/exports/{id}",
                    headers=self.admin,
                ).json()
                if job["status"] == "failed":
                    raise RuntimeError(f"export {export_id} failed")
                return job["status"] if job["status"] == "ready" else None

            poll(ready, "export", timeout=180)
        if not ids:
            return
        people = public_addresses(self.plan.export_downloads, offset=self.random.randrange(10**6))

        def download(number: int) -> None:
            response = self.client.request(
                "GET",
                f"/exports/{ids[number % len(ids)]}/download",
                route="/exports/{id}/download",
                expect=(302,),
                source=people[number],
            )
            if response.status == 302:
                self.tally.add("downloads")

        in_threads(download, range(self.plan.export_downloads))

    # Searches ------------------------------------------------------------------------------

    def searches(self) -> None:
        departments = self.team_departments + self.campaign_departments
        opens = ("not_closed", "now", "today", "any")
        total = self.plan.searches + self.plan.listings
        people = public_addresses(
            -(-total // SEARCHES_PER_ADDRESS), offset=self.random.randrange(10**6)
        )
        requests = []
        for number in range(total):
            department = departments[number % len(departments)]
            if number < self.plan.searches:
                query = {
                    "department": department,
                    "category": CATEGORIES[number % len(CATEGORIES)],
                    "open": opens[number % len(opens)],
                }
                requests.append(("searches", f"/search?{urlencode(query)}", "/search", number))
            else:
                path = f"/territories/{department}/places"
                requests.append(("listings", path, "/territories/{department}/places", number))

        def search(request: tuple[str, str, str, int]) -> None:
            counter, path, route, number = request
            response = self.client.request(
                "GET", path, route=route, source=people[number // SEARCHES_PER_ADDRESS]
            )
            if response.status == 200:
                self.tally.add(counter)

        in_threads(search, requests)

    # Newsletters ---------------------------------------------------------------------------

    def newsletters(self) -> None:
        departments = self.team_departments[:NEWSLETTER_DEPARTMENTS]
        count = self.plan.subscribers
        addresses = [f"drill-{self.run_id}-n{number}@example.org" for number in range(count)]
        people = public_addresses(
            -(-count // SUBSCRIPTIONS_PER_ADDRESS), offset=self.random.randrange(10**6)
        )
        before = self.stack.outbox_files()

        def subscribe(number: int) -> None:
            response = self.client.request(
                "POST",
                "/subscriptions",
                route="/subscriptions",
                expect=(202,),
                body={
                    "email": addresses[number],
                    "departments": [departments[number % len(departments)]],
                    "language": "fr",
                },
                source=people[number // SUBSCRIPTIONS_PER_ADDRESS],
            )
            if response.status == 202:
                self.tally.add("confirmation_mails")

        in_threads(subscribe, range(count))
        self.stack.wait_for_mail()
        mine = set(addresses)
        tokens = [
            (to, token)
            for to, token in self.stack.links(self.stack.outbox_files() - before)
            if to in mine
        ]
        confirmed = Counter[str]()

        def confirm(link: tuple[str, str]) -> None:
            _, token = link
            response = self.client.request(
                "POST",
                "/subscriptions/confirm",
                route="/subscriptions/confirm",
                body={"token": token},
            )
            if response.status == 200:
                with self.tally.lock:
                    confirmed["yes"] += 1

        in_threads(confirm, tokens)
        if confirmed["yes"] < count:
            self.tally.notes.append(f"newsletters: {confirmed['yes']} of {count} confirmed")
        # Monday's scheduled run, early: this week's issue (the drill's changes are in it).
        week = self.day.isocalendar()
        report = self.stack.run_worker(
            "newsletters",
            {"detail": {"week": f"{week.year}-W{week.week:02d}", "departments": departments}},
        )
        self.tally.newsletters_queued = int(report["queued"])
        skipped = [issue["issue_id"] for issue in report["issues"] if issue["status"] != "queued"]
        if skipped:
            self.tally.notes.append(
                f"newsletters: issues not sent again this week: {', '.join(skipped)} "
                "(use another --seed for other departments)"
            )
        self.stack.wait_for_mail()

    # The whole drill -----------------------------------------------------------------------

    def run(self) -> tuple[list[Row], dict[str, Any]]:
        started = time.monotonic()
        before: dict[str, Any] = {}
        after: dict[str, Any] = {}
        snapshot: dict[str, Any] = {}

        def baseline() -> None:
            nonlocal before
            before, _ = self.snapshot_and_read()

        def measure() -> None:
            nonlocal after, snapshot
            self.stack.wait_for_mail()
            after, snapshot = self.snapshot_and_read()

        self.phase("baseline snapshot", baseline)
        self.phase("choosing places", self.choose_departments)
        try:
            self.phase("team edits", self.team_edits)
            self.phase("campaign and self-updates", self.campaign)
            self.phase("submissions and moderation", self.submissions)
            self.phase("exports", self.exports)
            # Searches load the API's process, newsletters moto's (the mailer): together they
            # use both cores instead of one after the other (docs/drill.md, "Measured time").
            self.together(("searches", self.searches), ("newsletters", self.newsletters))
            self.phase("snapshot", measure)
        finally:
            self.end_campaign()
        self.timings["total"] = round(time.monotonic() - started, 1)
        rows = compare(self.tally.expected(), before, after, planned_figures(self.plan))
        details = {
            "coverage": snapshot.get("coverage"),
            "updated_since": snapshot.get("updated_since"),
            "places_online": snapshot.get("places_online"),
        }
        return rows, details


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _place_id(answer: Any) -> str | None:
    if not isinstance(answer, dict):
        return None
    place = answer.get("place")
    if isinstance(place, dict) and isinstance(place.get("id"), str):
        return str(place["id"])
    value = answer.get("place_id")
    return str(value) if isinstance(value, str) else None


def document(
    plan: Plan, rows: Sequence[Row], client: Client, drill: Drill, details: Mapping[str, Any]
) -> dict[str, Any]:
    return {
        "scale": plan.scale,
        "day": drill.day.isoformat(),
        "plan": asdict(plan),
        "figures": [asdict(row) for row in rows],
        "unexpected_statuses": [
            {"call": call, "status": status, "count": count}
            for (call, status), count in sorted(client.unexpected.items())
        ],
        "statuses": [
            {"call": call, "status": status, "count": count}
            for (call, status), count in sorted(client.statuses.items())
        ],
        "timings_seconds": drill.timings,
        "coverage": dict(details),
        "notes": drill.tally.notes,
        "agrees": exit_status(rows, sum(client.unexpected.values())) == 0,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devtools.drill", description=__doc__)
    parser.add_argument("--scale", type=float, default=0.05)
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--seed", type=int, default=2020)
    parser.add_argument("--json", action="store_true", help="also print a JSON document")
    arguments = parser.parse_args(argv)
    plan = make_plan(arguments.scale)
    client = Client(arguments.base_url)
    try:
        health = client.request("GET", "/health", route="/health")
    except OSError as error:
        print(f"drill: the API at {arguments.base_url} does not answer ({error})", file=sys.stderr)
        return 2
    if health.status != 200:
        print(f"drill: /health answered {health.status}", file=sys.stderr)
        return 2
    drill = Drill(client, Stack(local_dir()), plan, arguments.seed)
    rows, details = drill.run()
    unexpected = sum(client.unexpected.values())
    print(f"Crisis drill at SCALE={plan.scale} on {drill.day} (Paris): {drill.timings['total']} s")
    print(render_table(rows))
    print(f"unexpected statuses: {unexpected}")
    for (call, status), count in sorted(client.unexpected.items()):
        print(f"  {call} -> {status}: {count}")
    if details.get("coverage") is not None:
        print(
            f"coverage of France (information): {details['coverage']} "
            f"({details['updated_since']} of {details['places_online']} online places updated)"
        )
    for note in drill.tally.notes:
        print(f"note: {note}")
    if arguments.json:
        print(json.dumps(document(plan, rows, client, drill, details), indent=2, default=str))
    return exit_status(rows, unexpected)


if __name__ == "__main__":
    sys.exit(main())
