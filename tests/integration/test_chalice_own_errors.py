"""Answers Chalice gives before any view runs are in the API's error envelope too."""

from __future__ import annotations

import json

from chalice.test import Client

import app


def test_a_body_type_a_route_does_not_take_is_415_in_our_envelope() -> None:
    with Client(app.app) as client:
        response = client.http.post(
            "/submissions", body=b"name=x", headers={"Content-Type": "text/plain"}
        )

    assert response.status_code == 415
    assert json.loads(response.body) == {
        "code": "unsupported_media_type",
        "message": "Unsupported media type: text/plain",
        "field": "Content-Type",
    }
    assert response.headers["Content-Type"] == "application/json"


def test_a_method_a_route_lacks_is_405_in_our_envelope_with_allow() -> None:
    with Client(app.app) as client:
        response = client.http.delete("/search")

    assert response.status_code == 405
    assert json.loads(response.body)["code"] == "method_not_allowed"
    assert "GET" in response.headers["Allow"]
