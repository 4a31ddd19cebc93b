"""A JSON caller of the Chalice test client, shared by the integration tests whose routes
take and answer JSON with headers they choose (an admin token, an API key...)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from chalice.test import Client


@dataclass
class JsonApi:
    client: Client

    def call(
        self, method: str, path: str, *, headers: dict[str, str] | None = None, body: Any = None
    ) -> tuple[int, Any, dict[str, str]]:
        """(status, decoded body or None, headers) of one request; ``body`` sent as JSON."""
        send = getattr(self.client.http, method.lower())
        extra: dict[str, Any] = {}
        if body is not None:
            extra["body"] = json.dumps(body).encode()
            headers = {"Content-Type": "application/json", **(headers or {})}
        response = send(path, headers=headers or {}, **extra)
        payload = json.loads(response.body) if response.body else None
        return response.status_code, payload, dict(response.headers)
