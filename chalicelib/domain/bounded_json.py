"""JSON from outside (request bodies, cursors), parsed only once it is known to be harmless.

``json.loads`` recurses once per nesting level: ``[[[[...`` 10,000 deep raises RecursionError
(a 500) before any validation sees the data, and an unclosed ``[[[[`` recurses as deep before
the parser notices the missing end. So the depth is measured first, without recursion, on
the structure alone (brackets inside strings do not count). The scan is linear and runs in C
but for the brackets themselves: strings are removed by one regular expression, then the
running depth of the remaining brackets is accumulated.

What is refused besides, because Python's parser is laxer than JSON (RFC 8259):

- ``NaN``, ``Infinity``, ``-Infinity`` (not JSON; they would reach models as floats);
- numbers that overflow a float (``1e999`` would become ``inf``);
- integers beyond ±(2**53 - 1), the range every JSON implementation reads exactly (§6);
- anything but UTF-8 (§8.1; ``json.loads`` would otherwise guess UTF-16 or UTF-32);
- an escaped lone surrogate (``"\\ud800"``): valid JSON syntax, but a string no UTF-8 encoder
  (DynamoDB, our own responses) can write. pydantic's ``str`` refuses it; fields typed
  ``Any`` would not.
"""

from __future__ import annotations

import json
import math
import re
from itertools import accumulate
from typing import Any

MAX_DEPTH = 32
MAX_SAFE_INTEGER = 2**53 - 1

# On UTF-8 bytes: the bytes of '"', '\\', brackets never occur inside a multi-byte sequence
# (those are all >= 0x80), so strings and brackets are found without decoding, and the
# brackets are kept by ``bytes.translate`` (C) rather than a regular expression.
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKETS = bytes(byte for byte in range(256) if byte not in b"[]{}")
_STEP = [0] * 256
_STEP[ord("[")] = _STEP[ord("{")] = 1
_STEP[ord("]")] = _STEP[ord("}")] = -1
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


class JsonRejected(ValueError):
    """Text that is not JSON, or JSON this service does not read. ``reason`` is written for
    the caller: it never quotes the text."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def nesting_depth(data: bytes | str) -> int:
    """The deepest nesting of arrays and objects in ``data``, counting only brackets outside
    strings. For malformed text the figure is meaningless but finite (the parser then says
    what is wrong); it never raises. About 50 ms for a megabyte of ``[],[],...`` here, less
    than ``json.loads`` of the same."""
    raw = data if isinstance(data, bytes) else data.encode("utf-8", errors="surrogatepass")
    brackets = _STRING.sub(b"", raw).translate(None, _NOT_BRACKETS)
    return max(0, max(accumulate(map(_STEP.__getitem__, brackets)), default=0))


def loads(raw: bytes | str, *, max_depth: int = MAX_DEPTH) -> Any:
    """The value ``raw`` holds, or JsonRejected: depth checked before parsing, numbers and
    encoding checked while parsing. Never RecursionError, OverflowError or UnicodeError."""
    if nesting_depth(raw) > max_depth:
        raise JsonRejected(f"the JSON is nested deeper than {max_depth} levels")
    if isinstance(raw, bytes):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise JsonRejected("the text is not UTF-8") from None
    else:
        text = raw
    try:
        value = json.loads(text, parse_constant=_constant, parse_float=_float, parse_int=_int)
    except JsonRejected:
        raise
    except (ValueError, RecursionError):
        # RecursionError cannot come after the depth check; caught so that no future change
        # of the limit turns it back into a 500.
        raise JsonRejected("the text is not valid JSON") from None
    if _SURROGATE_ESCAPE.search(text) and not _encodable(value):
        raise JsonRejected("a string holds a lone surrogate (\\ud800-\\udfff)")
    return value


def _encodable(value: Any) -> bool:
    """Every string (keys included) encodes to UTF-8. Recursive, but on a value whose depth
    was bounded before parsing."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return False
        return True
    if isinstance(value, list):
        return all(_encodable(item) for item in value)
    if isinstance(value, dict):
        return all(_encodable(key) and _encodable(item) for key, item in value.items())
    return True


def _constant(name: str) -> Any:
    raise JsonRejected(f"{name} is not a JSON number")


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise JsonRejected("a number is too large")
    return value


def _int(text: str) -> int:
    # Checked on the digits before int(): Python refuses more than 4,300 digits with a
    # ValueError, but converting 4,000 of them still costs quadratic time.
    if len(text.lstrip("-")) > 16:
        raise JsonRejected("an integer is beyond ±(2**53 - 1)")
    value = int(text)
    if abs(value) > MAX_SAFE_INTEGER:
        raise JsonRejected("an integer is beyond ±(2**53 - 1)")
    return value
