"""Update campaigns: start (targets, links, mails), progress, end, reminders.

docs/campaigns.md explains the choices; in short:

- **Start** is resumable and idempotent: the campaign id comes from the caller's
  idempotency key; each place gets one target (a conditional put), one link and one mail
  whose id is ``campaign:<id>:<place>`` (the mailer sends an id once). The mail is queued
  *before* the target is written, so a crash in between only queues a duplicate id. The API
  prepares at most ``http_max_places`` places, the campaigns worker the rest.
- **Progress** is computed from the place history, not by the edit paths: a target whose
  place moved past the version it was seen at is reclassified from the history entries
  written since the campaign reached it (``verified`` only → confirmed unchanged, any other
  action → updated, with that entry's channel). Which entries count is the statistics'
  one definition of "updated" (``is_person_update``: a reconciliation is nobody's answer),
  so a campaign's done share and the stats' coverage agree. Only changed places cost a
  history read.
- **End** freezes the figures: they are stored on the campaign and served from there.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

from chalicelib.domain.auth import Principal, Role, require_department, require_role
from chalicelib.domain.campaigns.models import (
    Campaign,
    CampaignList,
    CampaignProgress,
    CampaignReport,
    CampaignRequest,
    CampaignStatus,
    CampaignTarget,
    ChannelTally,
    MailStatus,
    ReminderRun,
    StartOutcome,
    Tally,
    TargetState,
)
from chalicelib.domain.campaigns.ports import CampaignRepository, LinkIssuer, StartQueue
from chalicelib.domain.clock import Clock
from chalicelib.domain.errors import Conflict, InvalidInput, NotFound
from chalicelib.domain.mail.models import MailMessage
from chalicelib.domain.mail.ports import MailQueue
from chalicelib.domain.places.history import Action, HistoryEntry
from chalicelib.domain.places.listing import PlaceFilter, PlaceListQuery
from chalicelib.domain.places.models import Place, PlaceStatus
from chalicelib.domain.places.ports import PlaceEditStore
from chalicelib.domain.places.sections import in_page_order
from chalicelib.domain.selfupdate.models import IssuedLink
from chalicelib.domain.stats.updates import is_person_update

_T = TypeVar("_T")

_CHUNK = 100  # places read per batch (DynamoDB BatchGetItem's maximum)
_HISTORY_LIMIT = 100  # entries read to classify one place (more edits than that: "updated")


@dataclass(frozen=True)
class CampaignPolicy:
    reminder_delay_days: int = 7
    max_reminders: int = 2
    http_max_places: int = 200
    worker_max_places: int = 5000
    timezone: str = "Europe/Paris"
    reconcile_workers: int = 8


def campaign_id_for(subject: str, idempotency_key: str) -> str:
    """The same caller retrying with the same key names the same campaign."""
    digest = hashlib.sha256(f"{subject}\0{idempotency_key}".encode()).hexdigest()
    return f"c{digest[:24]}"


def start_mail_id(campaign_id: str, place_id: str) -> str:
    return f"campaign:{campaign_id}:{place_id}"


def reminder_mail_id(campaign_id: str, place_id: str, number: int) -> str:
    return f"campaign:{campaign_id}:{place_id}:reminder:{number}"


class CampaignService:
    def __init__(
        self,
        campaigns: CampaignRepository,
        places: PlaceEditStore,
        links: LinkIssuer,
        mail: MailQueue,
        clock: Clock,
        *,
        starts: StartQueue | None,
        policy: CampaignPolicy,
    ) -> None:
        """``starts`` None: no campaigns worker (the local stack), the API does the whole
        start itself."""
        self._campaigns = campaigns
        self._places = places
        self._links = links
        self._mail = mail
        self._starts = starts
        self._clock = clock
        self._policy = policy
        self._zone = ZoneInfo(policy.timezone)

    # Start -------------------------------------------------------------------------------

    def start(
        self, principal: Principal, request: CampaignRequest, *, idempotency_key: str
    ) -> StartOutcome:
        require_role(principal, Role.ADMIN, Role.TERRITORY_MODERATOR)
        for department in request.departments:
            require_department(principal, department)
        today = self._today()
        start_date = request.start_date or today
        if start_date > today:
            raise InvalidInput(
                "campaigns start when they are created: start_date cannot be in the future",
                field="start_date",
            )
        if request.end_date < today:
            raise InvalidInput("end_date is in the past", field="end_date")
        if request.end_date < start_date:
            raise InvalidInput("end_date is before start_date", field="end_date")
        campaign_id = campaign_id_for(principal.subject, idempotency_key)
        fingerprint = hashlib.sha256(request.model_dump_json().encode()).hexdigest()
        existing = self._find(campaign_id)
        if existing is None:
            self._reject_overlap(request.departments)
            campaign = Campaign(
                id=campaign_id,
                name=request.name,
                departments=request.departments,
                sections=request.sections,
                start_date=start_date,
                end_date=request.end_date,
                status=CampaignStatus.STARTING,
                reminder_delay_days=request.reminder_delay_days or self._policy.reminder_delay_days,
                created_by=principal.subject,
                created_at=self._clock.now(),
                fingerprint=fingerprint,
            )
            created = self._campaigns.create(campaign)
            existing = campaign if created else self._campaigns.get(campaign_id)
        else:
            created = False
        if existing.fingerprint != fingerprint:
            raise Conflict(
                "this Idempotency-Key was used for another campaign: use a new key",
                field="Idempotency-Key",
                code="idempotency_key_reused",
            )
        # A retry of a start cut short (a timeout) carries on where the first one stopped.
        limit = self._policy.http_max_places if self._starts is not None else None
        if not self.advance(campaign_id, limit=limit) and self._starts is not None:
            self._starts.send(campaign_id)
        return StartOutcome(report=self._report(self._campaigns.get(campaign_id)), created=created)

    def continue_start(self, campaign_id: str) -> bool:
        """The campaigns worker: prepare the next places; True when the start is complete.
        When not, the worker is asked again (its own time is bounded too)."""
        done = self.advance(campaign_id, limit=self._policy.worker_max_places)
        if not done and self._starts is not None:
            self._starts.send(campaign_id)
        return done

    def advance(self, campaign_id: str, *, limit: int | None) -> bool:
        """Write targets (link + mail) for up to ``limit`` places not yet targeted; once
        every place is, the campaign runs. True when the start is complete."""
        campaign = self._campaigns.get(campaign_id)
        if campaign.status is not CampaignStatus.STARTING:
            return True
        targeted = {target.place_id for target in self._campaigns.targets(campaign_id)}
        missing = [
            place_id for place_id in self._online_places(campaign) if place_id not in targeted
        ]
        batch = missing if limit is None else missing[:limit]
        for chunk in _chunks(batch, _CHUNK):
            for place in self._places.get_many(chunk).values():
                self._target(campaign, place)
        if len(batch) < len(missing):
            return False
        running = campaign.model_copy(update={"status": CampaignStatus.RUNNING})
        self._campaigns.replace(running, expected_status=CampaignStatus.STARTING)
        return True

    def _online_places(self, campaign: Campaign) -> Iterator[str]:
        for department in campaign.departments:
            place_filter = PlaceFilter(department=department, status=PlaceStatus.ONLINE)
            cursor: str | None = None
            while True:
                page = self._places.list_places(
                    PlaceListQuery(filter=place_filter, limit=1000, cursor=cursor)
                )
                yield from (row.id for row in page.places)
                if page.next_cursor is None:
                    break
                cursor = page.next_cursor

    def _target(self, campaign: Campaign, place: Place) -> None:
        now = self._clock.now()
        email = place.contacts.email
        if email is not None:
            link = self._links.issue_unchecked(place.id, sections=campaign.sections)
            self._mail.send(
                self._message(
                    start_mail_id(campaign.id, place.id), "self_update_link", campaign, place, link
                )
            )
        self._campaigns.add_target(
            CampaignTarget(
                campaign_id=campaign.id,
                place_id=place.id,
                department=place.address.department_code,
                start_version=place.version,
                seen_version=place.version,
                mail=MailStatus.MAILED if email is not None else MailStatus.NO_EMAIL,
                last_mailed_at=now if email is not None else None,
                created_at=now,
            )
        )

    def _message(
        self, message_id: str, template: str, campaign: Campaign, place: Place, link: IssuedLink
    ) -> MailMessage:
        assert place.contacts.email is not None  # noqa: S101 - callers checked
        return MailMessage(
            id=message_id,
            template=template,
            to=place.contacts.email,
            context={
                "place_name": place.name,
                "link_url": link.url,
                "expires_on": link.expires_at.astimezone(self._zone).strftime("%d/%m/%Y"),
                "campaign_name": campaign.name,
                # What the mail asks to check: the link's sections, in page order.
                "sections": [section.value for section in in_page_order(campaign.sections)],
            },
        )

    def _reject_overlap(self, departments: Sequence[str]) -> None:
        for other in self._campaigns.list_all():
            if other.status is CampaignStatus.ENDED:
                continue
            shared = sorted(set(other.departments) & set(departments))
            if shared:
                raise Conflict(
                    f"campaign {other.id} ({other.name}) is still running in "
                    f"{', '.join(shared)}: end it first",
                    field="departments",
                    code="campaign_overlap",
                )

    # Read --------------------------------------------------------------------------------

    def list_campaigns(self, principal: Principal) -> CampaignList:
        require_role(principal, Role.ADMIN, Role.TERRITORY_MODERATOR)
        return CampaignList(
            campaigns=[
                campaign.view()
                for campaign in self._campaigns.list_all()
                if all(principal.covers(code) for code in campaign.departments)
            ]
        )

    def report(self, principal: Principal, campaign_id: str) -> CampaignReport:
        return self._report(self._readable(principal, campaign_id))

    def end(self, principal: Principal, campaign_id: str) -> CampaignReport:
        campaign = self._readable(principal, campaign_id)
        if campaign.status is CampaignStatus.STARTING:
            raise Conflict(
                "this campaign is still starting: end it once it runs", code="campaign_starting"
            )
        return self._report(self._end(campaign))

    def _readable(self, principal: Principal, campaign_id: str) -> Campaign:
        require_role(principal, Role.ADMIN, Role.TERRITORY_MODERATOR)
        campaign = self._campaigns.get(campaign_id)
        for department in campaign.departments:
            require_department(principal, department)
        return campaign

    def _report(self, campaign: Campaign) -> CampaignReport:
        if campaign.snapshot is not None:
            return CampaignReport(campaign=campaign.view(), progress=campaign.snapshot)
        targets = self._reconcile(campaign, self._campaigns.targets(campaign.id))
        return CampaignReport(
            campaign=campaign.view(), progress=self._progress(campaign, targets, frozen=False)
        )

    def _end(self, campaign: Campaign) -> Campaign:
        if campaign.status is CampaignStatus.ENDED:
            return campaign
        targets = self._reconcile(campaign, self._campaigns.targets(campaign.id))
        ended = campaign.model_copy(
            update={
                "status": CampaignStatus.ENDED,
                "ended_at": self._clock.now(),
                "snapshot": self._progress(campaign, targets, frozen=True),
            }
        )
        if self._campaigns.replace(ended, expected_status=campaign.status):
            return ended
        return self._campaigns.get(campaign.id)  # ended concurrently: that snapshot stands

    # Progress ----------------------------------------------------------------------------

    def _reconcile(self, campaign: Campaign, targets: list[CampaignTarget]) -> list[CampaignTarget]:
        """Targets with their state brought up to date from the history of their places.

        Places that moved since last seen each need a history read and a write: they run on
        ``reconcile_workers`` threads (I/O bound), so a first read after a busy week stays
        well within the API's 29 seconds (bench/results/campaigns.json)."""
        pending = [target for target in targets if target.state is not TargetState.UPDATED]
        current: dict[str, Place] = {}
        for chunk in _chunks([target.place_id for target in pending], _CHUNK):
            current.update(self._places.get_many(chunk))

        def moved(target: CampaignTarget) -> Place | None:
            place = current.get(target.place_id)
            if place is None or place.version == target.seen_version:
                return None  # settled, deleted, or unchanged since last seen
            return place

        changed = [(target, place) for target in targets if (place := moved(target)) is not None]
        if not changed:
            return targets
        with ThreadPoolExecutor(max_workers=self._policy.reconcile_workers) as pool:
            fresh = {
                target.place_id: result
                for target, result in zip(
                    (target for target, _ in changed),
                    pool.map(lambda pair: self._reclassify(campaign, *pair), changed),
                    strict=True,
                )
            }
        return [fresh.get(target.place_id, target) for target in targets]

    def _reclassify(
        self, campaign: Campaign, target: CampaignTarget, place: Place
    ) -> CampaignTarget:
        page = self._places.history(
            target.place_id,
            limit=max(1, min(place.version - target.start_version, _HISTORY_LIMIT)),
        )
        answers = [
            entry
            for entry in page.entries
            if entry.version > target.start_version
            and entry.at >= campaign.created_at
            and is_person_update(entry)
        ]
        updated = _classify(target, answers).model_copy(update={"seen_version": place.version})
        self._campaigns.save_target(updated)
        return updated

    def _progress(
        self, campaign: Campaign, targets: list[CampaignTarget], *, frozen: bool
    ) -> CampaignProgress:
        by_department: dict[str, list[CampaignTarget]] = {code: [] for code in campaign.departments}
        for target in targets:
            by_department.setdefault(target.department, []).append(target)
        return CampaignProgress(
            overall=_tally(targets),
            departments={code: _tally(group) for code, group in sorted(by_department.items())},
            computed_at=self._clock.now(),
            frozen=frozen,
        )

    # Reminders ---------------------------------------------------------------------------

    def run_reminders(self) -> ReminderRun:
        """The scheduled worker: end campaigns past their end date (freezing their figures),
        and remind the places of running ones still to do after the delay."""
        today = self._today()
        queued = 0
        ended: list[str] = []
        running = [c for c in self._campaigns.list_all() if c.status is CampaignStatus.RUNNING]
        for campaign in running:
            if today > campaign.end_date:
                self._end(campaign)
                ended.append(campaign.id)
                continue
            queued += self._remind(campaign)
        return ReminderRun(campaigns=len(running), reminders_queued=queued, ended=ended)

    def _remind(self, campaign: Campaign) -> int:
        if self._policy.max_reminders == 0:
            return 0
        now = self._clock.now()
        delay = timedelta(days=campaign.reminder_delay_days)
        targets = self._reconcile(campaign, self._campaigns.targets(campaign.id))
        due = [
            target
            for target in targets
            if target.state is TargetState.TO_DO
            and target.reminders < self._policy.max_reminders
            and (target.last_mailed_at or target.created_at) + delay <= now
        ]
        queued = 0
        for chunk in _chunks(due, _CHUNK):
            places = self._places.get_many([target.place_id for target in chunk])
            for target in chunk:
                place = places.get(target.place_id)
                # The e-mail of today (it may have been added since the start); a place taken
                # offline meanwhile is not reminded.
                if place is None or place.status is not PlaceStatus.ONLINE:
                    continue
                if place.contacts.email is None:
                    continue
                number = target.reminders + 1
                link = self._links.issue_unchecked(place.id, sections=campaign.sections)
                message_id = reminder_mail_id(campaign.id, place.id, number)
                self._mail.send(
                    self._message(message_id, "campaign_reminder", campaign, place, link)
                )
                if self._campaigns.record_reminder(campaign.id, place.id, number, now):
                    queued += 1
        return queued

    # Helpers -----------------------------------------------------------------------------

    def _find(self, campaign_id: str) -> Campaign | None:
        try:
            return self._campaigns.get(campaign_id)
        except NotFound:
            return None

    def _today(self) -> date:
        return self._clock.now().astimezone(self._zone).date()


def _classify(target: CampaignTarget, answers: list[HistoryEntry]) -> CampaignTarget:
    """Any edit → updated (channel of the first edit); only verifications → confirmed
    unchanged (channel of the first one); nothing → to do."""
    chronological = sorted(answers, key=lambda entry: entry.version)
    edits = [entry for entry in chronological if entry.action is not Action.VERIFIED]
    decisive = edits[0] if edits else (chronological[0] if chronological else None)
    if decisive is None:
        return target.model_copy(update={"state": TargetState.TO_DO, "channel": None, "at": None})
    state = TargetState.UPDATED if edits else TargetState.CONFIRMED_UNCHANGED
    return target.model_copy(
        update={"state": state, "channel": decisive.channel.value, "at": decisive.at}
    )


def _tally(targets: list[CampaignTarget]) -> Tally:
    states = Counter(target.state for target in targets)
    channels: dict[str, Counter[TargetState]] = {}
    for target in targets:
        if target.state is not TargetState.TO_DO and target.channel is not None:
            channels.setdefault(target.channel, Counter())[target.state] += 1
    done = states[TargetState.CONFIRMED_UNCHANGED] + states[TargetState.UPDATED]
    total = len(targets)
    return Tally(
        total=total,
        to_do=states[TargetState.TO_DO],
        confirmed_unchanged=states[TargetState.CONFIRMED_UNCHANGED],
        updated=states[TargetState.UPDATED],
        done_percent=round(100 * done / total, 1) if total else 0.0,
        by_channel={
            channel: ChannelTally(
                confirmed_unchanged=counts[TargetState.CONFIRMED_UNCHANGED],
                updated=counts[TargetState.UPDATED],
            )
            for channel, counts in sorted(channels.items())
        },
        mailed=sum(1 for target in targets if target.mail is MailStatus.MAILED),
        no_email=sum(1 for target in targets if target.mail is MailStatus.NO_EMAIL),
        reminders_sent=sum(target.reminders for target in targets),
    )


def _chunks(items: Sequence[_T], size: int) -> Iterator[Sequence[_T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
