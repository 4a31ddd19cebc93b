"""Back-office edits of one place: create, edit field groups, verify, soft delete, history,
listing. A write is computed first, purely (``plan_create``, ``plan_edit``: the place, its
history entry and the version it was read at, checked once against the caller's If-Match),
then committed through a ``PlaceTransaction``, the store enforcing the version once more as
the write's condition. Callers that write more in the same transaction (a submission's
decision) plan the change here and commit their own transaction with ``commit``.

Authorization is checked here, with the pure rules of chalicelib/domain/auth.py, so the HTTP
API, the batch Lambda and any later caller get the same answers.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import Field, model_validator

from chalicelib.domain.auth import (
    Principal,
    Role,
    can_change_status,
    can_create_place,
    can_edit_place,
    can_move_place,
    can_read_place,
    place_department,
    require,
)
from chalicelib.domain.clock import Clock
from chalicelib.domain.errors import InvalidInput, VersionConflict
from chalicelib.domain.hours.models import (
    DomainModel,
    TemporaryClosure,
    TemporaryHours,
    TemporaryMessage,
    WeeklyHours,
)
from chalicelib.domain.ids import IdGenerator
from chalicelib.domain.places.history import (
    Action,
    Actor,
    Channel,
    HistoryEntry,
    HistoryPage,
    diff_places,
)
from chalicelib.domain.places.listing import (
    PlaceFilter,
    PlaceListPage,
    PlaceListQuery,
    organisation_key,
)
from chalicelib.domain.places.models import (
    DEFAULT_TIMEZONE,
    Address,
    Audience,
    Contacts,
    GeoPoint,
    Modalities,
    Place,
    PlaceStatus,
    Service,
    Source,
)
from chalicelib.domain.places.ports import (
    HistoryAhead,
    PlaceCreation,
    PlaceEditStore,
    PlaceTransaction,
    PlaceWrite,
)
from chalicelib.domain.places.reconcile import PlaceReconciler, Prefer, ReconcileReport
from chalicelib.domain.places.sections import Section
from chalicelib.domain.search.text import normalise
from chalicelib.domain.taxonomy.taxonomy import Taxonomy

OUT_OF_SCOPE = "this place is outside your territory"


class PlaceContent(DomainModel):
    """The editable field groups of a place, all optional: what a PATCH may carry.

    A field that is present replaces the whole group; ``null`` clears an optional group
    (``temporary_closure: null`` lifts a closure). Absent fields are left as they are.
    """

    slug: str | None = Field(default=None, pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=120)
    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=4000)
    organisation: str | None = Field(default=None, max_length=200)
    sources: list[Source] | None = None
    address: Address | None = None
    location: GeoPoint | None = None
    timezone: str | None = None
    services: list[Service] | None = Field(default=None, min_length=1, max_length=50)
    hours: WeeklyHours | None = None
    temporary_closure: TemporaryClosure | None = None
    temporary_hours: TemporaryHours | None = None
    temporary_message: TemporaryMessage | None = None
    status: PlaceStatus | None = None
    audience: Audience | None = None
    modalities: Modalities | None = None
    languages: list[str] | None = Field(default=None, max_length=30)
    contacts: Contacts | None = None
    internal_note: str | None = Field(default=None, max_length=4000)


NOT_NULLABLE = frozenset(
    {
        "slug",
        "name",
        "sources",
        "address",
        "location",
        "timezone",
        "services",
        "hours",
        "status",
        "audience",
        "modalities",
        "languages",
        "contacts",
    }
)


class PlacePatch(PlaceContent):
    @model_validator(mode="after")
    def _check_nulls(self) -> PlacePatch:
        for name in sorted(self.model_fields_set & NOT_NULLABLE):
            if getattr(self, name) is None:
                raise InvalidInput(f"{name} cannot be cleared (null)", field=name)
        if not self.model_fields_set:
            raise InvalidInput("the patch changes nothing: give at least one field")
        return self


class NewPlace(PlaceContent):
    """A place to create. Created as a draft unless ``status`` is ``online``."""

    @model_validator(mode="after")
    def _check_required(self) -> NewPlace:
        for name in ("name", "address", "location", "services"):
            if getattr(self, name) is None:
                raise InvalidInput(f"{name} is required", field=name)
        if self.status not in (None, PlaceStatus.DRAFT, PlaceStatus.ONLINE):
            raise InvalidInput("a new place is a draft or online", field="status")
        return self


class ListRequest(DomainModel):
    """What a back-office user asks the listing for (before scoping)."""

    status: PlaceStatus | None = None
    department: str | None = None
    organisation: str | None = None
    category: str | None = None
    not_verified_since: date | None = None
    q: str | None = None
    limit: int = Field(ge=1, le=1000)
    cursor: str | None = None


class ReconcileRequest(DomainModel):
    """What an admin asks of a reconciliation (``POST /admin/places/{id}/reconcile``)."""

    prefer: Prefer = Field(
        default=Prefer.HISTORY,
        description="When the place is behind its history: `history` rolls it forward to "
        "the writes its history records; `place` keeps its content (a deliberate restore) "
        "as a new version whose entry undoes the later ones.",
    )
    dry_run: bool = Field(default=False, description="Report the drift, write nothing.")
    comment: str | None = Field(default=None, max_length=1000)


def actor_of(principal: Principal) -> Actor:
    return Actor(
        subject=principal.subject, role=principal.role.value, display_name=principal.display_name
    )


def slug_of(name: str) -> str:
    slug = "-".join(normalise(name).split())[:120].strip("-")
    return slug or "lieu"


class PlaceEditor:
    def __init__(
        self, store: PlaceEditStore, clock: Clock, ids: IdGenerator, taxonomy: Taxonomy
    ) -> None:
        self._store = store
        self._clock = clock
        self._ids = ids
        self._taxonomy = taxonomy

    # Reads -------------------------------------------------------------------------------

    def get(self, principal: Principal, place_id: str) -> Place:
        place = self._store.get(place_id)
        require(can_read_place(principal, place), OUT_OF_SCOPE, code="out_of_scope")
        return place

    def history(
        self, principal: Principal, place_id: str, *, limit: int, before: int | None = None
    ) -> HistoryPage:
        self.get(principal, place_id)
        return self._store.history(place_id, limit=limit, before=before)

    def list(self, principal: Principal, request: ListRequest) -> PlaceListPage:
        place_filter = self.scoped_filter(principal, request)
        return self._store.list_places(
            PlaceListQuery(filter=place_filter, limit=request.limit, cursor=request.cursor)
        )

    def scoped_filter(self, principal: Principal, request: ListRequest) -> PlaceFilter:
        """The request as a store filter, narrowed to what the principal may see."""
        categories: tuple[str, ...] = ()
        if request.category is not None:
            categories = tuple(sorted(self._taxonomy.descendants(request.category)))
        text = None
        if request.q is not None:
            text = normalise(request.q)
            if not text:
                raise InvalidInput("q has no letters or digits", field="q")
        verified_before = None
        if request.not_verified_since is not None:
            midnight = datetime.combine(request.not_verified_since, time(0))
            verified_before = midnight.replace(tzinfo=ZoneInfo(DEFAULT_TIMEZONE))
        org_key = organisation_key(request.organisation) if request.organisation else None
        if request.organisation is not None and org_key is None:
            raise InvalidInput("organisation has no letters or digits", field="organisation")
        status = request.status
        department = request.department
        departments: tuple[str, ...] | None = None
        created_by = None
        if principal.role is not Role.ADMIN:
            departments = principal.departments
            if department is not None:
                require(
                    principal.covers(department),
                    f"department {department} is outside your territory",
                    code="out_of_scope",
                )
            elif len(principal.departments) == 1:
                department = principal.departments[0]
        if principal.role is Role.VOLUNTEER:
            if status not in (None, PlaceStatus.DRAFT):
                raise InvalidInput("volunteers list their own drafts only", field="status")
            status = PlaceStatus.DRAFT
            created_by = principal.subject
        if department is None and org_key is None and status is None:
            raise InvalidInput(
                "give a department, an organisation or a status to list places",
                field="department",
            )
        return PlaceFilter(
            status=status,
            department=department,
            departments=departments,
            organisation_key=org_key,
            categories=categories,
            verified_before=verified_before,
            text=text,
            created_by=created_by,
        )

    # Writes ------------------------------------------------------------------------------

    def create(
        self,
        principal: Principal,
        new: NewPlace,
        *,
        comment: str | None = None,
        channel: Channel = Channel.ADMIN,
    ) -> Place:
        creation = self.plan_create(principal, new, comment=comment, channel=channel)
        transaction = self._store.transaction()
        transaction.create(creation)
        transaction.commit()
        return creation.place

    def plan_create(
        self,
        principal: Principal,
        new: NewPlace,
        *,
        comment: str | None = None,
        channel: Channel = Channel.ADMIN,
    ) -> PlaceCreation:
        """The place ``new`` describes, with its creation entry, once the principal may
        create it: nothing written."""
        status = new.status or PlaceStatus.DRAFT
        if new.address is None:  # NewPlace checks it; this tells the type checker
            raise InvalidInput("address is required", field="address")
        require(
            can_create_place(principal, new.address.department_code, status),
            "you may not create this place here"
            if principal.role is not Role.VOLUNTEER
            else "volunteers create drafts in their departments",
            code="out_of_scope",
        )
        self._check_categories(new)
        now = self._clock.now()
        data: dict[str, Any] = new.model_dump(exclude_none=True)
        data.update(
            id=self._ids.new_id(),
            slug=new.slug or slug_of(new.name or ""),
            status=status,
            created_at=now,
            updated_at=now,
            created_by=principal.subject,
            version=1,
        )
        place = Place.model_validate(data)
        entry = HistoryEntry(
            place_id=place.id,
            version=1,
            at=now,
            actor=actor_of(principal),
            channel=channel,
            action=Action.CREATED,
            changes=diff_places(None, place),
            comment=comment,
        )
        return PlaceCreation(place=place, entry=entry)

    def edit(
        self,
        principal: Principal,
        place_id: str,
        *,
        expected_version: int,
        patch: PlacePatch,
        comment: str | None = None,
        channel: Channel = Channel.ADMIN,
    ) -> Place:
        current = self.get(principal, place_id)
        change = self.plan_edit(
            principal,
            current,
            expected_version=expected_version,
            patch=patch,
            comment=comment,
            channel=channel,
        )
        return self._commit_one(change, current)

    def plan_edit(
        self,
        principal: Principal,
        current: Place,
        *,
        expected_version: int,
        patch: PlacePatch,
        comment: str | None = None,
        channel: Channel = Channel.ADMIN,
        merged_fields: Sequence[str] | None = None,
    ) -> PlaceWrite | None:
        """The change ``patch`` makes to ``current`` (the place as the caller read it, with
        ``get``), checked against the principal's rights and ``expected_version`` (the
        caller's If-Match: VersionConflict when ``current`` is at another version); None
        when it changes nothing. ``merged_fields``: the submission's fields a merge took,
        named in the history entry. Nothing written."""
        self.check_editable(principal, current, expected_version)
        updated = apply_patch(current, patch)
        check_patch_allowed(principal, current, updated)
        self._check_categories(patch)
        return self._change(
            actor_of(principal),
            channel,
            current,
            updated,
            action=Action.EDITED,
            comment=comment,
            merged_fields=merged_fields,
        )

    def verify(
        self,
        principal: Principal,
        place_id: str,
        *,
        expected_version: int,
        comment: str | None = None,
    ) -> Place:
        """ "Nothing changed": only ``verified_at`` moves (to now)."""
        current = self._current(principal, place_id, expected_version)
        require(
            principal.role is not Role.VOLUNTEER,
            "volunteers do not verify places",
            code="role_required",
        )
        updated = current.model_copy(update={"verified_at": self._clock.now()})
        return self._write(principal, current, updated, Action.VERIFIED, comment)

    def delete(
        self,
        principal: Principal,
        place_id: str,
        *,
        expected_version: int,
        comment: str | None = None,
    ) -> Place:
        """Soft delete: the place goes offline (its history stays; an admin can bring it back)."""
        current = self._current(principal, place_id, expected_version)
        require(
            can_change_status(principal, current, PlaceStatus.OFFLINE),
            "you may not take this place offline",
            code="out_of_scope",
        )
        updated = current.model_copy(update={"status": PlaceStatus.OFFLINE})
        return self._write(principal, current, updated, Action.DELETED, comment)

    def _current(self, principal: Principal, place_id: str, expected_version: int) -> Place:
        current = self.get(principal, place_id)
        self.check_editable(principal, current, expected_version)
        return current

    @staticmethod
    def check_editable(principal: Principal, current: Place, expected_version: int) -> None:
        """The principal may edit ``current``, read at ``expected_version`` (the If-Match):
        Forbidden, or VersionConflict naming the version read."""
        require(can_edit_place(principal, current), OUT_OF_SCOPE, code="out_of_scope")
        _check_version(current, expected_version)

    def _write(
        self,
        principal: Principal,
        current: Place,
        updated: Place,
        action: Action,
        comment: str | None,
    ) -> Place:
        change = self._change(
            actor_of(principal), Channel.ADMIN, current, updated, action=action, comment=comment
        )
        return self._commit_one(change, current)

    def reconcile(
        self, principal: Principal, place_id: str, request: ReconcileRequest
    ) -> tuple[ReconcileReport, Place]:
        """Bring the place back into step with its history (admins only; see
        chalicelib/domain/places/reconcile.py): the step after a point-in-time restore."""
        return PlaceReconciler(self._store, self._clock).reconcile(
            principal,
            place_id,
            prefer=request.prefer,
            comment=request.comment,
            dry_run=request.dry_run,
        )

    # Self-update (chalicelib/domain/selfupdate): the structure, through its signed link ----

    def apply_self_update(
        self,
        current: Place,
        *,
        expected_version: int,
        patch: PlacePatch | None,
        actor: Actor,
        sections: tuple[Section, ...] | None = None,
    ) -> Place:
        """A structure's own change (``patch``) or "nothing changed" (``None``), on the same
        versioned, history-writing path as back-office edits, with channel ``self-update``;
        ``verified_at`` moves to now either way, and the history entry records the
        ``sections`` the link asked to check. The caller (SelfUpdateService) has checked the
        link, read ``current`` (the place it names) and limits the patch to the fields a
        structure may edit."""
        _check_version(current, expected_version)
        updated = apply_patch(current, patch) if patch is not None else current
        updated = updated.model_copy(update={"verified_at": self._clock.now()})
        action = Action.EDITED if patch is not None else Action.VERIFIED
        change = self._change(
            actor,
            Channel.SELF_UPDATE,
            current,
            updated,
            action=action,
            comment=None,
            sections=sections,
        )
        return self._commit_one(change, current)

    # Commit ------------------------------------------------------------------------------

    def commit(self, transaction: PlaceTransaction, change: PlaceWrite | None = None) -> None:
        """Commit ``transaction``, which holds ``change`` (when given) among its writes.

        ``HistoryAhead`` on the change's place (a write the store lost, a restore of the
        places table) means no write could succeed, and a 409 naming the place's version
        would send a retrying client round for ever: the place is rolled forward to the
        writes its history acknowledges, and the 409 names the version that now succeeds.
        """
        try:
            transaction.commit()
        except HistoryAhead:
            if change is None:
                raise
            place_id = change.place.id
            version = PlaceReconciler(self._store, self._clock).roll_forward(place_id)
            raise VersionConflict(
                f"place {place_id!r} is at version {version}, not {change.expected_version}",
                current_version=version,
            ) from None

    def _commit_one(self, change: PlaceWrite | None, current: Place) -> Place:
        if change is None:
            return current  # nothing to write, and no version spent on it
        transaction = self._store.transaction()
        transaction.write(change)
        self.commit(transaction, change)
        return change.place

    def _change(
        self,
        actor: Actor,
        channel: Channel,
        current: Place,
        updated: Place,
        *,
        action: Action,
        comment: str | None,
        sections: tuple[Section, ...] | None = None,
        merged_fields: Sequence[str] | None = None,
    ) -> PlaceWrite | None:
        """``current`` becoming ``updated`` as a write (next version, its history entry);
        None when nothing changes."""
        changes = diff_places(current, updated)
        if not changes:
            return None
        now = self._clock.now()
        new = updated.model_copy(update={"version": current.version + 1, "updated_at": now})
        entry = HistoryEntry(
            place_id=current.id,
            version=new.version,
            at=now,
            actor=actor,
            channel=channel,
            action=action,
            changes=changes,
            comment=comment,
            sections=sections,
            merged_fields=list(merged_fields) if merged_fields is not None else None,
        )
        return PlaceWrite(before=current, place=new, entry=entry)

    def _check_categories(self, content: PlaceContent) -> None:
        for service in content.services or []:
            if service.category not in self._taxonomy:
                raise InvalidInput(
                    f"unknown category {service.category!r}; see GET /categories",
                    field="services.category",
                )


def _check_version(current: Place, expected_version: int) -> None:
    """The one check of the caller's If-Match (the store's write condition only guards
    against a writer in between)."""
    if current.version != expected_version:
        raise VersionConflict(
            f"place {current.id!r} is at version {current.version}, not {expected_version}",
            current_version=current.version,
        )


def apply_patch(place: Place, patch: PlaceContent) -> Place:
    """The place with the patch's fields replaced (validated as a whole place again)."""
    data = place.model_dump()
    data.update(patch.model_dump(include=patch.model_fields_set))
    return Place.model_validate(data)


def check_patch_allowed(principal: Principal, current: Place, updated: Place) -> None:
    """The principal may make this change: status changes and moves have rules of their own."""
    if updated.status is not current.status:
        require(
            can_change_status(principal, current, updated.status),
            "volunteers cannot change a status"
            if principal.role is Role.VOLUNTEER
            else OUT_OF_SCOPE,
            code="out_of_scope" if principal.role is not Role.VOLUNTEER else "role_required",
        )
    new_department = place_department(updated)
    if new_department != place_department(current):
        require(
            can_move_place(principal, current, new_department),
            f"department {new_department} is outside your territory",
            code="out_of_scope",
        )
