"""The submitter's contact and the client address never leave the moderation view: not in
any public response, not in the place created from the submission (so in no export, index or
history entry), not in a log line. The decision mail takes it to the mail queue only."""

from __future__ import annotations

import json

import pytest

from chalicelib.domain.auth import Role
from tests.integration.backoffice.conftest import bearer, token
from tests.integration.submissions.conftest import SubmissionApi
from tests.integration.submissions.test_intake_api import form

MODERATOR_75 = bearer(token(Role.TERRITORY_MODERATOR, ("75",), "mod-75"))
SENTINEL_NAME = "Zyxqwv Sentinelle"
SENTINEL_EMAIL = "sentinel-7f3a@example.org"
SENTINEL_PHONE = "07 98 76 54 32"
SENTINELS = (SENTINEL_NAME, SENTINEL_EMAIL, SENTINEL_PHONE, "Zyxqwv", "sentinel-7f3a")


def test_submitter_contact_appears_only_in_the_moderation_view(
    sub_api: SubmissionApi, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    body = form(
        name="Halte Sentinelle",
        location={"lat": 48.8867, "lon": 2.3795},
        submitter={
            "name": SENTINEL_NAME,
            "email": SENTINEL_EMAIL,
            "phone": SENTINEL_PHONE,
            "consent": True,
        },
        message="Je suis bénévole ici.",
    )
    status, receipt = sub_api.call("POST", "/submissions", body=body)
    assert status == 202
    assert not _leaks(str(receipt))
    client_hash = sub_api.submissions.get(receipt["id"]).client_hash

    moderation = sub_api.client.http.get(
        f"/admin/submissions/{receipt['id']}", headers=MODERATOR_75
    ).body.decode()
    assert SENTINEL_EMAIL in moderation  # the one place it shows

    status, decided = sub_api.call(
        "POST",
        f"/admin/submissions/{receipt['id']}/approve",
        MODERATOR_75,
        {"status": "online"},
        if_match=1,
    )
    assert status == 200
    place_id = decided["place"]["id"]
    assert not _leaks(str(decided["place"]))
    # The decision mail is the one other place the address goes: the mail queue, under an
    # id and a context that carry neither the address nor the submitter's name.
    (mail,) = sub_api.mail.messages
    assert mail.to == SENTINEL_EMAIL
    assert not _leaks(mail.id) and not _leaks(json.dumps(mail.context))

    public_pages = [
        f"/places/{place_id}",
        "/search?lat=48.8867&lon=2.3795&radius_km=1&limit=100",
        "/search?q=sentinelle&lat=48.8867&lon=2.3795",
        "/territories/75/places",
        f"/submissions/{receipt['id']}",
    ]
    for path in public_pages:
        page = sub_api.raw(path)
        assert not _leaks(page), path
        assert client_hash not in page, path
        assert "mail_id" not in page and "notified_at" not in page, path
    assert "Halte Sentinelle" in sub_api.raw(f"/places/{place_id}")  # the place is public

    # Everything derived from the place (exports, search index, history) starts from here.
    stored = sub_api.places.get(place_id).model_dump_json()
    assert not _leaks(stored)
    history = sub_api.client.http.get(
        f"/admin/places/{place_id}/history", headers=MODERATOR_75
    ).body.decode()
    assert not _leaks(history)

    logs = capsys.readouterr().out + capsys.readouterr().err + caplog.text
    assert logs  # the request log ran
    assert not _leaks(logs)
    assert client_hash not in logs
    assert "127.0.0.1" not in logs


def test_a_suggestion_keeps_its_submitter_private_too(
    sub_api: SubmissionApi, capsys: pytest.CaptureFixture[str]
) -> None:
    suggestion = {
        "content": {"description": "Ouvert aussi le samedi."},
        "submitter": {"email": SENTINEL_EMAIL, "consent": True},
    }
    status, receipt = sub_api.call("POST", "/places/pne-02/suggestions", body=suggestion)
    assert status == 202
    place = sub_api.places.get("pne-02")
    status, _ = sub_api.call(
        "POST",
        f"/admin/submissions/{receipt['id']}/approve",
        MODERATOR_75,
        {"place_version": place.version},
        if_match=1,
    )
    assert status == 200
    assert [mail.to for mail in sub_api.mail.messages] == [SENTINEL_EMAIL]
    assert not _leaks(sub_api.raw("/places/pne-02"))
    assert not _leaks(sub_api.raw(f"/submissions/{receipt['id']}"))
    assert not _leaks(sub_api.places.get("pne-02").model_dump_json())
    assert not _leaks(capsys.readouterr().out)


def _leaks(text: str) -> bool:
    return any(sentinel.lower() in text.lower() for sentinel in SENTINELS)
