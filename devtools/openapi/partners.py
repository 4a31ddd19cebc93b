"""OpenAPI part: the change feed and partner keys (docs/changes.md, docs/partners.md)."""

from __future__ import annotations

from typing import Any

from pydantic.json_schema import models_json_schema

from chalicelib.domain.partners.models import KeyRequest
from devtools.openapi.common import REF, error, param, private_response, ref
from devtools.openapi.contract import PARTNER_KEY

_KEY_ERRORS = {
    "401": error("No key (api_key_required), or one that is not valid (invalid_api_key)."),
    "403": error("The key does not open this (out_of_scope)."),
    "429": error(
        "Over the key's quota per minute or per day (quota_exceeded); Retry-After says when."
    ),
}


def part() -> tuple[dict[str, Any], dict[str, Any]]:
    _, definitions = models_json_schema([(KeyRequest, "validation")], ref_template=REF)
    schemas: dict[str, Any] = definitions["$defs"]
    paths: dict[str, Any] = {
        "/changes": {
            "get": {
                "summary": "The change feed: a first sync's snapshot, then every public change",
                "description": "docs/changes.md. Without since: the department's (or France's) "
                "online places, then the changes numbered after the snapshot began. Keep "
                "next_cursor between polls.",
                "operationId": "changes",
                "security": [{PARTNER_KEY: []}],
                # department and since: ChangesParams describes them (contract.py).
                "parameters": [param("limit", {"type": "integer"}, "Changes per page.")],
                "responses": {
                    "200": private_response("A page of changes."),
                    "400": error("Invalid parameter, or a cursor edited or of another feed."),
                    "410": error("The cursor is older than the retention (cursor_expired)."),
                    **_KEY_ERRORS,
                },
            }
        },
        "/admin/api-keys": {
            "post": {
                "summary": "Issue a partner key (shown once)",
                "operationId": "issueApiKey",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": ref("KeyRequest")}},
                },
                "responses": {
                    "201": private_response("The key, shown this once, and its record."),
                    "400": error("Invalid body."),
                },
            },
            "get": {
                "summary": "Partner keys (no secret, no hash)",
                "operationId": "listApiKeys",
                # include_revoked: KeyListParams describes it (contract.py).
                "responses": {
                    "200": private_response("The keys, newest first."),
                    "400": error("Invalid parameter."),
                },
            },
        },
        "/admin/api-keys/{key_id}": {
            "delete": {
                "summary": "Revoke a partner key (idempotent)",
                "operationId": "revokeApiKey",
                "parameters": [
                    param("key_id", {"type": "string"}, "Key id.", where="path", required=True)
                ],
                "responses": {
                    "200": private_response("The key, revoked."),
                    "400": error("Malformed key id."),
                    "404": error("No such key."),
                },
            }
        },
    }
    return paths, schemas
