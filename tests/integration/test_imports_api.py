"""Imports over HTTP on moto (DynamoDB and S3): an admin creates a job, PUTs the file to the
presigned URL, dry-runs it, reads the report with its ETag and applies it with If-Match; the
places carry their source and an ``import`` history entry; a re-import changes nothing; a
stale report is refused."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
from chalice.test import Client

from chalicelib.adapters.dynamodb.place_repository import DynamoPlaceRepository
from chalicelib.config import get_settings
from chalicelib.domain.clock import FixedClock
from chalicelib.domain.imports.service import place_id_for
from tests import composition_support as roots
from tests.builders import make_place
from tests.conftest import TEST_REGION, TEST_TABLE_PREFIX
from tests.integration.backoffice.conftest import ADMIN, MODERATOR_75
from tests.integration.json_api import JsonApi

NOW = datetime(2026, 12, 4, 10, 15, 30, tzinfo=UTC)
BUCKET = "repere-test-exports"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "imports"


class Api(JsonApi):
    def upload(self, fixture: str, *, fmt: str = "data-inclusion-json") -> str:
        status, created, headers = self.call(
            "POST", "/admin/imports", headers=ADMIN, body={"format": fmt, "source": "exemple"}
        )
        assert status == 201, created
        assert headers["Location"] == f"/admin/imports/{created['job']['id']}"
        put = requests.put(
            created["upload_url"], data=(FIXTURES / fixture).read_bytes(), timeout=10
        )
        assert put.status_code == 200
        job_id: str = created["job"]["id"]
        return job_id

    def dry_run(self, job_id: str) -> tuple[dict[str, Any], str]:
        status, view, headers = self.call("POST", f"/admin/imports/{job_id}/dry-run", headers=ADMIN)
        assert status == 200, view
        return view, headers["ETag"]


@pytest.fixture
def api(dynamodb_tables: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[Api]:
    from app import app

    s3 = boto3.client("s3", region_name=TEST_REGION)
    s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": TEST_REGION})
    monkeypatch.setenv("REPERE_TABLE_PREFIX", TEST_TABLE_PREFIX)
    monkeypatch.setenv("REPERE_EXPORTS_BUCKET", BUCKET)
    get_settings.cache_clear()
    get_settings()
    roots.reset()
    roots.use(clock=FixedClock(NOW))
    try:
        with Client(app, stage_name="local") as client:
            yield Api(client)
    finally:
        roots.reset()
        get_settings.cache_clear()


def test_an_import_is_uploaded_dry_run_and_applied_with_its_etag(api: Api) -> None:
    job_id = api.upload("data_inclusion.json")
    view, etag = api.dry_run(job_id)

    assert view["job"]["status"] == "ready"
    assert etag == f'"{view["job"]["version"]}"'
    outcomes = {e["record"]: e["outcome"] for e in view["report"]["entries"]}
    assert outcomes == {1: "new", 3: "new", 4: "rejected", 5: "rejected", 6: "rejected"}
    assert DynamoPlaceRepository().get_many([place_id_for("exemple", "exemple--s1")]) == {}

    status, read, headers = api.call("GET", f"/admin/imports/{job_id}", headers=ADMIN)
    assert (status, headers["ETag"]) == (200, etag)
    assert read["report"] == view["report"]

    status, applied, _ = api.call(
        "POST", f"/admin/imports/{job_id}/apply", headers={**ADMIN, "If-Match": etag}
    )
    assert status == 200, applied
    assert applied["job"]["summary"]["created"] == 2
    place_id = place_id_for("exemple", "exemple--s1")
    status, history, _ = api.call("GET", f"/admin/places/{place_id}/history", headers=ADMIN)
    assert status == 200
    assert [(e["channel"], e["action"]) for e in history["entries"]] == [("import", "created")]
    status, place, _ = api.call("GET", f"/admin/places/{place_id}", headers=ADMIN)
    assert place["sources"] == [{"name": "exemple", "external_id": "exemple--s1", "url": None}]

    again = api.upload("data_inclusion.json")
    view, etag = api.dry_run(again)
    assert view["job"]["summary"]["unchanged"] == 2
    assert view["job"]["summary"]["new"] == 0


def test_an_apply_needs_the_etag_of_the_current_report(api: Api) -> None:
    job_id = api.upload("data_inclusion.json")
    _, first = api.dry_run(job_id)
    _, second = api.dry_run(job_id)

    path = f"/admin/imports/{job_id}/apply"
    status, body, _ = api.call("POST", path, headers=ADMIN)
    assert (status, body["code"]) == (428, "version_required")
    status, body, _ = api.call("POST", path, headers={**ADMIN, "If-Match": f"W/{first}"})
    assert status == 412
    status, body, _ = api.call("POST", path, headers={**ADMIN, "If-Match": first})
    assert (status, body["code"]) == (409, "version_conflict")
    assert DynamoPlaceRepository().get_many([place_id_for("exemple", "exemple--s1")]) == {}

    status, body, _ = api.call("POST", path, headers={**ADMIN, "If-Match": second})
    assert status == 200
    status, body, _ = api.call(
        "POST", path, headers={**ADMIN, "If-Match": f'"{body["job"]["version"]}"'}
    )
    assert (status, body["code"]) == (409, "import_applied")


def test_a_place_edited_after_the_dry_run_is_reported_as_a_conflict(api: Api) -> None:
    DynamoPlaceRepository().load_fresh(
        [make_place("p-canal", name="Epicerie solidaire Canal", lat=48.8854, lon=2.3723)]
    )
    job_id = api.upload("data_inclusion.json")
    view, etag = api.dry_run(job_id)
    entry = next(e for e in view["report"]["entries"] if e["record"] == 1)
    assert (entry["outcome"], entry["matched_by"], entry["place_id"]) == (
        "update",
        "duplicate",
        "p-canal",
    )
    assert "sources" in {change["field"] for change in entry["changes"]}
    status, _, _ = api.call(
        "PATCH",
        "/admin/places/p-canal",
        headers={**ADMIN, "If-Match": '"1"'},
        body={"internal_note": "rappelé ce matin"},
    )
    assert status == 200

    status, applied, _ = api.call(
        "POST", f"/admin/imports/{job_id}/apply", headers={**ADMIN, "If-Match": etag}
    )

    assert status == 200
    entry = next(e for e in applied["report"]["entries"] if e["record"] == 1)
    assert entry["outcome"] == "conflict"
    place = DynamoPlaceRepository().get("p-canal")
    assert (place.version, place.sources) == (2, [])
    assert applied["job"]["summary"]["created"] == 1  # the other record went in


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"format": "osm-xml", "source": "exemple"}, "invalid_parameter"),
        ({"format": "hsds-json", "source": "Not A Name"}, "invalid_parameter"),
        ({"format": "hsds-json", "source": "exemple", "extra": 1}, "unknown_parameter"),
    ],
    ids=["unknown-format", "bad-source", "unknown-field"],
)
def test_a_bad_import_request_is_a_400(api: Api, body: dict[str, Any], code: str) -> None:
    status, answer, _ = api.call("POST", "/admin/imports", headers=ADMIN, body=body)
    assert status == 400
    assert answer["code"] == code


def test_imports_are_for_admins_and_a_dry_run_needs_the_file(api: Api) -> None:
    status, _, _ = api.call(
        "POST",
        "/admin/imports",
        headers=MODERATOR_75,
        body={"format": "data-inclusion-json", "source": "exemple"},
    )
    assert status == 403
    status, created, _ = api.call(
        "POST",
        "/admin/imports",
        headers=ADMIN,
        body={"format": "soliguide-json", "source": "soliguide"},
    )
    job_id = created["job"]["id"]
    status, body, _ = api.call("POST", f"/admin/imports/{job_id}/dry-run", headers=ADMIN)
    assert (status, body["code"]) == (409, "not_uploaded")
    status, body, _ = api.call("GET", "/admin/imports/nope", headers=ADMIN)
    assert status == 404
    status, body, _ = api.call("GET", "/admin/imports/a%20b", headers=ADMIN)
    assert status == 400


CALLER = {"subject": "ops-1", "role": "admin", "departments": []}


def test_the_imports_worker_dry_runs_and_applies_a_job_created_over_http(api: Api) -> None:
    from functions.imports import handler

    job_id = api.upload("soliguide.json", fmt="soliguide-json")

    ran = handler({"caller": CALLER, "import_id": job_id, "action": "dry-run"}, None)
    assert ran["ok"] is True, ran
    assert (ran["summary"]["new"], ran["summary"]["rejected"]) == (2, 3)
    version = ran["job"]["version"]
    stale = handler(
        {"caller": CALLER, "import_id": job_id, "action": "apply", "version": version - 1}, None
    )
    assert stale["ok"] is False
    assert stale["error"]["code"] == "version_conflict"

    applied = handler(
        {"caller": CALLER, "import_id": job_id, "action": "apply", "version": version}, None
    )

    assert applied["ok"] is True
    assert applied["summary"]["created"] == 2
    status, read, headers = api.call("GET", f"/admin/imports/{job_id}", headers=ADMIN)
    assert (status, read["job"]["status"]) == (200, "applied")
    assert headers["ETag"] == f'"{version + 1}"'
    place = DynamoPlaceRepository().get(place_id_for("exemple", "90001"))
    assert place.sources[0].external_id == "90001"


@pytest.mark.parametrize(
    "event",
    [
        {"caller": CALLER, "import_id": "x", "action": "apply"},
        {"caller": CALLER, "import_id": "x", "action": "delete"},
        {"caller": {"subject": "v", "role": "root"}, "import_id": "x", "action": "dry-run"},
        {"import_id": "../x", "action": "dry-run"},
    ],
    ids=["apply-without-version", "unknown-action", "unknown-role", "bad-id"],
)
def test_the_imports_worker_refuses_a_malformed_event(api: Api, event: dict[str, Any]) -> None:
    from functions.imports import handler

    assert handler(event, None)["ok"] is False


def test_the_imports_worker_runs_for_admins_only(api: Api) -> None:
    from functions.imports import handler

    job_id = api.upload("soliguide.json", fmt="soliguide-json")
    moderator = {"subject": "m", "role": "territory_moderator", "departments": ["75"]}

    answer = handler({"caller": moderator, "import_id": job_id, "action": "dry-run"}, None)

    assert answer["ok"] is False
    assert answer["error"]["code"] == "role_required"
