"""GET /admin/newsletters/preview: admins anywhere, territory moderators at home."""

from __future__ import annotations

import json

import pytest

from chalicelib.domain.auth import Role
from tests import composition_support as roots
from tests.integration.backoffice.conftest import bearer, token
from tests.integration.newsletters.conftest import NewsletterApi

ADMIN = bearer(token(Role.ADMIN))
MODERATOR_75 = bearer(token(Role.TERRITORY_MODERATOR, ("75",), "mod-75"))
MODERATOR_13 = bearer(token(Role.TERRITORY_MODERATOR, ("13",), "mod-13"))
VOLUNTEER_75 = bearer(token(Role.VOLUNTEER, ("75",), "vol-75"))
PATH = "/admin/newsletters/preview?department=75&week=2026-W47"


def test_an_admin_previews_subject_text_html_and_the_digest(
    newsletter_api: NewsletterApi,
) -> None:
    response = newsletter_api.get(PATH, ADMIN)
    assert response.status_code == 200, response.body
    body = json.loads(response.body)
    assert body["subject"] == "Repère 75 : 8 changements du 16 novembre 2026 au 22 novembre 2026"
    assert "Lieu a-closes" in body["text"]
    assert "<html" in body["html"]
    assert body["digest"]["issue_id"] == "newsletter:75:2026-W47"
    assert newsletter_api.mail.messages == []  # a preview mails nobody


def test_the_preview_as_html(newsletter_api: NewsletterApi) -> None:
    response = newsletter_api.get(PATH + "&format=html&locale=en", MODERATOR_75)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    assert response.headers["Content-Security-Policy"].startswith("sandbox")
    assert "Temporarily closed (1)" in response.body.decode()


def test_the_preview_is_for_the_departments_of_the_caller(
    newsletter_api: NewsletterApi,
) -> None:
    assert newsletter_api.get(PATH, MODERATOR_13).status_code == 403
    assert newsletter_api.get(PATH, VOLUNTEER_75).status_code == 403
    response = newsletter_api.get(PATH)
    assert response.status_code == 401
    assert json.loads(response.body)["code"] == "missing_token"


def test_bad_preview_parameters_are_400(newsletter_api: NewsletterApi) -> None:
    for query in ("department=99", "department=75&week=2026-W99", "department=75&x=1", ""):
        response = newsletter_api.get(f"/admin/newsletters/preview?{query}", ADMIN)
        assert response.status_code == 400, query


def test_without_a_renderer_the_preview_is_the_digest_alone(
    newsletter_api: NewsletterApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Neither a preview worker (REPERE_NEWSLETTER_PREVIEW_FUNCTION) nor an injected renderer:
    # the API falls back to the digest (the API itself never imports a renderer).
    roots.use(newsletter_renderer=None)
    body = json.loads(newsletter_api.get(PATH, ADMIN).body)
    assert (body["subject"], body["text"], body["html"]) == (None, None, None)
    assert body["digest"]["total"] == 8
    response = newsletter_api.get(PATH + "&format=html", ADMIN)
    assert response.status_code == 422
    assert json.loads(response.body)["code"] == "preview_not_rendered"
