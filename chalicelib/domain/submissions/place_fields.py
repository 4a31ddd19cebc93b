"""A submission as place fields: those of a new place, or a patch of an existing one that
changes only what differs and never removes what the public form cannot express."""

from __future__ import annotations

from typing import Any

from chalicelib.domain.hours.models import DomainModel
from chalicelib.domain.places.editing import PlaceContent
from chalicelib.domain.places.models import Address, Contacts, Place, Service
from chalicelib.domain.submissions.models import Submission, SubmittedContent


def new_place_fields(submission: Submission) -> dict[str, Any]:
    data = _content_fields(submission)
    data["sources"] = [{"name": "submission", "external_id": submission.id}]
    return data


def patch_fields(submission: Submission, current: Place) -> dict[str, Any]:
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
        data["services"] = merged_services(current, submission.content.categories)
    if submission.content.contacts is not None:
        data["contacts"] = merged_contacts(current, submission.content.contacts)
    existing = current.model_dump()
    return {
        k: v
        for k, v in data.items()
        if PlaceContent.model_validate({k: v}).model_dump(include={k})[k] != existing.get(k)
    }


def _services(categories: list[str]) -> list[dict[str, Any]]:
    return [
        Service(id=f"s{number}", category=category).model_dump()
        for number, category in enumerate(categories, start=1)
    ]


def submitted_address(submission: Submission) -> dict[str, Any] | None:
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
    address = submitted_address(submission)
    if address is not None:
        data["address"] = address
    if submission.location is not None and (content.location or content.address):
        data["location"] = submission.location.model_dump()
    if content.categories is not None:
        data["services"] = _services(content.categories)
    return data


def merged_contacts(current: Place, submitted: Contacts) -> dict[str, Any]:
    """The place's contacts with what the public proposes on top, part by part: a
    suggestion giving a new phone never clears the place's e-mail or website."""
    merged = current.contacts.model_dump()
    if submitted.phones:
        merged["phones"] = [phone.model_dump() for phone in submitted.phones]
    if submitted.email:
        merged["email"] = submitted.email
    if submitted.website:
        merged["website"] = submitted.website
    return merged


def merged_services(current: Place, categories: list[str]) -> list[dict[str, Any]]:
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
