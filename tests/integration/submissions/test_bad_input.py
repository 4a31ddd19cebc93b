"""Bad input on every submissions route is a 4xx JSON error ({code, message, field}), never
a 500: malformed bodies, wrong types, unknown fields, bad ids, bad query strings, bad ETags."""

from __future__ import annotations

import json

import pytest

from chalicelib.domain.auth import Role
from tests.integration.backoffice.conftest import bearer, token
from tests.integration.submissions.conftest import SubmissionApi
from tests.integration.submissions.test_intake_api import form

ADMIN = bearer(token(Role.ADMIN, (), "admin-1"))
GOOD = "SUBMISSION"  # replaced by a real pending submission's id
MERGE = {"place_id": "pne-25", "place_version": 1}

CASES: list[tuple[str, str, object, int | None, int]] = [
    # Intake
    ("POST", "/submissions", "{not json", None, 400),
    ("POST", "/submissions", "[1, 2]", None, 400),
    ("POST", "/submissions", "", None, 400),
    ("POST", "/submissions", {"content": "x"}, None, 400),
    ("POST", "/submissions", {**form(), "extra": 1}, None, 400),
    ("POST", "/submissions", form(name=12), None, 400),
    ("POST", "/submissions", form(categories=[]), None, 400),
    ("POST", "/submissions", form(location={"lat": 123, "lon": 2}), None, 400),
    ("POST", "/submissions", form(submitter={"email": "nope", "consent": True}), None, 400),
    ("POST", "/submissions", form(submitter={"email": "a@b.org"}), None, 400),
    ("POST", "/submissions", form(description="x" * 40_000), None, 413),
    ("POST", "/submissions?debug=1", form(), None, 400),
    ("POST", "/places/pne-01/suggestions", {}, None, 400),
    ("POST", "/places/pne-01/suggestions", {"content": {"hours": "always"}}, None, 400),
    ("POST", "/places/unknown-place/suggestions", {"message": "x"}, None, 404),
    ("POST", "/places/" + "x" * 80 + "/suggestions", {"message": "x"}, None, 400),
    ("GET", "/submissions/" + "x" * 80, None, None, 400),
    ("GET", "/submissions/unknown", None, None, 404),
    ("GET", f"/submissions/{GOOD}?x=1", None, None, 400),
    # Moderation
    ("GET", "/admin/submissions?status=bogus", None, None, 400),
    ("GET", "/admin/submissions?department=xx", None, None, 400),
    ("GET", "/admin/submissions?limit=abc", None, None, 400),
    ("GET", "/admin/submissions?cursor=", None, None, 400),
    ("GET", "/admin/submissions?cursor=" + "y" * 1200, None, None, 400),
    ("GET", "/admin/submissions?sort=new", None, None, 400),
    ("GET", "/admin/submissions/" + "x" * 80, None, None, 400),
    ("GET", "/admin/submissions/unknown", None, None, 404),
    ("POST", f"/admin/submissions/{GOOD}/approve", {}, None, 428),
    ("POST", f"/admin/submissions/{GOOD}/approve", {}, -1, 400),
    ("POST", f"/admin/submissions/{GOOD}/approve", "{oops", 1, 400),
    ("POST", f"/admin/submissions/{GOOD}/approve", "[]", 1, 400),
    ("POST", f"/admin/submissions/{GOOD}/approve", {"status": "bogus"}, 1, 400),
    ("POST", f"/admin/submissions/{GOOD}/approve", {"edits": {"name": 3}}, 1, 400),
    ("POST", f"/admin/submissions/{GOOD}/approve", {"edits": "x"}, 1, 400),
    ("POST", f"/admin/submissions/{GOOD}/approve", {"unknown": 1}, 1, 400),
    ("POST", f"/admin/submissions/{GOOD}/approve", {}, 7, 409),
    ("POST", "/admin/submissions/unknown/approve", {}, 1, 404),
    ("POST", f"/admin/submissions/{GOOD}/merge", {}, 1, 400),
    ("POST", f"/admin/submissions/{GOOD}/merge", {"place_id": "a b", "place_version": 1}, 1, 400),
    ("POST", f"/admin/submissions/{GOOD}/merge", {"place_id": "pne-1", "place_version": 0}, 1, 400),
    ("POST", f"/admin/submissions/{GOOD}/merge", {"place_id": "nope", "place_version": 1}, 1, 404),
    ("POST", f"/admin/submissions/{GOOD}/merge", {**MERGE, "fields": ["bogus"]}, 1, 400),
    ("POST", f"/admin/submissions/{GOOD}/merge", {**MERGE, "fields": ["submitter"]}, 1, 400),
    ("POST", f"/admin/submissions/{GOOD}/merge", {**MERGE, "fields": ["hours"]}, 1, 400),
    ("POST", f"/admin/submissions/{GOOD}/merge", {**MERGE, "fields": "name"}, 1, 400),
    ("POST", f"/admin/submissions/{GOOD}/merge", {**MERGE, "fields": ["name"] * 11}, 1, 400),
    ("GET", f"/admin/submissions/{GOOD}/merge-preview", None, None, 400),
    ("GET", f"/admin/submissions/{GOOD}/merge-preview?place_id=a%20b", None, None, 400),
    ("GET", f"/admin/submissions/{GOOD}/merge-preview?place_id=nope", None, None, 404),
    ("GET", f"/admin/submissions/{GOOD}/merge-preview?place_id=pne-25&x=1", None, None, 400),
    ("GET", "/admin/submissions/unknown/merge-preview?place_id=pne-25", None, None, 404),
    ("POST", f"/admin/submissions/{GOOD}/reject", {"reason": ""}, 1, 400),
    ("POST", f"/admin/submissions/{GOOD}/reject", {"reason": "x" * 2000}, 1, 400),
    ("POST", f"/admin/submissions/{GOOD}/reject", {"reason": ["x"]}, 1, 400),
    ("GET", "/admin/submission-figures?department=999", None, None, 400),
    ("GET", "/admin/submission-figures?region=11", None, None, 400),
]


@pytest.mark.parametrize("case", CASES, ids=[f"{c[0]} {c[1][:60]} {c[4]}" for c in CASES])
def test_bad_input_is_a_json_client_error(
    sub_api: SubmissionApi, case: tuple[str, str, object, int | None, int]
) -> None:
    method, path, body, if_match, expected = case
    status, receipt = sub_api.call("POST", "/submissions", body=form())
    assert status == 202
    path = path.replace(GOOD, receipt["id"])
    headers = {"Content-Type": "application/json", **ADMIN}
    if if_match is not None:
        headers["If-Match"] = f'"{if_match}"' if if_match >= 0 else "abc"
    raw = body if isinstance(body, str) else json.dumps(body) if body is not None else ""
    response = sub_api.client.http.request(method, path, headers=headers, body=raw.encode())
    assert response.status_code == expected, response.body
    error = json.loads(response.body)
    assert isinstance(error["code"], str) and isinstance(error["message"], str)
    assert sub_api.submissions.get(receipt["id"]).status == "pending"
