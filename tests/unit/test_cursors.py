"""Every cursor decoder answers InvalidCursor (400 invalid_cursor) for anything it did not
hand out, and nothing else: no TypeError from compare_digest, no RecursionError, no
OverflowError, no padding games."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chalicelib.adapters.dynamodb.export_repository import decode_cursor as decode_export
from chalicelib.adapters.dynamodb.export_repository import encode_cursor as encode_export
from chalicelib.domain import cursors
from chalicelib.domain.errors import InvalidCursor
from chalicelib.domain.places.listing import PlaceFilter, decode_position, encode_position
from chalicelib.domain.search.cursor import decode_cursor as decode_search
from chalicelib.domain.search.cursor import encode_cursor as encode_search
from chalicelib.domain.submissions.models import QueuePosition
from chalicelib.domain.submissions.service import ClientHasher, QueueCursors
from chalicelib.domain.submissions.status import SubmissionStatus
from tests.hostile import HOSTILE_CURSORS

QUEUE = QueueCursors(ClientHasher(b"unit-test-secret-unit-test"))
LISTING = PlaceFilter(department="75")
FINGERPRINT = "0000000000000000"


def _decoders() -> dict[str, object]:
    return {
        "search": lambda c: decode_search(c, FINGERPRINT),
        "admin listing": lambda c: decode_position(c, LISTING),
        "exports": decode_export,
        "moderation queue": lambda c: QUEUE.decode(c, SubmissionStatus.PENDING, None),
    }


@pytest.mark.parametrize("decoder", list(_decoders()))
@pytest.mark.parametrize("case", list(HOSTILE_CURSORS))
def test_a_hostile_cursor_is_an_invalid_cursor(decoder: str, case: str) -> None:
    decode = _decoders()[decoder]
    with pytest.raises(InvalidCursor) as raised:
        decode(HOSTILE_CURSORS[case])  # type: ignore[operator]
    assert raised.value.code == "invalid_cursor"
    assert raised.value.field == "cursor"


def test_cursors_we_hand_out_still_decode() -> None:
    key = (0.5, 120, "Accueil", "p1")
    assert decode_search(encode_search(key, FINGERPRINT), FINGERPRINT) == key
    position = {"department": "75", "verified_key": "2020#p1", "id": "p1"}
    assert decode_position(encode_position(position, LISTING), LISTING) == position
    dynamo_key = {"id": {"S": "e1"}, "listed": {"S": "1"}}
    assert decode_export(encode_export(dynamo_key)) == dynamo_key
    after = QueuePosition(created_at=datetime(2020, 3, 17, tzinfo=UTC), id="s1")
    encoded = QUEUE.encode(after, SubmissionStatus.PENDING, "75")
    assert QUEUE.decode(encoded, SubmissionStatus.PENDING, "75") == after


def test_a_queue_cursor_with_one_tag_character_changed_is_refused() -> None:
    after = QueuePosition(created_at=datetime(2020, 3, 17, tzinfo=UTC), id="s1")
    encoded = QUEUE.encode(after, SubmissionStatus.PENDING, None)
    flipped = encoded[:-1] + ("0" if encoded[-1] != "0" else "1")
    with pytest.raises(InvalidCursor):
        QUEUE.decode(flipped, SubmissionStatus.PENDING, None)


def test_a_cursor_of_another_queue_is_refused() -> None:
    after = QueuePosition(created_at=datetime(2020, 3, 17, tzinfo=UTC), id="s1")
    encoded = QUEUE.encode(after, SubmissionStatus.PENDING, "75")
    with pytest.raises(InvalidCursor, match="another queue"):
        QUEUE.decode(encoded, SubmissionStatus.PENDING, "93")


def test_tags_are_compared_on_bytes() -> None:
    assert cursors.same_tag("abc", "abc")
    assert not cursors.same_tag("é" * 3, "abc")
    assert not cursors.same_tag("\ud800", "abc")


def test_the_longest_search_cursor_nested_all_the_way_is_refused_on_either_engine() -> None:
    from chalicelib.adapters.opensearch.cursor import decode as decode_opensearch
    from chalicelib.api.params import SearchParams
    from chalicelib.domain.errors import InvalidInput

    deepest = cursors.encode_bytes(b"[" * 750)
    assert len(deepest) == 1000
    SearchParams.model_validate({"department": "75", "cursor": deepest})  # the longest taken
    with pytest.raises(InvalidCursor):
        SearchParams.model_validate({"department": "75", "cursor": deepest + "AAAA"})
    with pytest.raises(InvalidCursor):
        decode_search(deepest, FINGERPRINT)
    with pytest.raises(InvalidInput):  # the OpenSearch adapter's own reader, v2 cursors
        decode_opensearch(deepest, FINGERPRINT)
