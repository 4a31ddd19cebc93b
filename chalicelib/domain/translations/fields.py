"""Which texts of a place are translated, named by their path in the place.

Defined once: the worker translates these, the public views show their translations, the
moderators' corrections name them. Adding a translatable text is one line below (a service's
``temporary_message.text``, say). Names, organisations and addresses are never translated:
people show them at a door, read them on a sign or type them into a map.

Paths: ``description``, ``temporary_message.text``...; a service's texts are
``services.<service id>.<path in the service>`` (``services.douche.description``). An
announcement's texts are its ``title`` and ``body`` (the lockdown's pop-up is the first text a
reader sees).
"""

from __future__ import annotations

import hashlib
from typing import Any

from pydantic import BaseModel

PLACE_FIELDS: tuple[str, ...] = (
    "description",
    "temporary_message.text",
    "temporary_closure.reason",
    "audience.other",
    "modalities.price_note",
)
SERVICE_FIELDS: tuple[str, ...] = (
    "description",
    "temporary_message.text",  # a service's own message (docs/hours.md)
    "temporary_closure.reason",
    "audience.other",
    "modalities.price_note",
)
ANNOUNCEMENT_FIELDS: tuple[str, ...] = ("title", "body")
SERVICES = "services"
ANNOUNCEMENT_OWNER = "announcement#"
"""Translations belong to a place (keyed by its id) or to an announcement (keyed by this
prefix and its id: no place id has a ``#``)."""


def announcement_owner(announcement_id: str) -> str:
    return f"{ANNOUNCEMENT_OWNER}{announcement_id}"


def source_hash(text: str) -> str:
    """What a translation was made from: a French text changed means a new hash."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def _at(model: Any, path: str) -> str | None:
    value: Any = model
    for part in path.split("."):
        value = getattr(value, part, None)
        if value is None:
            return None
    return value if isinstance(value, str) and value.strip() else None


def texts_of(place: Any) -> dict[str, str]:
    """``path -> French text`` of every translatable text the place (or a public view of
    it) has: a ``Place``, a ``PlaceDetail``, a ``PlaceSummary`` (which has fewer)."""
    found: dict[str, str] = {}
    for path in PLACE_FIELDS:
        text = _at(place, path)
        if text is not None:
            found[path] = text
    for service in getattr(place, SERVICES, None) or ():
        for path in SERVICE_FIELDS:
            text = _at(service, path)
            if text is not None:
                found[f"{SERVICES}.{service.id}.{path}"] = text
    return found


def announcement_texts(announcement: Any) -> dict[str, str]:
    """``path -> French text`` of an announcement (or its public view): its title and body."""
    found: dict[str, str] = {}
    for path in ANNOUNCEMENT_FIELDS:
        text = _at(announcement, path)
        if text is not None:
            found[path] = text
    return found


def with_texts(model: BaseModel, texts: dict[str, str]) -> BaseModel:
    """A copy of ``model`` (a public view) whose texts at ``texts``' paths are replaced."""
    if not texts:
        return model
    update: dict[str, Any] = {}
    nested: dict[str, dict[str, str]] = {}
    for path, text in texts.items():
        head, _, rest = path.partition(".")
        if not rest:
            update[head] = text
        else:
            nested.setdefault(head, {})[rest] = text
    for head, inner in nested.items():
        current = getattr(model, head, None)
        if current is None:
            continue
        if head == SERVICES and isinstance(current, list):
            update[head] = [_service_with(service, inner) for service in current]
        elif isinstance(current, BaseModel):
            update[head] = with_texts(current, inner)
    return model.model_copy(update=update)


def _service_with(service: Any, texts: dict[str, str]) -> Any:
    mine = {
        rest: text
        for key, text in texts.items()
        for service_id, _, rest in [key.partition(".")]
        if service_id == service.id
    }
    return with_texts(service, mine) if mine else service
