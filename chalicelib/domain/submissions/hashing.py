"""Keyed hashes of submissions (client addresses, payloads) and the signed queue cursors made
with the same key."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime

from chalicelib.domain import bounded_json, cursors
from chalicelib.domain.errors import InvalidCursor
from chalicelib.domain.submissions.models import QueuePosition, SubmissionForm, SubmissionKind
from chalicelib.domain.submissions.status import SubmissionStatus


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
