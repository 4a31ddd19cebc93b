"""The local gateway gives the API the caller's own address (devtools/local_api.py), as API
Gateway does: per-client rate limits then tell the drill's members of the public apart."""

from __future__ import annotations

from chalice.local import LambdaEventConverter, RouteMatcher

from devtools.local_api import PeerEventConverter, RedactingHandler


def test_the_event_names_the_tcp_peer_as_source_ip() -> None:
    inner = LambdaEventConverter(RouteMatcher(["/subscriptions"]), [])
    event = PeerEventConverter(inner, "127.1.2.3").create_lambda_event(
        "POST", "/subscriptions", {"Content-Type": "application/json"}, b"{}"
    )
    assert event["requestContext"]["identity"]["sourceIp"] == "127.1.2.3"
    assert event["requestContext"]["resourcePath"] == "/subscriptions"


def test_every_method_goes_through_the_peer_aware_handler() -> None:
    for method in ("GET", "PUT", "POST", "HEAD", "DELETE", "PATCH", "OPTIONS"):
        assert getattr(RedactingHandler, f"do_{method}") is RedactingHandler._generic_handle
