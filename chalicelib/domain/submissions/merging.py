"""Merging a submission into an existing place, field by field (docs/submissions.md, "Merge").

Pure functions: what the submission proposes for each mergeable field beside the place's
current value (the moderator's preview), which fields a merge takes (the moderator's
``fields``, or by default only those empty on the place), and the place patch for them.

Mergeable fields are place fields the public form can fill: ``name``, ``description``,
``organisation``, ``address``, ``location``, ``services`` (the proposed categories, added to
the place's services, never replacing them), ``hours`` and the public contacts one by one
(``contacts.phones``, ``contacts.email``, ``contacts.website``: a proposed phone never
clears the place's email). The submitter's own contact is not a place field and never one.
A submission never empties a field: an empty proposed value is no proposal.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pydantic import Field, JsonValue

from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.hours.models import DomainModel, WeeklyHours
from chalicelib.domain.places.editing import PlaceContent, apply_patch
from chalicelib.domain.places.models import Place
from chalicelib.domain.submissions.models import Submission
from chalicelib.domain.submissions.place_fields import merged_services, submitted_address


class MergeField(StrEnum):
    """A field a merge may take from a submission (in the order a preview lists them)."""

    NAME = "name"
    DESCRIPTION = "description"
    ORGANISATION = "organisation"
    ADDRESS = "address"
    LOCATION = "location"
    SERVICES = "services"
    HOURS = "hours"
    PHONES = "contacts.phones"
    EMAIL = "contacts.email"
    WEBSITE = "contacts.website"


_NAMES = frozenset(field.value for field in MergeField)
_CONTACT_FIELDS = {
    MergeField.PHONES: "phones",
    MergeField.EMAIL: "email",
    MergeField.WEBSITE: "website",
}


class FieldDifference(DomainModel):
    """One field the submission proposes, beside the place's value."""

    field: MergeField
    current: JsonValue = Field(description="The place's value now.")
    submitted: JsonValue = Field(
        description="The place's value if this field is taken (for `services`: the place's "
        "services plus one per proposed category it lacks; none is removed)."
    )
    current_empty: bool = Field(description="The place has no value for this field.")
    differs: bool = Field(description="Taking the field would change the place.")
    default: bool = Field(
        description="Taken by a merge without `fields`: the place's value is empty and the "
        "submission's differs (fill, never overwrite)."
    )


class MergePreview(DomainModel):
    """What a merge of this submission into this place could take (moderators only).

    Built from the submission's *content*: the submitter's contact never appears."""

    submission_id: str
    submission_version: int = Field(description="Send it as `If-Match` with the merge.")
    place_id: str
    place_version: int = Field(description="Send it as `place_version` with the merge.")
    fields: list[FieldDifference] = Field(
        description="Every field the submission proposes, in a fixed order, with or without "
        "a difference."
    )
    default_fields: list[MergeField] = Field(
        description="What a merge without `fields` takes: the differing fields that are empty "
        "on the place."
    )


@dataclass(frozen=True)
class MergePlan:
    """The fields a merge takes (those picked that change the place, in preview order) and
    the place patch that takes them."""

    fields: list[MergeField]
    patch: dict[str, Any]


def differences(submission: Submission, place: Place) -> list[FieldDifference]:
    """Every field the submission proposes, beside the place's current value."""
    proposed = _proposed_place(submission, place)
    current_json = place.model_dump(mode="json")
    proposed_json = proposed.model_dump(mode="json")
    return [
        FieldDifference(
            field=field,
            current=_value(current_json, field),
            submitted=_value(proposed_json, field),
            current_empty=(empty := _is_empty(place, field)),
            differs=(differs := _value(current_json, field) != _value(proposed_json, field)),
            default=empty and differs,
        )
        for field in _proposals(submission, place)
    ]


def preview(submission: Submission, place: Place) -> MergePreview:
    fields = differences(submission, place)
    return MergePreview(
        submission_id=submission.id,
        submission_version=submission.version,
        place_id=place.id,
        place_version=place.version,
        fields=fields,
        default_fields=[d.field for d in fields if d.default],
    )


def select_fields(
    fields: Sequence[FieldDifference], picked: Sequence[str] | None
) -> list[MergeField]:
    """The fields a merge takes: by default (``picked`` None) those empty on the place; else
    those picked. Either way only those that change the place, in preview order.

    A name that is not a mergeable field, or one the submission does not propose, is an
    ``InvalidInput`` on ``fields``; an empty list takes nothing (the decision is recorded).
    """
    if picked is None:
        return [d.field for d in fields if d.default]
    known = {d.field.value: d for d in fields}
    for name in picked:
        if name not in _NAMES:
            mergeable = ", ".join(f.value for f in MergeField)
            raise InvalidInput(
                f"{name!r} is not a mergeable field (mergeable: {mergeable})", field="fields"
            )
        if name not in known:
            proposed = ", ".join(known) or "nothing"
            raise InvalidInput(
                f"the submission proposes no {name} (it proposes: {proposed})", field="fields"
            )
    chosen = set(picked)
    address, location = known.get(MergeField.ADDRESS), known.get(MergeField.LOCATION)
    if (
        MergeField.ADDRESS in chosen
        and address is not None
        and address.differs
        and location is not None
        and location.differs
        and MergeField.LOCATION not in chosen
    ):
        raise InvalidInput(
            "taking the address moves the place: take location too (the submitted address's "
            "point), or neither",
            field="fields",
        )
    return [d.field for d in fields if d.field.value in chosen and d.differs]


def merge_plan(submission: Submission, place: Place, picked: Sequence[str] | None) -> MergePlan:
    """The fields taken and the place patch taking them (only those, whole field groups
    for the place's ``contacts``: the contacts not taken stay as they are)."""
    fields = select_fields(differences(submission, place), picked)
    proposed = _proposed_place(submission, place).model_dump()
    patch: dict[str, Any] = {}
    for field in fields:
        if field in _CONTACT_FIELDS:
            contacts = patch.setdefault("contacts", place.contacts.model_dump())
            contacts[_CONTACT_FIELDS[field]] = proposed["contacts"][_CONTACT_FIELDS[field]]
        else:
            patch[field.value] = proposed[field.value]
    return MergePlan(fields=fields, patch=patch)


def _proposals(submission: Submission, place: Place) -> list[MergeField]:
    """The fields the submission proposes a (non-empty) value for, in ``MergeField`` order."""
    content = submission.content
    proposed: set[MergeField] = set()
    for field, value in (
        (MergeField.NAME, content.name),
        (MergeField.DESCRIPTION, content.description),
        (MergeField.ORGANISATION, content.organisation),
    ):
        if value is not None and value.strip():
            proposed.add(field)
    if content.address is not None:
        proposed.add(MergeField.ADDRESS)
    if submission.location is not None and (
        content.location is not None
        or (content.address is not None and not _same_postal_address(submission, place))
    ):
        # A point geocoded from the place's own address is no proposal of a point.
        proposed.add(MergeField.LOCATION)
    if content.categories:
        proposed.add(MergeField.SERVICES)
    if content.hours is not None and not _hours_empty(content.hours):
        proposed.add(MergeField.HOURS)
    if content.contacts is not None:
        if content.contacts.phones:
            proposed.add(MergeField.PHONES)
        if content.contacts.email:
            proposed.add(MergeField.EMAIL)
        if content.contacts.website:
            proposed.add(MergeField.WEBSITE)
    return [field for field in MergeField if field in proposed]


def _proposed_place(submission: Submission, place: Place) -> Place:
    """The place with every proposal taken (contacts one by one, services added to)."""
    content = submission.content
    data: dict[str, Any] = {}
    for name in ("name", "description", "organisation"):
        value = getattr(content, name)
        if value is not None and value.strip():
            data[name] = value
    if content.address is not None and not _same_postal_address(submission, place):
        data["address"] = submitted_address(submission)
    if MergeField.LOCATION in _proposals(submission, place) and submission.location is not None:
        data["location"] = submission.location.model_dump()
    if content.categories:
        data["services"] = merged_services(place, content.categories)
    if content.hours is not None and not _hours_empty(content.hours):
        data["hours"] = content.hours.model_dump()
    if content.contacts is not None:
        contacts = place.contacts.model_dump()
        for field, key in _CONTACT_FIELDS.items():
            value = getattr(content.contacts, key)
            if value:
                contacts[key] = (
                    [phone.model_dump() for phone in value] if field is MergeField.PHONES else value
                )
        data["contacts"] = contacts
    return apply_patch(place, PlaceContent.model_validate(data))


def _same_postal_address(submission: Submission, place: Place) -> bool:
    """Same street, postal code and city: the place keeps its own (INSEE code, point)."""
    address = submission.content.address
    return address is not None and (address.street, address.postal_code, address.city) == (
        place.address.street,
        place.address.postal_code,
        place.address.city,
    )


def _value(place_json: dict[str, Any], field: MergeField) -> JsonValue:
    value: JsonValue = (
        place_json["contacts"][_CONTACT_FIELDS[field]]
        if field in _CONTACT_FIELDS
        else place_json[field.value]
    )
    return value


def _hours_empty(hours: WeeklyHours) -> bool:
    return hours.is_empty() and not hours.note


def _is_empty(place: Place, field: MergeField) -> bool:
    if field is MergeField.HOURS:
        return _hours_empty(place.hours)
    if field in _CONTACT_FIELDS:
        value: Any = getattr(place.contacts, _CONTACT_FIELDS[field])
    else:
        value = getattr(place, field.value)
    if isinstance(value, str):
        return not value.strip()
    return value is None or value == []
