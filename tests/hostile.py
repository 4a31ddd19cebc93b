"""Hostile values shared by the edge tests and the bad-input sweep: what a caller can put in a
cursor, a number or a code. Each must be answered with a 4xx JSON error, never a 5xx."""

from __future__ import annotations

import base64
import json


def b64(raw: bytes | str) -> str:
    data = raw.encode() if isinstance(raw, str) else raw
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


_SEARCH_KEY = '{"v":1,"k":%s,"f":"0000000000000000"}'

HOSTILE_CURSORS: dict[str, str] = {
    "non-ASCII": "éééé",
    "right-to-left override": "YWJj\u202e",
    "full-width": "ＹＷＪｊ",
    "padding": "YWJj" + "=",
    "padding only": "====",
    "one char too many": "YWJjZ",
    "standard alphabet": "a+b/",
    "spaces": "YW Jj",
    "non-canonical bits": "YR",
    "not JSON": b64("not json"),
    "a JSON string": b64('"x"'),
    "deep arrays": b64("[" * 700),
    "deep objects": b64('{"a":' * 120),
    "too long": "A" * 5000,
    "NaN score": b64(_SEARCH_KEY % '[NaN,0,"a","b"]'),
    "infinite score": b64(_SEARCH_KEY % '[1e999,0,"a","b"]'),
    "string distance": b64(_SEARCH_KEY % '[0,"12","a","b"]'),
    "huge distance": b64(_SEARCH_KEY % '[0,99999999999999999999999,"a","b"]'),
    "boolean distance": b64(_SEARCH_KEY % '[0,true,"a","b"]'),
    "empty key values": b64(json.dumps({"p": {"id": ""}, "f": "x"})),
    "dynamo key with an empty value": b64(json.dumps({"id": {"S": ""}})),
    "dynamo key with a number": b64(json.dumps({"id": {"N": "1"}})),
    "tag only": ".",
    "non-ASCII tag": b64('["pending",null,"2020-01-01T00:00:00+00:00","s1"]') + "." + "é" * 32,
    "forged tag": b64('["pending",null,"2020-01-01T00:00:00+00:00","s1"]') + "." + "0" * 32,
    "two dots": "YWJj.YWJj.YWJj",
}

UNICODE_DIGIT_CODES = ["7５", "７５", "٧٥", "७५", "75%0A", "2Ａ"]

HOSTILE_NUMBERS = [
    "nan",
    "NaN",
    "inf",
    "-inf",
    "Infinity",
    "1e999",
    "-1e999",
    "9" * 30,
    "７",
    "1e3",
]


def hostile_claims(issued_at: int) -> dict[str, dict[str, object]]:
    """Changes to a token's registered claims that a verifier must refuse even under the right
    signature (a leaked key, an issuer's bug): a claim of the wrong type, an instant
    ``datetime`` cannot hold, a lifetime no issuer of ours gives, a ``nbf`` we never write.
    ``iat`` in the future is not here: the codec reads it, the service refuses it."""
    day = 86_400
    valid_exp = issued_at + day
    return {
        "exp a string": {"exp": str(valid_exp)},
        "iat a string": {"iat": str(issued_at)},
        "exp a float": {"exp": float(valid_exp)},
        "iat a float": {"iat": issued_at + 0.5},
        "exp 1e300": {"exp": 1e300},
        "exp NaN": {"exp": float("nan")},
        "exp an integer of 30 digits": {"exp": 10**30},
        "exp after the year 9999": {"exp": 253_402_300_800},
        "exp 2**63": {"exp": 2**63},
        "exp true": {"exp": True},
        "iat false": {"iat": False},
        "exp a list": {"exp": [valid_exp]},
        "exp before iat": {"exp": issued_at - 1},
        "iat negative": {"iat": -1},
        "a lifetime of 11 years": {"exp": issued_at + 4_000 * day},
        "nbf we never write": {"nbf": issued_at},
        "nbf a string": {"nbf": str(issued_at)},
    }
