"""Decisions with in-memory fakes: the decision mail (queued once, with a deterministic id,
recorded on the submission), a queue outage, the approve race, and the queue's cursors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chalicelib.adapters.geocoding.fake import FakeGeocoder
from chalicelib.domain.auth import Principal, Role
from chalicelib.domain.clock import FixedClock
from chalicelib.domain.errors import Conflict, Forbidden, InvalidInput, VersionConflict
from chalicelib.domain.ids import SequentialIds
from chalicelib.domain.places.models import PlaceStatus
from chalicelib.domain.submissions.models import (
    NewPlaceForm,
    SuggestionForm,
)
from chalicelib.domain.submissions.notifications import MailDecisionNotifier
from chalicelib.domain.submissions.service import (
    Approval,
    ClientHasher,
    Merge,
    Rejection,
    SubmissionService,
)
from chalicelib.domain.submissions.status import SubmissionStatus
from chalicelib.domain.taxonomy.taxonomy import default_taxonomy
from devtools.demo_data import leaflet_places
from tests.builders import make_place
from tests.fakes import InMemoryCandidateSource, InMemoryPlaceRepository
from tests.submission_fakes import (
    FakeMailQueue,
    InMemoryDecisionStore,
    InMemoryRateLimiter,
    InMemorySubmissionRepository,
    StaleReads,
)

NOW = datetime(2020, 3, 17, 11, 0, tzinfo=UTC)
MODERATOR = Principal(subject="mod-75", role=Role.TERRITORY_MODERATOR, departments=("75",))
ADMIN = Principal(subject="admin", role=Role.ADMIN, departments=())
SITE = "https://repere.example.org"


class World:
    def __init__(self, *, mail: bool = True) -> None:
        self.clock = FixedClock(NOW)
        self.places = InMemoryPlaceRepository()
        self.places.load_fresh(leaflet_places(NOW))
        self.submissions = InMemorySubmissionRepository()
        self.queue = FakeMailQueue()
        self.service = self.build(self.submissions)
        if not mail:
            self.service = self.build(self.submissions, notifier=False)

    def build(self, repository: Any, *, notifier: bool = True) -> SubmissionService:
        return SubmissionService(
            repository,
            places=self.places,
            candidates=InMemoryCandidateSource(self.places.places),
            geocoder=FakeGeocoder(),
            limiter=InMemoryRateLimiter(),
            store=self.places,
            decisions=InMemoryDecisionStore(self.places, self.submissions),
            notifier=MailDecisionNotifier(self.queue) if notifier else None,
            ids=SequentialIds("new-"),
            taxonomy=default_taxonomy(),
            hasher=ClientHasher(b"unit-test-secret-unit-test"),
            clock=self.clock,
            site_url=SITE,
        )

    def submit(self, name: str = "Bagagerie de la Chapelle", *, email: str | None = None) -> str:
        submitter: dict[str, Any] = {"email": email, "consent": True} if email else {}
        form = NewPlaceForm.model_validate(
            {
                "content": {
                    "name": name,
                    "address": {
                        "street": "40 rue Philippe de Girard",
                        "postal_code": "75018",
                        "city": "Paris",
                    },
                    "categories": ["food_distribution"],
                },
                "submitter": submitter,
            }
        )
        return self.service.submit_place(form, "203.0.113.7").id


def test_approving_online_queues_one_mail_with_the_public_link_and_records_it() -> None:
    world = World()
    submission_id = world.submit(email="Camille@Example.org")
    world.clock.set(NOW + timedelta(hours=3))
    decided, place = world.service.approve(
        MODERATOR,
        submission_id,
        expected_version=1,
        approval=Approval(status=PlaceStatus.ONLINE),
    )
    (mail,) = world.queue.messages
    assert mail.id == f"submission:{submission_id}:decision"
    assert (mail.template, mail.to) == ("submission_decision", "camille@example.org")
    assert mail.context == {
        "status": "approved",
        "kind": "new_place",
        "place_name": "Bagagerie de la Chapelle",
        "place_url": f"{SITE}/fiche/{place.slug}",
        "reason": None,
    }
    assert decided.decision is not None
    assert decided.decision.notification == "emailed"
    assert decided.decision.mail_id == mail.id
    assert decided.decision.notified_at == NOW + timedelta(hours=3)
    assert decided.version == 3  # pending 1, decided 2, mail recorded 3
    assert world.submissions.get(submission_id) == decided


def test_a_draft_gets_no_link_and_a_rejection_carries_its_reason() -> None:
    world = World()
    draft = world.submit("Un", email="a@example.org")
    rejected = world.submit("Deux", email="b@example.org")
    world.service.approve(MODERATOR, draft, expected_version=1, approval=Approval())
    world.service.reject(
        MODERATOR, rejected, expected_version=1, rejection=Rejection(reason="Fermé en 2019")
    )
    first, second = world.queue.messages
    assert (first.context["status"], first.context["place_url"]) == ("approved", None)
    assert (second.context["status"], second.context["reason"]) == ("rejected", "Fermé en 2019")
    assert second.to == "b@example.org"


def test_a_merge_links_to_the_existing_place() -> None:
    world = World()
    submission_id = world.submit("Restos du coeur Villette", email="c@example.org")
    target = world.places.get("pne-25")
    world.service.merge(
        MODERATOR,
        submission_id,
        expected_version=1,
        merge=Merge(place_id="pne-25", place_version=target.version),
    )
    (mail,) = world.queue.messages
    assert mail.context["status"] == "merged"
    assert mail.context["place_url"] == f"{SITE}/fiche/{target.slug}"


def test_a_merge_taking_nothing_is_still_bound_to_the_place_and_its_territory() -> None:
    world = World()
    submission_id = world.submit("Restos du coeur Villette")
    world.places.load_fresh(
        [*world.places.places.values(), make_place("pne-93", department="93", postal_code="93200")]
    )
    with pytest.raises(Forbidden):
        world.service.merge(
            MODERATOR,
            submission_id,
            expected_version=1,
            merge=Merge(place_id="pne-93", place_version=1, fields=[]),
        )
    target = world.places.get("pne-25")
    with pytest.raises(VersionConflict):
        world.service.merge(
            MODERATOR,
            submission_id,
            expected_version=1,
            merge=Merge(place_id="pne-25", place_version=target.version + 1, fields=[]),
        )
    decided, place = world.service.merge(
        MODERATOR,
        submission_id,
        expected_version=1,
        merge=Merge(place_id="pne-25", place_version=target.version, fields=[]),
    )
    assert place == target == world.places.get("pne-25")
    assert decided.decision is not None
    assert (decided.status, decided.decision.merged_fields) == (SubmissionStatus.MERGED, [])


def test_an_approved_suggestion_is_mailed_with_the_places_name() -> None:
    world = World()
    form = SuggestionForm.model_validate(
        {
            "content": {"description": "Ouvert le samedi."},
            "submitter": {"email": "d@example.org", "consent": True},
        }
    )
    receipt = world.service.suggest("pne-01", form, "203.0.113.7")
    place = world.places.get("pne-01")
    world.service.approve(
        MODERATOR, receipt.id, expected_version=1, approval=Approval(place_version=place.version)
    )
    (mail,) = world.queue.messages
    assert (mail.context["kind"], mail.context["place_name"]) == ("suggestion", place.name)


def test_an_approved_suggestion_of_a_phone_keeps_the_places_email_and_website() -> None:
    """A suggestion carries the contacts the public typed, often only a phone: approving it
    replaced the place's whole contacts, clearing its e-mail and website."""
    world = World()
    place = world.places.get("pne-01")
    contacts = {"email": "accueil@example.org", "website": "https://lieu.example.org"}
    world.places.save(
        place.model_copy(
            update={
                "contacts": place.contacts.model_copy(update=contacts),
                "version": place.version + 1,
            }
        ),
        expected_version=place.version,
    )
    form = SuggestionForm.model_validate(
        {"content": {"contacts": {"phones": [{"number": "01 40 00 00 00"}]}}}
    )
    receipt = world.service.suggest("pne-01", form, "203.0.113.7")
    current = world.places.get("pne-01")
    world.service.approve(
        MODERATOR, receipt.id, expected_version=1, approval=Approval(place_version=current.version)
    )
    after = world.places.get("pne-01").contacts
    assert [phone.number for phone in after.phones] == ["01 40 00 00 00"]
    assert (after.email, after.website) == ("accueil@example.org", "https://lieu.example.org")


def test_without_an_email_or_without_a_mail_pipeline_the_decision_is_only_recorded() -> None:
    world = World()
    anonymous = world.submit()
    decided = world.service.reject(
        MODERATOR, anonymous, expected_version=1, rejection=Rejection(reason="non")
    )
    assert decided.decision is not None
    assert (decided.decision.notification, decided.decision.mail_id) == ("recorded", None)
    assert decided.version == 2
    no_pipeline = World(mail=False)
    with_email = no_pipeline.submit(email="e@example.org")
    decided = no_pipeline.service.reject(
        MODERATOR, with_email, expected_version=1, rejection=Rejection(reason="non")
    )
    assert decided.decision is not None
    assert decided.decision.notification == "recorded"
    assert world.queue.messages == [] and no_pipeline.queue.messages == []


def test_a_queue_outage_keeps_the_decision_and_a_retry_queues_the_mail_once() -> None:
    world = World()
    submission_id = world.submit(email="f@example.org")
    world.queue.fail = True
    decided = world.service.reject(
        MODERATOR, submission_id, expected_version=1, rejection=Rejection(reason="doublon")
    )
    assert decided.status is SubmissionStatus.REJECTED
    assert decided.decision is not None and decided.decision.notification == "pending"
    assert world.queue.messages == []
    world.queue.fail = False
    # The moderator retries: the decision is already made (409), the mail goes now.
    with pytest.raises(VersionConflict):
        world.service.reject(
            MODERATOR, submission_id, expected_version=1, rejection=Rejection(reason="doublon")
        )
    (mail,) = world.queue.messages
    assert mail.id == f"submission:{submission_id}:decision"
    stored = world.submissions.get(submission_id)
    assert stored.decision is not None and stored.decision.notification == "emailed"
    with pytest.raises(Conflict):
        world.service.reject(
            MODERATOR,
            submission_id,
            expected_version=stored.version,
            rejection=Rejection(reason="doublon"),
        )
    assert len(world.queue.messages) == 1  # never queued again once recorded


def test_two_moderators_approving_at_once_make_one_place_and_one_conflict() -> None:
    world = World()
    submission_id = world.submit(email="g@example.org")
    snapshot = world.submissions.get(submission_id)
    late = world.build(StaleReads(world.submissions, snapshot))
    world.service.approve(MODERATOR, submission_id, expected_version=1, approval=Approval())
    with pytest.raises(VersionConflict):
        late.approve(ADMIN, submission_id, expected_version=1, approval=Approval())
    created = [
        place
        for place in world.places.places.values()
        if any(source.external_id == submission_id for source in place.sources)
    ]
    assert len(created) == 1
    stored = world.submissions.get(submission_id)
    assert stored.decision is not None and stored.decision.by == "mod-75"
    assert len(world.queue.messages) == 1


def _queue_world(count: int) -> tuple[World, list[str]]:
    world = World()
    ids = []
    for number in range(count):
        # Two submissions share each instant: the order within it is by id.
        world.clock.set(NOW + timedelta(minutes=number // 2))
        ids.append(world.submit(f"Lieu {number}"))
    expected = sorted(
        ids, key=lambda i: (world.submissions.get(i).created_at, world.submissions.get(i).id)
    )
    return world, expected


def test_the_queue_pages_oldest_first_without_gaps_or_repeats() -> None:
    world, expected = _queue_world(7)
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        page = world.service.queue(
            MODERATOR, status=SubmissionStatus.PENDING, department="75", limit=3, cursor=cursor
        )
        seen.extend(s.id for s in page.submissions)
        pages += 1
        cursor = page.next_cursor
        if cursor is None:
            break
    assert (seen, pages) == (expected, 3)


def test_a_cursor_is_stable_when_earlier_submissions_are_decided() -> None:
    world, expected = _queue_world(5)
    first = world.service.queue(
        MODERATOR, status=SubmissionStatus.PENDING, department="75", limit=2
    )
    for submission in first.submissions:
        world.service.reject(
            MODERATOR, submission.id, expected_version=1, rejection=Rejection(reason="non")
        )
    second = world.service.queue(
        MODERATOR,
        status=SubmissionStatus.PENDING,
        department="75",
        limit=2,
        cursor=first.next_cursor,
    )
    assert [s.id for s in second.submissions] == expected[2:4]


def test_a_tampered_or_foreign_cursor_is_refused() -> None:
    world, _ = _queue_world(3)
    page = world.service.queue(MODERATOR, status=SubmissionStatus.PENDING, department="75", limit=1)
    assert page.next_cursor is not None
    encoded, _, tag = page.next_cursor.partition(".")
    forged = encoded[:-2] + ("AA" if encoded[-2:] != "AA" else "BB") + "." + tag
    for cursor in (forged, encoded + "." + "0" * 32, "nonsense", "%%%.x", encoded):
        with pytest.raises(InvalidInput) as error:
            world.service.queue(
                MODERATOR,
                status=SubmissionStatus.PENDING,
                department="75",
                limit=1,
                cursor=cursor,
            )
        assert error.value.field == "cursor"
    with pytest.raises(InvalidInput, match="another queue"):
        world.service.queue(
            ADMIN,
            status=SubmissionStatus.PENDING,
            department=None,
            limit=1,
            cursor=page.next_cursor,
        )
