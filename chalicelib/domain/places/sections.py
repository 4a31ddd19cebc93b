"""Sections of a place's page: the groups of public fields a structure is asked to check
through its self-update link (docs/selfupdate.md), and that an update campaign chooses
(docs/campaigns.md).

A section covers top-level ``Place`` fields (the names the history's ``changes`` use), so
"which sections did this change touch" is read from the same diff the history writes.
The order of ``Section`` is the order the page shows them in, whatever order a campaign
listed them in.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from enum import StrEnum
from types import MappingProxyType


class Section(StrEnum):
    """A part of a place's page a structure is asked to check: ``hours`` (weekly hours),
    ``temporary_info`` (temporary closure, hours, message), ``contacts``, ``description``,
    ``services`` (each service's temporary closure, temporary hours and temporary message)."""

    HOURS = "hours"
    TEMPORARY_INFO = "temporary_info"  # temporary closure, hours, message
    CONTACTS = "contacts"
    DESCRIPTION = "description"
    SERVICES = "services"  # each service's temporary closure, hours and message


SECTION_FIELDS = MappingProxyType(
    {
        Section.HOURS: ("hours",),
        Section.TEMPORARY_INFO: ("temporary_closure", "temporary_hours", "temporary_message"),
        Section.CONTACTS: ("contacts",),
        Section.DESCRIPTION: ("description",),
        Section.SERVICES: ("services",),
    }
)
"""The ``Place`` fields each section covers (all public: what the self-update view shows)."""

ALL_SECTIONS: tuple[Section, ...] = tuple(Section)
"""What a link issued outside any campaign asks."""

_RANK = {section: rank for rank, section in enumerate(Section)}


def in_page_order(sections: Iterable[Section]) -> tuple[Section, ...]:
    """``sections`` once each, in ``Section`` order (a stable order for the page and mails)."""
    return tuple(sorted(set(sections), key=_RANK.__getitem__))


def fields_of(sections: Iterable[Section]) -> tuple[str, ...]:
    """The fields the sections cover, in page order."""
    return tuple(name for section in in_page_order(sections) for name in SECTION_FIELDS[section])


SECTION_OF_FIELD = MappingProxyType(
    {name: section for section, names in SECTION_FIELDS.items() for name in names}
)


def fields_outside(sections: Iterable[Section], changed: Sequence[str]) -> list[str]:
    """The ``changed`` fields (in their order) that none of ``sections`` covers."""
    allowed = set(fields_of(sections))
    return [name for name in changed if name not in allowed]
