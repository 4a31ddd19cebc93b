"""The preview rendered by the newsletter-preview worker, as in a deployed stage: the API
invokes it (``REPERE_NEWSLETTER_PREVIEW_FUNCTION``) through a Lambda client that runs the real
``functions.newsletters.preview_handler`` in process."""

from __future__ import annotations

import json
from collections.abc import Iterator

import boto3
import pytest

from chalicelib.config import get_settings
from chalicelib.domain.auth import Role
from chalicelib.domain.mail.models import MailMessage, RenderedMail
from chalicelib.domain.newsletters.models import IssueWeek
from devtools.local_lambda import LocalLambda
from functions.newsletters import preview_handler
from tests import composition_support as roots
from tests.integration.backoffice.conftest import bearer, token
from tests.integration.newsletters.conftest import NewsletterApi
from tests.integration.newsletters.lambda_fake import InProcessLambda

FUNCTION = "repere-test-newsletter-preview"
ADMIN = bearer(token(Role.ADMIN))
PATH = "/admin/newsletters/preview?department=75&week=2026-W47"


@pytest.fixture
def worker(
    newsletter_api: NewsletterApi, monkeypatch: pytest.MonkeyPatch
) -> Iterator[InProcessLambda]:
    monkeypatch.setenv("REPERE_NEWSLETTER_PREVIEW_FUNCTION", FUNCTION)
    get_settings.cache_clear()
    get_settings()
    client = InProcessLambda({FUNCTION: preview_handler})
    # No in-process renderer in the API: only the worker can render, as when deployed.
    roots.use(lambda_client=client, newsletter_renderer=_Refuses())
    yield client


class _Refuses:
    def render(self, message: MailMessage) -> RenderedMail:
        raise AssertionError("the API rendered in process although a worker is configured")


def test_the_api_shows_the_mail_the_worker_rendered(
    newsletter_api: NewsletterApi, worker: InProcessLambda
) -> None:
    response = newsletter_api.get(PATH + "&locale=en", ADMIN)
    assert response.status_code == 200, response.body
    body = json.loads(response.body)
    assert body["subject"].startswith("Repère 75")
    assert "Lieu a-closes" in body["text"]
    assert "Temporarily closed (1)" in body["html"]
    assert body["digest"]["issue_id"] == "newsletter:75:2026-W47"
    assert worker.invocations == [
        (FUNCTION, "RequestResponse", {"department": "75", "week": "2026-W47", "language": "en"})
    ]
    assert newsletter_api.mail.messages == []


def test_the_worker_rendered_html_is_served_as_a_page(
    newsletter_api: NewsletterApi, worker: InProcessLambda
) -> None:
    response = newsletter_api.get(PATH + "&format=html", ADMIN)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    assert "Lieu a-closes" in response.body.decode()


def test_a_crashing_worker_is_a_503_the_admin_can_retry(
    newsletter_api: NewsletterApi, worker: InProcessLambda, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The worker's digest builder fails (a table it cannot read): Lambda reports Unhandled.
    monkeypatch.setattr(roots.current(), "digest_builder", _failing_builder())
    response = newsletter_api.get(PATH, ADMIN)
    assert response.status_code == 503
    # A few seconds, not 30: a render that failed may well succeed on the next click.
    assert response.headers["Retry-After"] == "3"
    body = json.loads(response.body)
    assert body["code"] == "preview_unavailable"
    assert "the table is gone" not in response.body.decode()  # the worker's error stays there


def _failing_builder() -> object:
    class Failing:
        def build(self, department: str, week: IssueWeek) -> object:
            raise RuntimeError("the table is gone")

    return Failing()


def test_a_throttled_or_missing_worker_is_a_503(
    newsletter_api: NewsletterApi, worker: InProcessLambda
) -> None:
    worker.throttled = True
    response = newsletter_api.get(PATH, ADMIN)
    assert response.status_code == 503
    assert json.loads(response.body)["code"] == "preview_unavailable"


def test_callers_are_checked_before_the_worker_is_invoked(
    newsletter_api: NewsletterApi, worker: InProcessLambda
) -> None:
    moderator_13 = bearer(token(Role.TERRITORY_MODERATOR, ("13",), "mod-13"))
    assert newsletter_api.get(PATH, moderator_13).status_code == 403
    assert newsletter_api.get("/admin/newsletters/preview?department=99", ADMIN).status_code == 400
    assert worker.invocations == []


def test_under_make_run_the_api_invokes_the_worker_over_lambdas_http_api(
    newsletter_api: NewsletterApi, worker: InProcessLambda, monkeypatch: pytest.MonkeyPatch
) -> None:
    # devtools/local_lambda.py serves Invoke as `make run` does; a real boto3 client calls it.
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "local")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "local")
    server = LocalLambda({FUNCTION: preview_handler})
    server.start()
    try:
        client = boto3.client("lambda", region_name="eu-west-3", endpoint_url=server.endpoint)
        roots.use(lambda_client=client)
        response = newsletter_api.get(PATH, ADMIN)
    finally:
        server.stop()
    assert response.status_code == 200, response.body
    assert json.loads(response.body)["subject"].startswith("Repère 75")
