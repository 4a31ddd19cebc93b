"""JSON from outside is measured before it is parsed: no RecursionError, no float('inf'), no
NaN, no UTF-16 guess, whatever the text."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain.bounded_json import MAX_DEPTH, JsonRejected, loads, nesting_depth

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4)
    ),
    max_leaves=20,
)


def _depth(value: Any) -> int:
    if isinstance(value, list):
        return 1 + max((_depth(item) for item in value), default=0)
    if isinstance(value, dict):
        return 1 + max((_depth(item) for item in value.values()), default=0)
    return 0


@given(JSON_VALUES)
def test_the_scan_measures_the_depth_json_itself_would_reach(value: Any) -> None:
    text = json.dumps(value, ensure_ascii=False)

    assert nesting_depth(text) == _depth(value)
    assert loads(text.encode()) == value


def test_brackets_inside_strings_do_not_count() -> None:
    assert nesting_depth(r'{"a": "[[[[{{{{\"]]]]"}') == 1


@pytest.mark.parametrize(
    "raw",
    [
        b"[" * 10_000,
        b"[" * 10_000 + b"]" * 10_000,
        b'{"a":' * 10_000 + b"1" + b"}" * 10_000,
        b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1),
    ],
    ids=["unclosed arrays", "deep arrays", "deep objects", "one level too deep"],
)
def test_deep_nesting_is_refused_before_parsing(raw: bytes) -> None:
    with pytest.raises(JsonRejected, match="nested deeper"):
        loads(raw)


def test_the_limit_itself_is_accepted() -> None:
    assert loads(b"[" * MAX_DEPTH + b"]" * MAX_DEPTH) is not None


@pytest.mark.parametrize(
    "raw",
    [
        b"NaN",
        b'{"lat": NaN}',
        b"[Infinity]",
        b"[-Infinity]",
        b"[1e999]",
        b"[-1e400]",
        b"[9007199254740992]",
        b"[" + b"9" * 5000 + b"]",
        b"\xff\xfe[\x00]\x00",
        b'{"name": "\\ud800"}',
        b'{"\\udfff": 1}',
        b'[["a\\ud83d"]]',
        b'"\xed\xa0\x80"',
        b"{not json",
        b"",
    ],
)
def test_what_python_would_accept_but_json_does_not_is_refused(raw: bytes) -> None:
    with pytest.raises(JsonRejected):
        loads(raw)


def test_an_escaped_surrogate_pair_is_text() -> None:
    assert loads(b'["\\ud83d\\ude00"]') == ["\U0001f600"]


def test_safe_integers_and_unicode_text_pass() -> None:
    assert loads('{"n": 9007199254740991, "name": "Café 75０"}'.encode()) == {
        "n": 9007199254740991,
        "name": "Café 75０",
    }
