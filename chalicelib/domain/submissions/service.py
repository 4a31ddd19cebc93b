"""Use cases of submissions: intake (public), moderation queue and decisions, figures.

Decisions go through the back office's ``PlaceEditor`` (versioned, with a history entry on
channel ``submission``) and its role and territory rules: there is no second edit path.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import statistics
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from pydantic import Field

from chalicelib.domain import bounded_json, cursors
from chalicelib.domain.auth import Principal, Role, require_department, require_role
from chalicelib.domain.clock import Clock
from chalicelib.domain.errors import (
    Conflict,
    InvalidCursor,
    InvalidInput,
    NotFound,
    TooManyRequests,
    Unprocessable,
    VersionConflict,
)
from chalicelib.domain.hours.models import DomainModel
from chalicelib.domain.ids import IdGenerator
from chalicelib.domain.places.editing import (
    ListRequest,
    NewPlace,
    PlaceContent,
    PlaceEditor,
    PlacePatch,
)
from chalicelib.domain.places.history import Channel, HistoryEntry
from chalicelib.domain.places.listing import AdminPlaceSummary
from chalicelib.domain.places.models import Address, Place, PlaceStatus, Service
from chalicelib.domain.places.ports import PlaceEditStore, PlaceRepository, PlaceWrite
from chalicelib.domain.places.views import public_url
from chalicelib.domain.search.ports import CandidateSource
from chalicelib.domain.submissions.duplicates import RADIUS_M, find_duplicates
from chalicelib.domain.submissions.models import (
    Counts,
    Decision,
    DecisionNotice,
    Figures,
    NewPlaceForm,
    QueuePage,
    QueuePosition,
    Receipt,
    Submission,
    SubmissionForm,
    SubmissionKind,
    SubmissionStatusView,
    SubmittedContent,
    SuggestionForm,
)
from chalicelib.domain.submissions.notifications import decision_mail_id
from chalicelib.domain.submissions.ports import (
    DecisionNotifier,
    DecisionStore,
    Geocoder,
    RateLimiter,
    SubmissionRepository,
)
from chalicelib.domain.submissions.regions import region_of
from chalicelib.domain.submissions.status import SubmissionStatus
from chalicelib.domain.taxonomy.taxonomy import Taxonomy

MODERATORS = (Role.ADMIN, Role.TERRITORY_MODERATOR)


@dataclass(frozen=True)
class IntakeLimits:
    per_hour: int = 10
    """Submissions (new ones, not replays) per hashed client address per hour."""


class ClientHasher:
    """Keyed hashes (HMAC-SHA256): of client addresses (rate limit, kept with the submission
    for the moderator) and of payloads (the submission id, so a replay finds the original).
    Without the key, neither can be reversed by trying every address."""

    def __init__(self, secret: bytes) -> None:
        if len(secret) < 16:
            raise ValueError("the submission hashing secret must have at least 16 bytes")
        self._secret = secret

    def client(self, address: str) -> str:
        return self._digest(b"client:" + address.encode())

    def payload(self, kind: SubmissionKind, place_id: str | None, form: SubmissionForm) -> str:
        canonical = json.dumps(
            [kind.value, place_id, form.model_dump(mode="json", exclude={"website"})],
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=False,
        )
        return self._digest(b"payload:" + canonical.encode())

    def sign(self, data: bytes) -> str:
        """A tag for data the API hands out and takes back (queue cursors)."""
        return self._digest(b"sign:" + data)

    def _digest(self, data: bytes) -> str:
        return hmac.new(self._secret, data, hashlib.sha256).hexdigest()[:32]


class QueueCursors:
    """Opaque, signed queue cursors: the position of the last submission of a page and the
    listing it belongs to (status, department). A position, not an offset: decided
    submissions leaving the queue and new ones arriving never shift the pages."""

    def __init__(self, hasher: ClientHasher) -> None:
        self._hasher = hasher

    def encode(
        self, position: QueuePosition, status: SubmissionStatus, department: str | None
    ) -> str:
        payload = json.dumps(
            [status.value, department, position.created_at.isoformat(), position.id],
            separators=(",", ":"),
        ).encode()
        tag = self._hasher.sign(payload)
        return cursors.encode_bytes(payload) + "." + tag

    def decode(
        self, cursor: str, status: SubmissionStatus, department: str | None
    ) -> QueuePosition:
        encoded, _, tag = cursor.partition(".")
        payload = cursors.decode_bytes(encoded)  # strict: ASCII base64url, canonical
        if not tag or not cursors.same_tag(tag, self._hasher.sign(payload)):
            raise InvalidCursor()
        # Signed by us from here on; still read defensively (a key shared with an older
        # format, or a bug in encode, must not become a 500).
        try:
            fields = bounded_json.loads(payload, max_depth=1)
            cursor_status, cursor_department, created_at, submission_id = fields
            if not (
                isinstance(created_at, str)
                and isinstance(submission_id, str)
                and (cursor_department is None or isinstance(cursor_department, str))
            ):
                raise InvalidCursor()
            position = QueuePosition(
                created_at=datetime.fromisoformat(created_at), id=submission_id
            )
        except (ValueError, TypeError):
            raise InvalidCursor() from None
        if (cursor_status, cursor_department) != (status.value, department):
            raise InvalidCursor("this cursor belongs to another queue: repeat the same parameters")
        return position


class Approval(DomainModel):
    """A moderator's approval: the place's status, field edits made first, a comment."""

    status: PlaceStatus = PlaceStatus.DRAFT
    edits: PlaceContent | None = None
    comment: str | None = Field(default=None, max_length=1000)
    place_version: int | None = Field(
        default=None, ge=1, description="For a suggestion: the version of the place read."
    )


class Merge(DomainModel):
    place_id: str = Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")
    place_version: int = Field(ge=1)
    edits: PlaceContent | None = None
    comment: str | None = Field(default=None, max_length=1000)


class Rejection(DomainModel):
    reason: str = Field(min_length=1, max_length=1000)


class _DecidingStore:
    """The place store as ``PlaceEditor`` sees it during one decision: reads go to the store;
    the one write (create or update) goes to the ``DecisionStore`` together with the
    submission's decision, in one transaction. ``decide`` builds the decided submission from
    the place as written (its id and version)."""

    def __init__(
        self,
        store: PlaceEditStore,
        decisions: DecisionStore,
        decide: Callable[[Place], Submission],
        expected_version: int,
    ) -> None:
        self._store = store
        self._decisions = decisions
        self._decide = decide
        self._expected_version = expected_version
        self.decided: Submission | None = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    def create(self, place: Place, entry: HistoryEntry) -> None:
        decided = self._decide(place)
        self._decisions.create_place(place, entry, decided, expected_version=self._expected_version)
        self.decided = decided

    def update(self, write: PlaceWrite) -> None:
        decided = self._decide(write.place)
        self._decisions.update_place(write, decided, expected_version=self._expected_version)
        self.decided = decided


class SubmissionService:
    def __init__(
        self,
        repository: SubmissionRepository,
        *,
        places: PlaceRepository,
        candidates: CandidateSource,
        geocoder: Geocoder,
        limiter: RateLimiter,
        store: PlaceEditStore,
        decisions: DecisionStore,
        notifier: DecisionNotifier | None,
        ids: IdGenerator,
        taxonomy: Taxonomy,
        hasher: ClientHasher,
        clock: Clock,
        site_url: str,
        limits: IntakeLimits | None = None,
    ) -> None:
        self._repository = repository
        self._places = places
        self._candidates = candidates
        self._geocoder = geocoder
        self._limiter = limiter
        self._store = store
        self._decisions = decisions
        self._notifier = notifier
        self._ids = ids
        self._taxonomy = taxonomy
        self._editor = PlaceEditor(store, clock, ids, taxonomy)
        self._hasher = hasher
        self._cursors = QueueCursors(hasher)
        self._clock = clock
        self._site_url = site_url
        self._limits = limits or IntakeLimits()

    # Intake ------------------------------------------------------------------------------

    def submit_place(self, form: NewPlaceForm, client_address: str) -> Receipt:
        return self._intake(SubmissionKind.NEW_PLACE, None, form, client_address)

    def suggest(self, place_id: str, form: SuggestionForm, client_address: str) -> Receipt:
        place = self._places.get(place_id)  # NotFound for an unknown place
        if place.status is not PlaceStatus.ONLINE:
            raise NotFound(f"no place {place_id!r}")
        return self._intake(SubmissionKind.SUGGESTION, place, form, client_address)

    def status(self, submission_id: str) -> SubmissionStatusView:
        return SubmissionStatusView.of(self._repository.get(submission_id))

    def _intake(
        self, kind: SubmissionKind, place: Place | None, form: SubmissionForm, client: str
    ) -> Receipt:
        place_id = place.id if place is not None else None
        submission_id = self._hasher.payload(kind, place_id, form)
        if form.website:
            # The honeypot was filled: a robot. Answer like a success, keep nothing.
            return _receipt(submission_id, SubmissionStatus.PENDING, replay=False)
        try:
            existing = self._repository.get(submission_id)
        except NotFound:
            existing = None
        if existing is not None:
            return _receipt(existing.id, existing.status, replay=True)
        client_hash = self._hasher.client(client)
        now = self._clock.now()
        window = now.strftime("%Y-%m-%dT%H")
        if self._limiter.hit(client_hash, window, ttl_seconds=7200) > self._limits.per_hour:
            raise TooManyRequests(
                f"at most {self._limits.per_hour} submissions an hour; please try again later",
                code="rate_limited",
            )
        submission = self._build(kind, place, form, submission_id, client_hash)
        if not self._repository.add(submission):  # a concurrent replay won the race
            return _receipt(submission_id, SubmissionStatus.PENDING, replay=True)
        return _receipt(submission_id, SubmissionStatus.PENDING, replay=False)

    def _build(
        self,
        kind: SubmissionKind,
        place: Place | None,
        form: SubmissionForm,
        submission_id: str,
        client_hash: str,
    ) -> Submission:
        content = form.content
        location = content.location
        geocoded = False
        city_code = None
        if content.address is not None and location is None:
            result = self._geocoder.geocode(content.address)
            if result is None:
                raise Unprocessable(
                    "the address could not be located: check it, or give the location "
                    "(lat, lon) of the place",
                    field="content.location",
                    code="address_not_found",
                )
            location, geocoded, city_code = result.location, True, result.city_code
        if content.address is not None:
            department = content.address.department
        elif place is not None:
            department = place.address.department_code
        else:  # NewPlaceForm requires an address
            raise InvalidInput("content.address is required", field="content.address")
        if location is None and place is not None:
            location = place.location
        duplicates = []
        name = content.name or (place.name if place is not None else None)
        if kind is SubmissionKind.NEW_PLACE and location is not None and name is not None:
            duplicates = find_duplicates(
                name,
                location,
                self._candidates.near(location, RADIUS_M).places,
                self._repository.by_status(SubmissionStatus.PENDING, department, 500),
            )
        return Submission(
            id=submission_id,
            kind=kind,
            department=department,
            region=region_of(department),
            place_id=place.id if place is not None else None,
            content=content,
            location=location,
            geocoded=geocoded,
            city_code=city_code,
            message=form.message,
            submitter=form.submitter,
            client_hash=client_hash,
            duplicates=duplicates,
            created_at=self._clock.now(),
        )

    # Moderation --------------------------------------------------------------------------

    def queue(
        self,
        principal: Principal,
        *,
        status: SubmissionStatus,
        department: str | None,
        limit: int,
        cursor: str | None = None,
    ) -> QueuePage:
        """One page of the queue of the principal's territory, oldest first."""
        require_role(principal, *MODERATORS)
        after = self._cursors.decode(cursor, status, department) if cursor else None
        # One more than the page: whether a next page exists, without a second read.
        if department is not None:
            require_department(principal, department)
            found = self._repository.by_status(status, department, limit + 1, after=after)
        elif principal.is_admin:
            found = self._repository.by_status(status, None, limit + 1, after=after)
        else:
            found = []
            for code in principal.departments:
                found.extend(self._repository.by_status(status, code, limit + 1, after=after))
            found.sort(key=lambda s: (s.created_at, s.id))
        page = found[:limit]
        next_cursor = None
        if len(found) > limit:
            last = page[-1]
            position = QueuePosition(created_at=last.created_at, id=last.id)
            next_cursor = self._cursors.encode(position, status, department)
        return QueuePage(submissions=page, next_cursor=next_cursor)

    def drafts(
        self, principal: Principal, *, department: str | None, limit: int
    ) -> list[AdminPlaceSummary]:
        """Drafts of the territory (volunteers' work awaiting publication), shown beside the
        submissions; they are published through the back office (PATCH status online)."""
        require_role(principal, *MODERATORS)
        listing = ListRequest(status=PlaceStatus.DRAFT, department=department, limit=limit)
        return self._editor.list(principal, listing).places

    def get(self, principal: Principal, submission_id: str) -> Submission:
        require_role(principal, *MODERATORS)
        submission = self._repository.get(submission_id)
        require_department(principal, submission.department)
        return submission

    def approve(
        self, principal: Principal, submission_id: str, *, expected_version: int, approval: Approval
    ) -> tuple[Submission, Place]:
        submission = self._pending(principal, submission_id, expected_version)
        comment = approval.comment or f"submission {submission.id}"
        status = SubmissionStatus.APPROVED
        if submission.kind is SubmissionKind.NEW_PLACE:
            data = _new_place_fields(submission)
            if approval.edits is not None:
                data.update(approval.edits.model_dump(include=approval.edits.model_fields_set))
            data["status"] = approval.status
            new = NewPlace.model_validate(data)
            store, editor = self._deciding(principal, submission, status)
            place = editor.create(principal, new, comment=comment, channel=Channel.SUBMISSION)
        else:
            if approval.place_version is None or submission.place_id is None:
                raise InvalidInput(
                    "approving a suggestion needs place_version (the version you read)",
                    field="place_version",
                )
            store, place = self._apply(
                principal,
                submission,
                status,
                place_id=submission.place_id,
                place_version=approval.place_version,
                edits=approval.edits,
                comment=comment,
            )
        return self._decided(principal, submission, store, status, place), place

    def merge(
        self, principal: Principal, submission_id: str, *, expected_version: int, merge: Merge
    ) -> tuple[Submission, Place]:
        """Apply the submission to an existing place (a duplicate): a versioned edit."""
        submission = self._pending(principal, submission_id, expected_version)
        comment = merge.comment or f"submission {submission.id} merged"
        status = SubmissionStatus.MERGED
        store, place = self._apply(
            principal,
            submission,
            status,
            place_id=merge.place_id,
            place_version=merge.place_version,
            edits=merge.edits,
            comment=comment,
        )
        return self._decided(principal, submission, store, status, place), place

    def reject(
        self,
        principal: Principal,
        submission_id: str,
        *,
        expected_version: int,
        rejection: Rejection,
    ) -> Submission:
        submission = self._pending(principal, submission_id, expected_version)
        decided = self._decision(
            principal, submission, SubmissionStatus.REJECTED, None, reason=rejection.reason
        )
        self._repository.save(decided, expected_version=submission.version)
        return self._notify(decided, None)

    def _pending(
        self, principal: Principal, submission_id: str, expected_version: int
    ) -> Submission:
        submission = self.get(principal, submission_id)
        decision = submission.decision
        if decision is not None and decision.notification == "pending":
            # A retried decision: its mail could not be queued the first time. Queue it now
            # (same message id: the mailer never sends it twice), then answer the conflict.
            place = self._places.get(decision.place_id) if decision.place_id else None
            self._notify(submission, place)
        if submission.version != expected_version:
            raise VersionConflict(
                f"submission {submission_id!r} is at version {submission.version}, "
                f"not {expected_version}",
                current_version=submission.version,
            )
        if submission.status is not SubmissionStatus.PENDING:
            raise Conflict(f"submission {submission_id!r} is already {submission.status.value}")
        return submission

    def _apply(
        self,
        principal: Principal,
        submission: Submission,
        status: SubmissionStatus,
        *,
        place_id: str,
        place_version: int,
        edits: PlaceContent | None,
        comment: str,
    ) -> tuple[_DecidingStore, Place]:
        current = self._editor.get(principal, place_id)
        data = _patch_fields(submission, current)
        if edits is not None:
            data.update(edits.model_dump(include=edits.model_fields_set))
        if not data:
            raise InvalidInput("the submission changes nothing on this place", field="edits")
        store, editor = self._deciding(principal, submission, status)
        place = editor.edit(
            principal,
            place_id,
            expected_version=place_version,
            patch=PlacePatch.model_validate(data),
            comment=comment,
            channel=Channel.SUBMISSION,
        )
        return store, place

    def _deciding(
        self, principal: Principal, submission: Submission, status: SubmissionStatus
    ) -> tuple[_DecidingStore, PlaceEditor]:
        """The back office's editor (same rules, same history) over a store that writes the
        place and this decision in one transaction."""
        store = _DecidingStore(
            self._store,
            self._decisions,
            lambda place: self._decision(principal, submission, status, place),
            submission.version,
        )
        editor = PlaceEditor(cast(PlaceEditStore, store), self._clock, self._ids, self._taxonomy)
        return store, editor

    def _decided(
        self,
        principal: Principal,
        submission: Submission,
        store: _DecidingStore,
        status: SubmissionStatus,
        place: Place,
    ) -> Submission:
        decided = store.decided
        if decided is None:
            # The editor wrote nothing (the moderator's edits left the place as it was):
            # the decision alone, conditional on the submission's version.
            decided = self._decision(principal, submission, status, place)
            self._repository.save(decided, expected_version=submission.version)
        return self._notify(decided, place)

    def _decision(
        self,
        principal: Principal,
        submission: Submission,
        status: SubmissionStatus,
        place: Place | None,
        *,
        reason: str | None = None,
    ) -> Submission:
        """The submission as decided (version + 1); a decision mail is due when the
        submitter left an email (with consent, which the form requires for it) and the stage
        has a mail pipeline; otherwise the decision is only recorded (status URL)."""
        submitter = submission.submitter
        mail_due = self._notifier is not None and submitter.email is not None and submitter.consent
        decision = Decision(
            status=status,
            at=self._clock.now(),
            by=principal.subject,
            reason=reason,
            place_id=place.id if place is not None else None,
            place_version=place.version if place is not None else None,
            notification="pending" if mail_due else "recorded",
            mail_id=decision_mail_id(submission.id) if mail_due else None,
        )
        return submission.model_copy(
            update={"status": status, "decision": decision, "version": submission.version + 1}
        )

    def _notify(self, submission: Submission, place: Place | None) -> Submission:
        """Queue the decision mail if one is due, and record that it was (version + 1)."""
        decision = submission.decision
        email = submission.submitter.email
        if decision is None or decision.notification != "pending" or email is None:
            return submission
        name = submission.content.name or (place.name if place is not None else None)
        notice = DecisionNotice(
            message_id=decision.mail_id or decision_mail_id(submission.id),
            to=email,
            submission_id=submission.id,
            kind=submission.kind,
            status=submission.status,
            place_name=name or "",
            place_url=(
                public_url(self._site_url, place)
                if place is not None and place.status is PlaceStatus.ONLINE
                else None
            ),
            reason=decision.reason,
        )
        if self._notifier is None or not self._notifier.notify(notice):
            return submission
        notified = submission.model_copy(
            update={
                "decision": decision.model_copy(
                    update={"notification": "emailed", "notified_at": self._clock.now()}
                ),
                "version": submission.version + 1,
            }
        )
        try:
            self._repository.save(notified, expected_version=submission.version)
        except VersionConflict:
            # A concurrent retry recorded it first (the mail itself is deduplicated by id).
            return self._repository.get(submission.id)
        return notified

    # Figures -----------------------------------------------------------------------------

    def figures(self, principal: Principal, department: str | None = None) -> Figures:
        require_role(principal, *MODERATORS)
        if department is not None:
            require_department(principal, department)
        chosen = [
            s
            for s in self._repository.scan()
            if (department is None or s.department == department) and principal.covers(s.department)
        ]
        return compute_figures(chosen)


def compute_figures(submissions: Iterable[Submission]) -> Figures:
    by_department: dict[str, dict[str, int]] = {}
    by_region: dict[str, dict[str, int]] = {}
    total: dict[str, int] = {}
    hours: list[float] = []
    for submission in submissions:
        key = submission.status.value
        for bucket in (
            by_department.setdefault(submission.department, {}),
            by_region.setdefault(submission.region, {}),
            total,
        ):
            bucket[key] = bucket.get(key, 0) + 1
        if submission.decision is not None:
            elapsed = submission.decision.at - submission.created_at
            hours.append(elapsed.total_seconds() / 3600)
    approved = total.get("approved", 0) + total.get("merged", 0)
    decided = approved + total.get("rejected", 0)
    return Figures(
        by_department={k: Counts(**v) for k, v in sorted(by_department.items())},
        by_region={k: Counts(**v) for k, v in sorted(by_region.items())},
        total=Counts(**total),
        approval_rate=round(approved / decided, 3) if decided else None,
        median_hours_to_decision=round(statistics.median(hours), 2) if hours else None,
    )


def _receipt(submission_id: str, status: SubmissionStatus, *, replay: bool) -> Receipt:
    return Receipt(
        id=submission_id,
        status=status,
        status_url=f"/submissions/{submission_id}",
        duplicate_of_earlier=replay,
    )


def _services(categories: list[str]) -> list[dict[str, Any]]:
    return [
        Service(id=f"s{number}", category=category).model_dump()
        for number, category in enumerate(categories, start=1)
    ]


def _address(submission: Submission) -> dict[str, Any] | None:
    address = submission.content.address
    if address is None:
        return None
    return Address(
        street=address.street,
        additional_info=address.additional_info,
        postal_code=address.postal_code,
        city=address.city,
        city_code=submission.city_code,
        department_code=submission.department,
        region_code=submission.region if submission.region != "other" else None,
    ).model_dump()


def _content_fields(submission: Submission) -> dict[str, Any]:
    """Place fields from the submitted content (never the submitter: that stays private)."""
    content: SubmittedContent = submission.content
    data: dict[str, Any] = {}
    for name in ("name", "description", "organisation", "hours", "contacts"):
        value = getattr(content, name)
        if value is not None:
            data[name] = value.model_dump() if isinstance(value, DomainModel) else value
    address = _address(submission)
    if address is not None:
        data["address"] = address
    if submission.location is not None and (content.location or content.address):
        data["location"] = submission.location.model_dump()
    if content.categories is not None:
        data["services"] = _services(content.categories)
    return data


def _new_place_fields(submission: Submission) -> dict[str, Any]:
    data = _content_fields(submission)
    data["sources"] = [{"name": "submission", "external_id": submission.id}]
    return data


def _patch_fields(submission: Submission, current: Place) -> dict[str, Any]:
    """The submission as a patch of ``current``: only what differs, and never destructive
    where the public form is coarser than the place (services keep their hours and details,
    an unchanged postal address keeps the place's INSEE code and point)."""
    data = _content_fields(submission)
    address = submission.content.address
    if address is not None and (address.street, address.postal_code, address.city) == (
        current.address.street,
        current.address.postal_code,
        current.address.city,
    ):
        data.pop("address", None)
        if submission.content.location is None:
            data.pop("location", None)
    if submission.content.categories is not None:
        data["services"] = _merged_services(current, submission.content.categories)
    existing = current.model_dump()
    return {
        k: v
        for k, v in data.items()
        if PlaceContent.model_validate({k: v}).model_dump(include={k})[k] != existing.get(k)
    }


def _merged_services(current: Place, categories: list[str]) -> list[dict[str, Any]]:
    """The place's services, kept whole, plus a new service for each proposed category the
    place lacks: a public proposal never removes a service (a moderator's ``edits`` may)."""
    wanted = list(dict.fromkeys(categories))
    kept = list(current.services)
    have = {service.category for service in kept}
    ids = {service.id for service in current.services}
    merged = [service.model_dump() for service in kept]
    number = 1
    for category in wanted:
        if category in have:
            continue
        while f"s{number}" in ids:
            number += 1
        ids.add(f"s{number}")
        merged.append(Service(id=f"s{number}", category=category).model_dump())
    return merged
