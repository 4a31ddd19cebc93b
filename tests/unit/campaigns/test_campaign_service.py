"""CampaignService with in-memory fakes, real signed links and a fixed clock: starting (targets,
links, one mail per place with an e-mail), idempotent retries, scope, progress computed from the
history after a mix of answers through every channel, frozen figures, reminders."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from chalicelib.adapters.auth.link_tokens import JwtLinkCodec, KeyRing, StaticKeySource
from chalicelib.domain.auth import Principal, Role
from chalicelib.domain.campaigns.models import (
    CampaignRequest,
    CampaignSection,
    CampaignStatus,
    MailStatus,
    TargetState,
)
from chalicelib.domain.campaigns.service import CampaignPolicy, CampaignService
from chalicelib.domain.clock import FixedClock
from chalicelib.domain.errors import Conflict, Forbidden, InvalidInput
from chalicelib.domain.ids import SequentialIds
from chalicelib.domain.places.editing import PlaceEditor, PlacePatch
from chalicelib.domain.places.history import Action, Actor, Channel, HistoryEntry
from chalicelib.domain.places.models import PlaceStatus
from chalicelib.domain.places.ports import PlaceRepair
from chalicelib.domain.selfupdate.models import SelfUpdateChange
from chalicelib.domain.selfupdate.service import SelfUpdateService
from chalicelib.domain.stats.snapshot import SnapshotService, SnapshotSources
from chalicelib.domain.taxonomy.taxonomy import default_taxonomy
from tests.builders import make_place
from tests.fakes import InMemoryPlaceRepository
from tests.selfupdate_fakes import InMemoryLinkStateStore, InMemoryMailQueue
from tests.stats_fakes import (
    FakeMailActivity,
    FixedExportDownloads,
    InMemoryStatsStore,
    PlacesOf,
    SubmissionsOf,
)
from tests.unit.campaigns.fakes import InMemoryCampaignRepository, InMemoryStartQueue

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # Monday 2 November 2026, 10:00 in Paris
ADMIN = Principal(subject="admin-1", role=Role.ADMIN)
MODERATOR_75 = Principal(subject="mod-75", role=Role.TERRITORY_MODERATOR, departments=("75",))
VOLUNTEER = Principal(subject="vol-1", role=Role.VOLUNTEER, departments=("75",))


def _email(place_id: str) -> dict[str, str]:
    return {"email": f"accueil@{place_id}.example.org"}


class World:
    def __init__(
        self, *, http_max_places: int = 200, with_queue: bool = True, max_reminders: int = 2
    ) -> None:
        self.store = InMemoryPlaceRepository()
        self.store.load_fresh(
            [
                make_place("a1", contacts=_email("a1")),
                make_place("a2", contacts=_email("a2")),
                make_place("a3"),  # no public e-mail
                make_place("b1", department="93", postal_code="93200", contacts=_email("b1")),
                make_place("b2", department="93", postal_code="93200", contacts=_email("b2")),
                make_place("draft", status=PlaceStatus.DRAFT, contacts=_email("draft")),
                make_place("off", status=PlaceStatus.OFFLINE, contacts=_email("off")),
                make_place("lyon", department="69", postal_code="69001", contacts=_email("ly")),
            ]
        )
        self.clock = FixedClock(NOW)
        self.codec = JwtLinkCodec(StaticKeySource(KeyRing(current="k1", keys={"k1": "k" * 40})))
        self.editor = PlaceEditor(self.store, self.clock, SequentialIds("new-"), default_taxonomy())
        self.links = SelfUpdateService(
            self.editor,
            self.store,
            InMemoryLinkStateStore(),
            self.codec,
            self.clock,
            ids=SequentialIds("tok-"),
            page_url="https://repere.example.org/mise-a-jour",
            link_days=30,
            writes_per_hour=30,
        )
        self.repository = InMemoryCampaignRepository()
        self.mail = InMemoryMailQueue()
        self.starts = InMemoryStartQueue()
        self.service = CampaignService(
            self.repository,
            self.store,
            self.links,
            self.mail,
            self.clock,
            starts=self.starts if with_queue else None,
            policy=CampaignPolicy(
                reminder_delay_days=7, max_reminders=max_reminders, http_max_places=http_max_places
            ),
        )

    def start(
        self,
        principal: Principal = ADMIN,
        key: str = "key-00001",
        departments: tuple[str, ...] = ("75", "93"),
        **fields: object,
    ) -> str:
        request = CampaignRequest.model_validate(
            {
                "name": "Hiver 2026",
                "departments": departments,
                "sections": ["hours", "temporary_info", "contacts"],
                "end_date": "2026-12-15",
                **fields,
            }
        )
        outcome = self.service.start(principal, request, idempotency_key=key)
        return outcome.report.campaign.id

    def link_for(self, place_id: str) -> str:
        return self.links.issue_unchecked(place_id).token

    def later(self, **delta: float) -> None:
        self.clock.set(self.clock.now() + timedelta(**delta))


# Start -----------------------------------------------------------------------------------


def test_starting_targets_online_places_of_the_departments_and_mails_those_with_an_email() -> None:
    world = World()
    campaign_id = world.start()
    targets = {t.place_id: t for t in world.repository.targets(campaign_id)}
    assert sorted(targets) == ["a1", "a2", "a3", "b1", "b2"]  # no draft, offline, other dept
    assert {t.state for t in targets.values()} == {TargetState.TO_DO}
    assert targets["a3"].mail is MailStatus.NO_EMAIL
    assert targets["b1"].department == "93"
    by_id = {message.id: message for message in world.mail.messages}
    assert sorted(by_id) == [f"campaign:{campaign_id}:{p}" for p in ("a1", "a2", "b1", "b2")]
    message = by_id[f"campaign:{campaign_id}:a1"]
    assert message.template == "self_update_link"
    assert message.to == "accueil@a1.example.org"
    assert message.context["campaign_name"] == "Hiver 2026"
    assert message.context["expires_on"] == "02/12/2026"
    url = str(message.context["link_url"])
    assert url.startswith("https://repere.example.org/mise-a-jour#token=")
    assert world.codec.decode(url.split("#token=")[1]).place_id == "a1"
    assert message.context["sections"] == ["hours", "temporary_info", "contacts"]
    campaign = world.repository.get(campaign_id)
    assert campaign.status is CampaignStatus.RUNNING
    assert campaign.reminder_delay_days == 7
    assert campaign.start_date == date(2026, 11, 2)
    assert world.starts.sent == []


def test_the_links_and_mails_of_a_campaign_ask_its_sections_in_page_order() -> None:
    world = World()
    campaign_id = world.start(sections=["contacts", "hours"])
    message = next(m for m in world.mail.messages if m.id == f"campaign:{campaign_id}:a1")
    assert message.context["sections"] == ["hours", "contacts"]
    token = str(message.context["link_url"]).split("#token=")[1]
    assert world.codec.decode(token).sections == (CampaignSection.HOURS, CampaignSection.CONTACTS)
    assert [section.id for section in world.links.view(token).sections] == ["hours", "contacts"]
    world.later(days=7, hours=1)
    assert world.service.run_reminders().reminders_queued == 4
    reminder = next(m for m in world.mail.messages if m.template == "campaign_reminder")
    assert reminder.context["sections"] == ["hours", "contacts"]
    token = str(reminder.context["link_url"]).split("#token=")[1]
    assert world.codec.decode(token).sections == (CampaignSection.HOURS, CampaignSection.CONTACTS)


def test_a_retried_start_with_the_same_key_creates_nothing_and_mails_nobody_again() -> None:
    world = World()
    first = world.start()
    mails = len(world.mail.messages)
    again = world.service.start(
        ADMIN,
        CampaignRequest.model_validate(
            {
                "name": "Hiver 2026",
                "departments": ["93", "75"],
                "sections": ["hours", "temporary_info", "contacts"],
                "end_date": "2026-12-15",
            }
        ),
        idempotency_key="key-00001",
    )
    assert again.created is False
    assert again.report.campaign.id == first
    assert len(world.repository.campaigns) == 1
    assert len(world.mail.messages) == mails


def test_the_same_key_for_another_campaign_is_a_conflict() -> None:
    world = World()
    world.start()
    with pytest.raises(Conflict) as caught:
        world.start(name="Été 2027")
    assert caught.value.code == "idempotency_key_reused"


def test_a_large_start_is_prepared_in_parts_and_finished_by_the_worker_without_double_mail() -> (
    None
):
    world = World(http_max_places=2)
    campaign_id = world.start()
    assert world.repository.get(campaign_id).status is CampaignStatus.STARTING
    assert len(world.repository.targets(campaign_id)) == 2
    assert world.starts.sent == [campaign_id]
    # The client retries (a timeout): the API carries on with the next two places.
    world.start()
    assert len(world.repository.targets(campaign_id)) == 4
    # The worker finishes, and a redelivered worker message does nothing more.
    assert world.service.continue_start(campaign_id) is True
    assert world.service.continue_start(campaign_id) is True
    assert world.repository.get(campaign_id).status is CampaignStatus.RUNNING
    assert len(world.repository.targets(campaign_id)) == 5
    ids = [message.id for message in world.mail.messages]
    assert len(ids) == len(set(ids)) == 4


def test_without_a_campaigns_queue_the_whole_start_happens_at_once() -> None:
    world = World(http_max_places=1, with_queue=False)
    campaign_id = world.start()
    assert world.repository.get(campaign_id).status is CampaignStatus.RUNNING
    assert len(world.repository.targets(campaign_id)) == 5


def test_a_crash_between_queueing_a_mail_and_writing_its_target_only_requeues_the_same_id() -> None:
    world = World()
    real_add = world.repository.add_target
    calls = {"n": 0}

    def crashing_add(target: object) -> bool:
        calls["n"] += 1
        if calls["n"] == 2:
            raise ConnectionError("DynamoDB went away")
        return real_add(target)  # type: ignore[arg-type]

    world.repository.add_target = crashing_add  # type: ignore[method-assign]
    with pytest.raises(ConnectionError):
        world.start()
    world.repository.add_target = real_add  # type: ignore[method-assign]
    campaign_id = world.start()
    ids = [message.id for message in world.mail.messages]
    # a2's message was queued twice under one id: the mailer sends an id once.
    assert ids.count(f"campaign:{campaign_id}:a2") == 2
    assert len(set(ids)) == 4
    assert len(world.repository.targets(campaign_id)) == 5


def test_territory_moderators_start_campaigns_in_their_departments_only() -> None:
    world = World()
    with pytest.raises(Forbidden) as caught:
        world.start(MODERATOR_75)  # 75 and 93
    assert caught.value.code == "out_of_scope"
    campaign_id = world.start(MODERATOR_75, departments=("75",))
    assert world.repository.get(campaign_id).created_by == "mod-75"
    with pytest.raises(Forbidden):
        world.start(VOLUNTEER, key="key-00002", departments=("75",))


def test_a_department_cannot_be_in_two_running_campaigns() -> None:
    world = World()
    world.start(departments=("75",))
    with pytest.raises(Conflict) as caught:
        world.start(key="key-00002", departments=("93", "75"))
    assert caught.value.code == "campaign_overlap"
    world.start(key="key-00003", departments=("93",))


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"start_date": "2026-11-03"}, "start_date"),
        ({"end_date": "2026-11-01"}, "end_date"),
    ],
)
def test_dates_are_checked_against_today(fields: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        World().start(**fields)
    assert caught.value.field == field


def test_a_request_lists_known_sections_once_and_real_departments() -> None:
    base = {"name": "x", "sections": ["hours"], "end_date": "2026-12-01", "departments": ["75"]}
    assert CampaignRequest.model_validate(base).sections == (CampaignSection.HOURS,)
    bad: dict[str, Any]
    for bad in (
        {"sections": ["hours", "hours"]},
        {"sections": ["opening"]},
        {"sections": []},
        {"departments": ["99"]},
        {"departments": []},
        {"name": "  "},
        {"start_date": "2026-12-02"},
        {"colour": "blue"},
    ):
        with pytest.raises(ValueError, match="validation error"):
            CampaignRequest.model_validate({**base, **bad})


# Progress --------------------------------------------------------------------------------


def _answer_through_every_channel(world: World) -> None:
    world.later(hours=1)
    view = world.links.view(world.link_for("a1"))
    world.links.confirm(world.link_for("a1"), expected_version=view.version)
    world.links.edit(
        world.link_for("a2"),
        expected_version=1,
        change=SelfUpdateChange.model_validate({"description": "Ouvert à tous."}),
    )
    world.editor.edit(
        ADMIN, "b1", expected_version=1, patch=PlacePatch.model_validate({"name": "Halte"})
    )
    world.editor.edit(
        ADMIN,
        "b2",
        expected_version=1,
        patch=PlacePatch.model_validate({"description": "Groupée"}),
        channel=Channel.BATCH,
    )


def test_progress_counts_confirmations_and_updates_by_channel_and_department() -> None:
    world = World()
    campaign_id = world.start()
    _answer_through_every_channel(world)
    progress = world.service.report(ADMIN, campaign_id).progress
    overall = progress.overall
    assert (overall.total, overall.to_do, overall.confirmed_unchanged, overall.updated) == (
        5,
        1,
        1,
        3,
    )
    assert overall.done_percent == 80.0
    assert overall.mailed == 4
    assert overall.no_email == 1
    assert {k: v.model_dump() for k, v in overall.by_channel.items()} == {
        "admin": {"confirmed_unchanged": 0, "updated": 1},
        "batch": {"confirmed_unchanged": 0, "updated": 1},
        "self-update": {"confirmed_unchanged": 1, "updated": 1},
    }
    paris = progress.departments["75"]
    assert (paris.total, paris.to_do, paris.confirmed_unchanged, paris.updated) == (3, 1, 1, 1)
    assert paris.done_percent == 66.7
    assert progress.departments["93"].done_percent == 100.0
    assert progress.frozen is False
    target = {t.place_id: t for t in world.repository.targets(campaign_id)}["a1"]
    assert (target.state, target.channel) == (TargetState.CONFIRMED_UNCHANGED, "self-update")


def test_a_confirmation_followed_by_an_edit_counts_as_updated_through_the_edit() -> None:
    world = World()
    campaign_id = world.start()
    world.later(hours=1)
    world.links.confirm(world.link_for("a1"), expected_version=1)
    assert world.service.report(ADMIN, campaign_id).progress.overall.confirmed_unchanged == 1
    world.editor.edit(
        ADMIN, "a1", expected_version=2, patch=PlacePatch.model_validate({"name": "Nouveau"})
    )
    overall = world.service.report(ADMIN, campaign_id).progress.overall
    assert (overall.confirmed_unchanged, overall.updated) == (0, 1)
    assert overall.by_channel["admin"].updated == 1


def test_an_admin_verification_counts_as_confirmed_through_the_admin_channel() -> None:
    world = World()
    campaign_id = world.start()
    world.editor.verify(ADMIN, "b2", expected_version=1)
    overall = world.service.report(ADMIN, campaign_id).progress.overall
    assert overall.by_channel["admin"].confirmed_unchanged == 1


def test_changes_made_before_the_campaign_do_not_count() -> None:
    world = World()
    world.editor.edit(
        ADMIN, "a1", expected_version=1, patch=PlacePatch.model_validate({"name": "Avant"})
    )
    world.later(minutes=5)
    campaign_id = world.start()
    overall = world.service.report(ADMIN, campaign_id).progress.overall
    assert overall.to_do == 5


def test_ending_freezes_the_figures() -> None:
    world = World()
    campaign_id = world.start()
    _answer_through_every_channel(world)
    world.later(days=1)
    ended = world.service.end(ADMIN, campaign_id)
    assert ended.campaign.status is CampaignStatus.ENDED
    assert ended.progress.frozen is True
    assert ended.progress.overall.done_percent == 80.0
    # a3 answers after the end: the figures do not move, and ending again changes nothing.
    world.later(days=1)
    world.editor.edit(
        ADMIN, "a3", expected_version=1, patch=PlacePatch.model_validate({"name": "Tard"})
    )
    assert world.service.report(ADMIN, campaign_id).progress == ended.progress
    assert world.service.end(ADMIN, campaign_id).progress == ended.progress


def test_reading_needs_every_department_of_the_campaign_in_scope() -> None:
    world = World()
    both = world.start()
    world.later(minutes=1)
    lyon = world.start(key="key-00002", departments=("69",))
    with pytest.raises(Forbidden):
        world.service.report(MODERATOR_75, both)
    with pytest.raises(Forbidden):
        world.service.end(MODERATOR_75, both)
    assert [c.id for c in world.service.list_campaigns(ADMIN).campaigns] == [lyon, both]
    assert world.service.list_campaigns(MODERATOR_75).campaigns == []
    with pytest.raises(Forbidden):
        world.service.list_campaigns(VOLUNTEER)


# Reminders -------------------------------------------------------------------------------


def test_reminders_go_to_places_still_to_do_after_the_delay_and_at_most_the_maximum() -> None:
    world = World()
    campaign_id = world.start()
    _answer_through_every_channel(world)  # a1, a2, b1, b2 answered; a3 has no e-mail
    world.editor.edit(
        ADMIN,
        "a3",
        expected_version=1,
        patch=PlacePatch.model_validate({"contacts": {"email": "nouveau@a3.example.org"}}),
    )
    # The admin edit counts as an update: nobody is left to remind.
    world.later(days=8)
    assert world.service.run_reminders().reminders_queued == 0

    fresh = World()
    campaign_id = fresh.start()
    fresh.later(days=6, hours=23)
    assert fresh.service.run_reminders().reminders_queued == 0  # not yet
    fresh.links.confirm(fresh.link_for("a1"), expected_version=1)
    fresh.later(hours=1)
    run = fresh.service.run_reminders()
    assert run.reminders_queued == 3  # a2, b1, b2 (a1 confirmed, a3 has no e-mail)
    reminders = [m for m in fresh.mail.messages if m.template == "campaign_reminder"]
    assert sorted(m.id for m in reminders) == [
        f"campaign:{campaign_id}:{p}:reminder:1" for p in ("a2", "b1", "b2")
    ]
    assert "#token=" in str(reminders[0].context["link_url"])
    # The same day again: nothing (the delay restarts at each mail).
    assert fresh.service.run_reminders().reminders_queued == 0
    fresh.later(days=7)
    assert fresh.service.run_reminders().reminders_queued == 3
    fresh.later(days=7)
    assert fresh.service.run_reminders().reminders_queued == 0  # two at most
    progress = fresh.service.report(ADMIN, campaign_id).progress
    assert progress.overall.reminders_sent == 6


def test_the_reminder_worker_ends_campaigns_past_their_end_date() -> None:
    world = World()
    campaign_id = world.start(end_date="2026-11-10")
    world.links.confirm(world.link_for("b1"), expected_version=1)
    world.clock.set(datetime(2026, 11, 10, 22, 0, tzinfo=UTC))  # 23:00 in Paris: still on
    assert world.service.run_reminders().ended == []
    world.clock.set(datetime(2026, 11, 10, 23, 30, tzinfo=UTC))  # 00:30 on the 11th
    run = world.service.run_reminders()
    assert run.ended == [campaign_id]
    assert run.reminders_queued == 0
    report = world.service.report(ADMIN, campaign_id)
    assert report.campaign.status is CampaignStatus.ENDED
    assert report.progress.frozen is True
    assert report.progress.overall.confirmed_unchanged == 1
    assert world.service.run_reminders().campaigns == 0


def _reconcile(world: World, place_id: str) -> None:
    """What the reconciler writes after a restore: the place kept as a new version, with a
    ``reconciled`` entry nobody answered."""
    place = world.store.get_many([place_id])[place_id]
    kept = place.model_copy(update={"version": place.version + 1, "updated_at": world.clock.now()})
    entry = HistoryEntry(
        place_id=place_id,
        version=kept.version,
        at=world.clock.now(),
        actor=Actor(subject="admin-1", role="admin"),
        channel=Channel.ADMIN,
        action=Action.RECONCILED,
        changes=[],
    )
    world.store.repair(PlaceRepair(before=place, place=kept, entry=entry))


def test_a_reconciliation_is_nobodys_answer() -> None:
    world = World()
    campaign_id = world.start()
    world.later(hours=1)
    _reconcile(world, "a3")
    assert world.service.report(ADMIN, campaign_id).progress.overall.to_do == 5


def test_campaign_progress_and_the_stats_coverage_agree_on_what_was_updated() -> None:
    """One definition of "updated" (chalicelib/domain/stats/updates.py): the campaign's done
    places per department are the snapshot's ``updated_since`` over the same window."""
    world = World()
    campaign_id = world.start()
    _answer_through_every_channel(world)
    _reconcile(world, "a3")
    progress = world.service.report(ADMIN, campaign_id).progress
    snapshot = SnapshotService(
        SnapshotSources(
            places=PlacesOf(world.store.places),
            history=world.store,
            submissions=SubmissionsOf([]),
            exports=FixedExportDownloads({}),
            mail=FakeMailActivity(),
        ),
        InMemoryStatsStore(),
        world.clock,
        coverage_since=NOW.date(),
    )
    rows = {row.department: row for row in snapshot.run(NOW.date())}
    for department in ("75", "93"):
        tally = progress.departments[department]
        row = rows[department]
        assert row.updated_since == tally.confirmed_unchanged + tally.updated
        assert row.places_online == tally.total
        assert row.coverage is not None
        assert round(100 * row.coverage, 1) == tally.done_percent
    assert rows["75"].updated_since == 2  # a1 confirmed, a2 edited; a3 only reconciled
