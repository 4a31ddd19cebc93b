"""Decisions on moto: the decision and the place in one transaction across the tables (two
moderators approving at once: one place, one 409), the decision mail through SQS, the
mailer and SES (once, to the submitter only), and the queue's pages on the real indexes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import boto3
import pytest
from chalice.test import Client
from moto import mock_aws

from chalicelib.adapters.dynamodb.models import PlaceRecord
from chalicelib.adapters.dynamodb.place_repository import to_place
from chalicelib.adapters.dynamodb.submissions import (
    DynamoDecisionStore,
    DynamoSubmissionRepository,
)
from chalicelib.adapters.dynamodb.tables import TABLES, bind_tables
from chalicelib.config import get_settings
from chalicelib.domain.auth import Role
from chalicelib.domain.clock import FixedClock
from chalicelib.domain.errors import VersionConflict
from chalicelib.domain.places.history import Action, Actor, Channel, HistoryEntry
from chalicelib.domain.places.models import Place
from chalicelib.domain.places.ports import PlaceWrite
from chalicelib.domain.submissions.models import Decision
from chalicelib.domain.submissions.status import SubmissionStatus
from devtools.demo_data import leaflet_places
from functions import mailer
from tests import composition_support as roots
from tests.conftest import TEST_REGION, TEST_TABLE_PREFIX
from tests.integration.backoffice.conftest import bearer, token
from tests.integration.submissions.conftest import LOCKDOWN
from tests.integration.submissions.test_intake_api import form
from tests.mail_support import FROM_ADDRESS, receive_all, ses_sent, sqs_event
from tests.search_support import assert_search_cells_match_places
from tests.submission_fakes import StaleReads

USED = (
    "places",
    "search-cells",
    "changes",
    "place-history",
    "submissions",
    "sent-mail",
    "mail-suppressions",
)
MODERATOR_75 = bearer(token(Role.TERRITORY_MODERATOR, ("75",), "mod-75"))
ADMIN = bearer(token(Role.ADMIN, (), "admin-1"))
EMAIL = "camille@example.org"


@dataclass
class Aws:
    client: Client
    clock: FixedClock
    sqs: Any
    queue_url: str

    def call(
        self,
        method: str,
        path: str,
        headers: dict[str, str] | None = None,
        body: Any = None,
        *,
        if_match: int | None = None,
    ) -> tuple[int, Any]:
        all_headers = {"Content-Type": "application/json", **(headers or {})}
        if if_match is not None:
            all_headers["If-Match"] = f'"{if_match}"'
        raw = json.dumps(body).encode() if body is not None else b""
        response = self.client.http.request(method, path, headers=all_headers, body=raw)
        return response.status_code, json.loads(response.body) if response.body else None

    def submit(self, **changes: Any) -> str:
        status, receipt = self.call("POST", "/submissions", body=form(**changes))
        assert status == 202, receipt
        return str(receipt["id"])


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[Aws]:
    with mock_aws():
        bind_tables(TEST_TABLE_PREFIX, region=TEST_REGION)
        for name in USED:
            TABLES[name].create_table(wait=False)
        sqs = boto3.client("sqs", region_name=TEST_REGION)
        queue_url = sqs.create_queue(QueueName="mail")["QueueUrl"]
        boto3.client("sesv2", region_name=TEST_REGION).create_email_identity(
            EmailIdentity=FROM_ADDRESS
        )
        monkeypatch.setenv("REPERE_TABLE_PREFIX", TEST_TABLE_PREFIX)
        monkeypatch.setenv("REPERE_MAIL_QUEUE_URL", queue_url)
        monkeypatch.setenv("REPERE_GEOCODER", "fake")
        get_settings.cache_clear()
        get_settings()  # before any request: the test client applies its stage's variables
        roots.reset()
        clock = FixedClock(LOCKDOWN)
        roots.use(clock=clock)
        roots.current().adapters.places.load_fresh(leaflet_places(LOCKDOWN))
        from app import app

        try:
            with Client(app, stage_name="local") as client:
                yield Aws(client, clock, sqs, queue_url)
        finally:
            roots.reset()
            get_settings.cache_clear()


def _places_from(submission_id: str) -> list[Place]:
    places = (to_place(record) for record in PlaceRecord.scan())
    return [
        place
        for place in places
        if any(source.external_id == submission_id for source in place.sources)
    ]


def test_an_approval_mails_the_submitter_once_through_sqs_the_mailer_and_ses(
    aws: Aws, capsys: pytest.CaptureFixture[str]
) -> None:
    submission_id = aws.submit()
    decision = {"status": "online", "edits": {"name": "Bagagerie solidaire"}}
    path = f"/admin/submissions/{submission_id}/approve"
    status, body = aws.call("POST", path, MODERATOR_75, decision, if_match=1)
    assert status == 200, body
    slug = body["place"]["slug"]
    recorded = body["submission"]["decision"]
    assert recorded["notification"] == "emailed"
    assert recorded["mail_id"] == f"submission:{submission_id}:decision"
    assert recorded["notified_at"] == "2020-03-17T11:00:00Z"

    queued = receive_all(aws.sqs, aws.queue_url)
    assert [json.loads(message["Body"])["id"] for message in queued] == [recorded["mail_id"]]
    assert mailer.handler(sqs_event(queued, TEST_REGION), None) == {"batchItemFailures": []}
    (mail,) = ses_sent(TEST_REGION)
    assert mail.to == [EMAIL]
    assert mail.subject == "Votre proposition « Bagagerie de la Chapelle » a été acceptée"
    assert f"https://repere.example.org/fiche/{slug}" in mail.body

    # The moderator retries (a timeout on their side): a conflict, no second mail queued,
    # and a redelivery of the first one is not sent again either.
    assert aws.call("POST", path, MODERATOR_75, decision, if_match=1)[0] == 409
    assert receive_all(aws.sqs, aws.queue_url) == []
    assert mailer.handler(sqs_event(queued, TEST_REGION), None) == {"batchItemFailures": []}
    assert len(ses_sent(TEST_REGION)) == 1

    # The approved place is searchable: its record was written with it.
    assert assert_search_cells_match_places() > 30
    public = aws.client.http.get(f"/submissions/{submission_id}").body.decode()
    logs = capsys.readouterr()
    for text in (public, logs.out, logs.err):
        assert EMAIL not in text.lower()
        assert "camille" not in text.lower()


def test_a_rejection_and_a_merge_are_mailed_with_the_reason_and_the_existing_place(
    aws: Aws,
) -> None:
    rejected = aws.submit(name="Un lieu fermé")
    merged = aws.submit(
        name="Restos du coeur Villette",
        location={"lat": 48.8979, "lon": 2.3859},
        submitter={"email": "dominique@example.org", "consent": True},
    )
    assert (
        aws.call(
            "POST",
            f"/admin/submissions/{rejected}/reject",
            MODERATOR_75,
            {"reason": "Fermé depuis 2019."},
            if_match=1,
        )[0]
        == 200
    )
    target = roots.current().adapters.places.get("pne-25")
    status, body = aws.call(
        "POST",
        f"/admin/submissions/{merged}/merge",
        MODERATOR_75,
        {"place_id": "pne-25", "place_version": target.version},
        if_match=1,
    )
    assert status == 200, body
    assert_search_cells_match_places()
    mailer.handler(sqs_event(receive_all(aws.sqs, aws.queue_url), TEST_REGION), None)
    by_to = {mail.to[0]: mail for mail in ses_sent(TEST_REGION)}
    refusal = by_to[EMAIL]
    assert refusal.subject == "Votre proposition « Un lieu fermé » n'a pas été retenue"
    assert "Fermé depuis 2019." in refusal.body
    merge_mail = by_to["dominique@example.org"]
    assert "ajoutée à une fiche existante" in merge_mail.subject
    assert f"https://repere.example.org/fiche/{target.slug}" in merge_mail.body


def test_two_moderators_approving_at_once_make_one_place_and_one_conflict(aws: Aws) -> None:
    submission_id = aws.submit()
    repository = DynamoSubmissionRepository()
    # The second moderator's request read the submission before the first one's decision
    # landed: it passes the version check and reaches the write with a stale version.
    before = repository.get(submission_id)
    path = f"/admin/submissions/{submission_id}/approve"
    assert aws.call("POST", path, MODERATOR_75, {"status": "online"}, if_match=1)[0] == 200
    roots.use(
        submission_repository=StaleReads(repository, before),
        decision_store=DynamoDecisionStore(repository),
    )
    status, body = aws.call("POST", path, ADMIN, {"status": "online"}, if_match=1)
    assert status == 409, body
    assert body["code"] == "version_conflict"
    (place,) = _places_from(submission_id)
    stored = repository.get(submission_id)
    assert stored.decision is not None
    assert (stored.decision.by, stored.decision.place_id) == ("mod-75", place.id)
    assert len(receive_all(aws.sqs, aws.queue_url)) == 1  # the winner's mail only
    assert_search_cells_match_places()


def test_the_transaction_writes_nothing_when_one_condition_fails(aws: Aws) -> None:
    submission_id = aws.submit()
    repository = DynamoSubmissionRepository()
    store = DynamoDecisionStore(repository)
    pending = repository.get(submission_id)
    place = roots.current().adapters.places.get("pne-01")
    actor = Actor(subject="mod-75", role="territory_moderator")

    def decided(version: int) -> Any:
        decision = Decision(status=SubmissionStatus.MERGED, at=LOCKDOWN, by="mod-75")
        return pending.model_copy(
            update={"status": SubmissionStatus.MERGED, "decision": decision, "version": version}
        )

    def commit(write: PlaceWrite, submission: Any, *, expected_version: int) -> None:
        transaction = store.transaction()
        transaction.write(write)
        transaction.record_decision(submission, expected_version=expected_version)
        transaction.commit()

    moved = place.model_copy(update={"version": place.version + 1, "name": "Autre nom"})
    entry = HistoryEntry(
        place_id=place.id,
        version=moved.version,
        at=LOCKDOWN,
        actor=actor,
        channel=Channel.SUBMISSION,
        action=Action.EDITED,
        changes=[],
    )
    # The place moved on since it was read: neither the place nor the decision is written.
    stale = moved.model_copy(update={"version": place.version + 2})
    with pytest.raises(VersionConflict):
        commit(
            PlaceWrite(moved, stale, entry.model_copy(update={"version": place.version + 2})),
            decided(2),
            expected_version=1,
        )
    assert repository.get(submission_id).status is SubmissionStatus.PENDING
    # The submission moved on: the place change is not written either.
    with pytest.raises(VersionConflict):
        commit(PlaceWrite(place, moved, entry), decided(6), expected_version=5)
    assert roots.current().adapters.places.get("pne-01") == place
    assert repository.get(submission_id) == pending
    assert_search_cells_match_places()


def test_the_queue_pages_on_the_indexes_with_signed_cursors(aws: Aws) -> None:
    expected = []
    for number in range(5):
        aws.clock.set(LOCKDOWN + timedelta(minutes=number // 2))  # pairs share an instant
        expected.append(aws.submit(name=f"Lieu {number}"))
    repository = DynamoSubmissionRepository()
    expected.sort(key=lambda i: (repository.get(i).created_at, i))
    seen: list[str] = []
    cursor = None
    for _ in range(5):
        query = "/admin/submissions?status=pending&department=75&limit=2"
        status, page = aws.call(
            "GET", query + (f"&cursor={cursor}" if cursor else ""), MODERATOR_75
        )
        assert status == 200, page
        seen.extend(s["id"] for s in page["submissions"])
        assert ("drafts" in page) is (cursor is None)
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == expected

    status, first = aws.call("GET", "/admin/submissions?department=75&limit=2", MODERATOR_75)
    good = first["next_cursor"]
    encoded, _, tag = good.partition(".")
    tampered = encoded[:-1] + ("A" if encoded[-1] != "A" else "B") + "." + tag
    for bad in (tampered, encoded, "x" * 40, good + "x"):
        status, error = aws.call("GET", f"/admin/submissions?department=75&cursor={bad}", ADMIN)
        assert (status, error["code"], error["field"]) == (400, "invalid_cursor", "cursor")
    status, error = aws.call("GET", f"/admin/submissions?cursor={good}", ADMIN)
    assert (status, error["field"]) == (400, "cursor")  # another queue's cursor
    for limit in ("0", "101", "-1", "x", "1.5"):
        status, error = aws.call("GET", f"/admin/submissions?limit={limit}", ADMIN)
        assert status == 400 and error["field"] == "limit", (limit, error)
    assert aws.call("GET", "/admin/submissions?limit=100", ADMIN)[0] == 200


def test_a_merge_over_a_lost_write_rolls_the_place_forward_and_then_succeeds(aws: Aws) -> None:
    from chalicelib.adapters.dynamodb.place_repository import to_history_record
    from chalicelib.domain.places.history import diff_places

    merged = aws.submit(name="Restos du coeur Villette", location={"lat": 48.8979, "lon": 2.3859})
    target = roots.current().adapters.places.get("pne-25")
    # An edit acknowledged to its writer whose place write was lost: its entry is stored,
    # the place is still at the version before it (what a restore of the places table leaves).
    acknowledged = target.model_copy(update={"version": target.version + 1, "name": "Perdu"})
    to_history_record(
        HistoryEntry(
            place_id=target.id,
            version=acknowledged.version,
            at=LOCKDOWN,
            actor=Actor(subject="admin-1", role="admin"),
            channel=Channel.ADMIN,
            action=Action.EDITED,
            changes=diff_places(target, acknowledged),
        )
    ).save()

    def merge(place_version: int) -> tuple[int, Any]:
        # ``description`` differs from the place's: the merge writes (default takes nothing).
        body = {"place_id": target.id, "place_version": place_version, "fields": ["description"]}
        return aws.call(
            "POST", f"/admin/submissions/{merged}/merge", MODERATOR_75, body, if_match=1
        )

    status, body = merge(target.version)

    assert (status, body["current_version"]) == (409, acknowledged.version), body
    assert roots.current().adapters.places.get(target.id).name == "Perdu"
    status, body = merge(acknowledged.version)
    assert status == 200, body
    assert roots.current().adapters.places.get(target.id).version == acknowledged.version + 1
    history = aws.call("GET", f"/admin/places/{target.id}/history", MODERATOR_75)[1]
    entry = history["entries"][0]
    assert (entry["version"], entry["merged_fields"]) == (acknowledged.version + 1, ["description"])
    assert [change["field"] for change in entry["changes"]] == ["description"]
    assert_search_cells_match_places()
