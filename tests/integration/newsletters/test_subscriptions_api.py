"""POST /subscriptions, /subscriptions/confirm, /subscriptions/unsubscribe (both ways)."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import quote

from chalicelib.adapters.dynamodb.subscriptions import SubscriptionRecord
from chalicelib.api.newsletters import ACCEPTED
from chalicelib.config import get_settings
from chalicelib.domain.newsletters.subscriptions import SubscriberIds
from tests.integration.newsletters.conftest import NOW, NewsletterApi

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def _ids() -> SubscriberIds:
    return SubscriberIds(get_settings().newsletter_key())


def _subscribe(api: NewsletterApi, email: str = "Benevole@Asso.org") -> tuple[int, object]:
    status, body, _ = api.post(
        "/subscriptions", {"email": email, "departments": ["75", "93"], "language": "fr"}
    )
    return status, body


def _active(api: NewsletterApi) -> str:
    _subscribe(api)
    status, body, _ = api.post(
        "/subscriptions/confirm", headers={"Authorization": f"Bearer {api.confirm_token()}"}
    )
    assert status == 200, body
    return _ids().of("benevole@asso.org")


def _unsubscribe_token(api: NewsletterApi, subscriber_id: str) -> str:
    from tests import composition_support as roots

    token: str = roots.current().subscription_service.unsubscribe_token(subscriber_id)
    return token


def test_subscribing_answers_202_and_queues_only_a_confirmation(
    newsletter_api: NewsletterApi,
) -> None:
    status, body = _subscribe(newsletter_api)
    assert status == 202
    assert body == {"status": "accepted", "message": ACCEPTED}
    [message] = newsletter_api.mail.messages
    assert message.template == "newsletter_confirm"
    assert message.to == "benevole@asso.org"
    record = SubscriptionRecord.get(_ids().of("benevole@asso.org"))
    assert record.status == "pending"
    assert "benevole@asso.org" not in record.id  # the key is an HMAC, never the address


def test_the_answer_is_the_same_for_a_known_address(newsletter_api: NewsletterApi) -> None:
    first = _subscribe(newsletter_api)
    _active_again = newsletter_api.post(
        "/subscriptions/confirm", {"token": newsletter_api.confirm_token()}
    )
    assert _active_again[0] == 200
    assert _subscribe(newsletter_api) == first
    assert _subscribe(newsletter_api, "autre@asso.org") == first
    # No second confirmation within the cooldown for the known address.
    assert [m.to for m in newsletter_api.mail.messages] == [
        "benevole@asso.org",
        "autre@asso.org",
    ]


def test_confirming_through_the_body_or_the_header_activates(
    newsletter_api: NewsletterApi,
) -> None:
    _subscribe(newsletter_api)
    status, body, headers = newsletter_api.post(
        "/subscriptions/confirm", {"token": newsletter_api.confirm_token()}
    )
    assert status == 200
    assert body == {"status": "active", "departments": ["75", "93"], "language": "fr"}
    assert headers["Cache-Control"] == "no-store"
    assert SubscriptionRecord.get(_ids().of("benevole@asso.org")).status == "active"


def test_unsubscribing_through_the_link_deletes_the_address(
    newsletter_api: NewsletterApi,
) -> None:
    subscriber_id = _active(newsletter_api)
    token = _unsubscribe_token(newsletter_api, subscriber_id)
    status, body, _ = newsletter_api.post(
        "/subscriptions/unsubscribe", headers={"Authorization": f"Bearer {token}"}
    )
    assert (status, body) == (200, {"status": "unsubscribed"})
    assert list(SubscriptionRecord.scan()) == []


def test_one_click_unsubscription_per_rfc_8058_deletes_the_address(
    newsletter_api: NewsletterApi,
) -> None:
    subscriber_id = _active(newsletter_api)
    token = _unsubscribe_token(newsletter_api, subscriber_id)
    status, body, _ = newsletter_api.post(
        f"/subscriptions/unsubscribe?token={quote(token)}",
        "List-Unsubscribe=One-Click",
        headers=FORM,
    )
    assert (status, body) == (200, {"status": "unsubscribed"})
    assert list(SubscriptionRecord.scan()) == []


def test_one_click_needs_the_rfc_8058_body(newsletter_api: NewsletterApi) -> None:
    subscriber_id = _active(newsletter_api)
    token = _unsubscribe_token(newsletter_api, subscriber_id)
    status, body, _ = newsletter_api.post(
        f"/subscriptions/unsubscribe?token={quote(token)}", "something=else", headers=FORM
    )
    assert status == 400
    assert body["code"] == "invalid_body"
    assert len(list(SubscriptionRecord.scan())) == 1


def test_tampered_expired_and_wrong_purpose_tokens_are_4xx_json(
    newsletter_api: NewsletterApi,
) -> None:
    _subscribe(newsletter_api)
    token = newsletter_api.confirm_token()
    tampered = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    status, body, _ = newsletter_api.post("/subscriptions/confirm", {"token": tampered})
    assert (status, body["code"]) == (401, "invalid_link")
    status, body, _ = newsletter_api.post(
        "/subscriptions/unsubscribe", headers={"Authorization": f"Bearer {token}"}
    )
    assert (status, body["code"]) == (401, "invalid_link")  # a confirm link cannot unsubscribe
    newsletter_api.clock.set(NOW + timedelta(days=8))
    status, body, _ = newsletter_api.post("/subscriptions/confirm", {"token": token})
    assert (status, body["code"]) == (410, "link_expired")
    status, body, _ = newsletter_api.post("/subscriptions/confirm", {})
    assert (status, body["code"]) == (401, "missing_token")


def test_bad_subscription_requests_are_400_json(newsletter_api: NewsletterApi) -> None:
    for bad in (
        {"email": "nope", "departments": ["75"]},
        {"email": "a@b.org", "departments": ["99"]},
        {"email": "a@b.org", "departments": []},
        {"email": "a@b.org", "departments": ["75"], "language": "de"},
        {"email": "a@b.org", "departments": ["75"], "name": "x"},
    ):
        status, body, _ = newsletter_api.post("/subscriptions", bad)
        assert status == 400, bad
        assert set(body) == {"code", "message", "field"}
    status, body, _ = newsletter_api.post("/subscriptions", "not json")
    assert (status, body["code"]) == (400, "invalid_body")
    status, _, _ = newsletter_api.post("/subscriptions?token=x", {"email": "a@b.org"})
    assert status == 400
    assert newsletter_api.mail.messages == []


def test_subscription_routes_answer_the_websites_cors_preflight(
    newsletter_api: NewsletterApi,
) -> None:
    origin = "http://localhost:5173"  # any local port, the stage being a local one
    response = newsletter_api.client.http.request(
        "OPTIONS", "/subscriptions", headers={"Origin": origin}
    )
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == origin
    response = newsletter_api.client.http.request(
        "OPTIONS", "/subscriptions", headers={"Origin": "https://evil.example"}
    )
    assert "Access-Control-Allow-Origin" not in response.headers


def test_one_click_also_accepts_a_multipart_form(newsletter_api: NewsletterApi) -> None:
    subscriber_id = _active(newsletter_api)
    token = _unsubscribe_token(newsletter_api, subscriber_id)
    body = (
        "--XyZ\r\n"
        'Content-Disposition: form-data; name="List-Unsubscribe"\r\n\r\n'
        "One-Click\r\n"
        "--XyZ--\r\n"
    )
    status, payload, _ = newsletter_api.post(
        f"/subscriptions/unsubscribe?token={quote(token)}",
        body,
        headers={"Content-Type": "multipart/form-data; boundary=XyZ"},
    )
    assert (status, payload) == (200, {"status": "unsubscribed"})
    assert list(SubscriptionRecord.scan()) == []


def test_one_client_subscribing_many_addresses_gets_429_as_json(
    newsletter_api: NewsletterApi,
) -> None:
    # The default allowance is 10 an hour per client (counted in DynamoDB on moto).
    for number in range(10):
        status, _, _ = newsletter_api.post(
            "/subscriptions", {"email": f"adresse{number}@asso.org", "departments": ["75"]}
        )
        assert status == 202
    status, body, _ = newsletter_api.post(
        "/subscriptions", {"email": "adresse10@asso.org", "departments": ["75"]}
    )
    assert status == 429
    assert body["code"] == "rate_limited"
    assert len(newsletter_api.mail.messages) == 10
