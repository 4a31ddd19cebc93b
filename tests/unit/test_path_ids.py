"""One check for ids in paths (chalicelib/api/path_ids.py)."""

from __future__ import annotations

import pytest

from chalicelib.api.path_ids import IdKind, checked_id
from chalicelib.domain.errors import InvalidInput


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("pne-01", IdKind.PLACE),
        ("c0123abcd", IdKind.CAMPAIGN),
        ("exp-0001-aaaa", IdKind.EXPORT),
        ("s_1", IdKind.SUBMISSION),
        ("a1", IdKind.ANNOUNCEMENT),
    ],
)
def test_well_formed_ids_pass(value: str, kind: IdKind) -> None:
    assert checked_id(value, kind) == value


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        # The back office's own check used re.match: "$" matched before a final newline.
        ("pne-01\n", IdKind.PLACE),
        ("", IdKind.PLACE),
        ("x" * 65, IdKind.SUBMISSION),
        ("C0123", IdKind.CAMPAIGN),  # campaign ids are lower-case hex digests
        ("../etc", IdKind.EXPORT),
    ],
)
def test_malformed_ids_are_a_400_naming_the_kind(value: str, kind: IdKind) -> None:
    with pytest.raises(InvalidInput, match=f"malformed {kind.value} id") as raised:
        checked_id(value, kind)
    assert raised.value.field == "id"
