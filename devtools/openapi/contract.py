"""What every operation shares, applied to the assembled document once, from the code's own
constants and models so that the document cannot drift from what the API enforces:

- query parameters: the schema of each parameter is the one of the pydantic model the route
  validates its query string with (``route(..., query=Model)`` declares it); a parameter
  the document lists and the model lacks, or the reverse, fails the build;
- path parameters: the patterns the routes check ids and department codes with;
- ``If-Match``: required, with the pattern ``chalicelib.api.bodies`` parses;
- statuses: 400 everywhere (unknown parameters are refused on every route), 401/403 on
  authenticated routes, 404 where a path names something, 409/412/428 on If-Match writes, 413
  where a body is read, 429 (API Gateway throttling), 503 ``unavailable`` (any store can
  fail) and 504 (API Gateway's integration timeout) everywhere, all in the ``Error``
  envelope (API Gateway's own answers too: infra/gateway_responses.py).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from chalicelib.api import bodies, campaigns, exports, http, params, path_ids
from chalicelib.domain.batch.models import IDEMPOTENCY_KEY_PATTERN
from chalicelib.domain.hours.models import _HHMM
from chalicelib.domain.places.editing import NOT_NULLABLE
from chalicelib.domain.places.models import _INSEE, _LANGUAGE, _POSTAL_CODE
from chalicelib.domain.taxonomy.taxonomy import default_taxonomy
from devtools.openapi.common import REF, error


def declared_queries() -> tuple[dict[tuple[str, str], type[BaseModel]], set[tuple[str, str, str]]]:
    """Each route's query model, as its ``route(..., query=Model)`` declares it (the
    blueprints register them when imported), and the parameters optional in the document."""
    import app  # noqa: F401  (registers every blueprint's routes)

    return http.QUERY_MODELS, http.OPTIONAL_QUERY


QUERY_GROUPS: dict[tuple[str, str], tuple[str, str, tuple[tuple[str, ...], ...]]] = {
    # Parameters that depend on each other, as one form-exploded object parameter (each
    # property is still its own ``name=value`` in the query string): the alternatives are
    # the required sets. SearchParams._one_location: lat and lon (radius_km with them), or
    # department, or postal_code, or city_code, exactly one.
    ("get", "/search"): (
        "where",
        "oneOf",
        (("lat", "lon"), ("department",), ("postal_code",), ("city_code",)),
    ),
    # ListRequest (places listing service): a department, an organisation or a status.
    ("get", "/admin/places"): (
        "scope",
        "anyOf",
        (("department",), ("organisation",), ("status",)),
    ),
}
_GROUP_ONLY_WITH = {"radius_km": ("lat", "lon")}
"""A parameter allowed only in the alternative that has these."""

PATH_PATTERNS: dict[str, str] = {
    # The routes' own check (chalicelib/api/path_ids.py).
    "place_id": path_ids.PATTERNS[path_ids.IdKind.PLACE],
    "announcement_id": path_ids.PATTERNS[path_ids.IdKind.ANNOUNCEMENT],
    "campaign_id": path_ids.PATTERNS[path_ids.IdKind.CAMPAIGN],
    "export_id": path_ids.PATTERNS[path_ids.IdKind.EXPORT],
    "submission_id": path_ids.PATTERNS[path_ids.IdKind.SUBMISSION],
    "key_id": path_ids.PATTERNS[path_ids.IdKind.API_KEY],
    "department": params.DEPARTMENT_PATTERN,
    "idempotency_key": IDEMPOTENCY_KEY_PATTERN,
}
IF_MATCH_PATTERN = bodies._VERSION_TAG.pattern
IDEMPOTENCY_KEYS: dict[tuple[str, str], tuple[str, bool]] = {
    # (pattern, required): campaigns refuse a start without one (428), exports do not.
    ("post", "/admin/campaigns"): (campaigns._IDEMPOTENCY_KEY.pattern, True),
    ("post", "/admin/exports"): (exports._IDEMPOTENCY_KEY.pattern, False),
}
MAX_BODY_BYTES = bodies.MAX_BODY_BYTES

CURSOR = {"type": "string", "minLength": 1, "pattern": r"^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)?$"}

WEEK = r"^2[0-9]{3}-W(0[1-9]|[1-4][0-9]|5[0-3])$"
"""newsletters.models.IssueWeek: an ISO week of the years 2000-2999."""

BEARER = "backofficeToken"
LINK_SCHEME = "selfUpdateLink"
PARTNER_KEY = "partnerKey"
SECURITY_SCHEMES: dict[str, Any] = {
    PARTNER_KEY: {
        "type": "apiKey",
        "in": "header",
        "name": "x-api-key",
        "description": "A partner key (docs/partners.md), issued by an admin: required on "
        "/changes and France-wide files, optional on /search (its own quota).",
    },
    BEARER: {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "A Cognito ID token in AWS; a local token (`make token`) on the local "
        "stack. Roles and territories: docs/backoffice.md.",
    },
    LINK_SCHEME: {
        "type": "http",
        "scheme": "bearer",
        "description": "The token of a signed self-update link (docs/selfupdate.md).",
    },
}

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "Every error: the API's own, and API Gateway's (missing route, throttling, "
    "too large a request, timeouts: infra/gateway_responses.py) alike.",
    "required": ["code", "message", "field"],
    "properties": {
        "code": {"type": "string", "examples": ["invalid_parameter", "unavailable"]},
        "message": {"type": "string"},
        "field": {
            "type": ["string", "null"],
            "description": "The parameter, header or body field at fault, when one is.",
        },
        "current_version": {
            "type": "integer",
            "description": "409 on a versioned write: the version to read again.",
        },
    },
}

_RETRY_AFTER = {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait."}}


def _with_retry_after(response: dict[str, Any]) -> dict[str, Any]:
    return {**response, "headers": {**response.get("headers", {}), **_RETRY_AFTER}}


COMMON_RESPONSES: dict[str, dict[str, Any]] = {
    "400": error("Invalid or unknown parameter, header or body."),
    "429": _with_retry_after(
        error("Too many requests (codes too_many_requests, throttled, quota_exceeded).")
    ),
    "503": _with_retry_after(
        error("A store or worker the request needs failed (code unavailable); try again.")
    ),
    "504": _with_retry_after(error("The API took too long to answer (API Gateway, code timeout).")),
}
AUTH_RESPONSES: dict[str, dict[str, Any]] = {
    "401": error("Missing, malformed, wrongly signed or expired token."),
    "403": error("The token does not allow this (role, territory, or another place's link)."),
}
BODY_RESPONSES = {
    "415": error("The body is not of a type the route takes (code unsupported_media_type)."),
    "413": error(
        f"The request is too large (code too_large: API Gateway's limit, or over the route's "
        f"own body limit, {MAX_BODY_BYTES:,} bytes at most)."
    ),
}
NOT_FOUND = {"404": error("Nothing has this id.")}
VERSIONED_WRITE = {
    "409": error(
        "The version in If-Match is not the current one: the body carries current_version "
        "and the ETag header the current version."
    ),
    "412": error(
        'If-Match holds a weak tag (W/"3"): writes compare strongly (code precondition_failed).'
    ),
    "428": error("If-Match is missing (code version_required)."),
}


def apply(document: dict[str, Any]) -> dict[str, Any]:
    """The document with the shared constraints, statuses and security applied (in place)."""
    components = document.setdefault("components", {})
    components["schemas"]["Error"] = ERROR_SCHEMA
    components["schemas"][CATEGORY_ID] = category_id_schema()
    components["securitySchemes"] = SECURITY_SCHEMES
    query_models, optional_query = declared_queries()
    _declared_responses(document)  # before _refine: the parts' schemas as generated
    _refine(components["schemas"], _request_schemas(document))
    unused = set(query_models)
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            key = (method, path)
            if key in query_models:
                unused.discard(key)
                _query_from_model(operation, query_models[key], f"{method.upper()} {path}")
                for parameter in operation["parameters"]:
                    if (*key, parameter["name"]) in optional_query:
                        parameter["required"] = False
            if key in QUERY_GROUPS:
                _group(operation, *QUERY_GROUPS[key])
            _path_parameters(operation)
            if key in IDEMPOTENCY_KEYS:
                _idempotency_key(operation, *IDEMPOTENCY_KEYS[key])
            _responses(path, method, operation)
    if unused:
        raise ValueError(f"query models declared for operations not documented: {sorted(unused)}")
    components["schemas"] = dict(sorted(components["schemas"].items()))
    return document


def _declared_responses(document: dict[str, Any]) -> None:
    """The body of each success status a route declares is generated: a JSON one is its
    model's serialization schema (``route(..., responses={200: Model})``), another its media
    type (``route(..., media={200: "text/csv"})``); the part keeps the wording and headers.

    A part that still writes a success payload by hand fails the build: the model (or the
    media type) is the one place a body is described."""
    _no_payload_by_hand(document)
    declared = {
        key: {status: http.response_model(model) for status, model in statuses.items()}
        for key, statuses in http.RESPONSE_MODELS.items()
    }
    models = sorted(
        {model for statuses in declared.values() for model in statuses.values()},
        key=lambda model: model.__name__,
    )
    keys, definitions = _readable(
        *models_json_schema([(model, "serialization") for model in models], ref_template=REF)
    )
    schemas = document["components"]["schemas"]
    for name, schema in definitions.get("$defs", {}).items():
        if name in schemas and schemas[name] != schema:
            raise ValueError(f"two schemas named {name}: rename a response model")
        schemas[name] = schema
    for (method, path), statuses in declared.items():
        for status, model in statuses.items():
            content = _content(document, method, path, status, model.__doc__ or model.__name__)
            content.setdefault("application/json", {})["schema"] = keys[(model, "serialization")]
    for (method, path), media_types in http.RESPONSE_MEDIA.items():
        for status, media in media_types.items():
            content = _content(document, method, path, status, media)
            content[media] = {"schema": {"type": "string"}}


def _readable(keys: Any, definitions: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    """Two models of one name (``ServiceView`` of the public views and of the self-update
    links) are named by pydantic after their whole module path: name them after their
    feature instead (``PlacesServiceView``, ``SelfupdateServiceView``)."""
    found: dict[str, Any] = definitions.get("$defs", {})
    renamed = {
        name: name.split("__")[2].capitalize() + name.split("__")[-1]
        for name in found
        if "__" in name
    }
    if not renamed:
        return keys, definitions
    text = json.dumps({"keys": {str(i): v for i, v in enumerate(keys.values())}, "defs": found})
    for old, new in renamed.items():
        text = text.replace(f'"{REF.format(model=old)}"', f'"{REF.format(model=new)}"')
    rewritten = json.loads(text)
    return (
        {key: rewritten["keys"][str(i)] for i, key in enumerate(keys)},
        {"$defs": {renamed.get(name, name): schema for name, schema in rewritten["defs"].items()}},
    )


def _content(
    document: dict[str, Any], method: str, path: str, status: int, description: str
) -> dict[str, Any]:
    operation = document["paths"].get(path, {}).get(method)
    if operation is None:
        raise ValueError(f"responses declared for {method.upper()} {path}, not documented")
    response = operation["responses"].setdefault(str(status), {"description": description.strip()})
    content: dict[str, Any] = response.setdefault("content", {})
    return content


def _no_payload_by_hand(document: dict[str, Any]) -> None:
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                if status.startswith("2") and "content" in response:
                    raise ValueError(
                        f"{method.upper()} {path} {status}: the part describes the body by "
                        "hand; declare it on the route (responses= or media=)"
                    )


def _path_parameters(operation: dict[str, Any]) -> None:
    for parameter in operation.get("parameters", []):
        if parameter["in"] == "query" and parameter["name"] == "cursor":
            # Every cursor is base64url (a signed one: ".<tag>" after it); opaque to clients.
            parameter["schema"].update(CURSOR)
            parameter["description"] = "next_cursor of the previous page, exactly as returned."
        if parameter["in"] == "query" and parameter["name"] == "week":
            parameter["schema"]["pattern"] = WEEK
        if parameter["in"] == "query" and parameter["name"] == "category":
            _category_ids(parameter["schema"])
            _category_id(parameter["schema"])
        if parameter["in"] == "path" and parameter["name"] in PATH_PATTERNS:
            parameter["schema"] = {"type": "string", "pattern": PATH_PATTERNS[parameter["name"]]}
        if parameter["in"] == "header" and parameter["name"] == "If-Match":
            parameter["required"] = True
            parameter["schema"] = {
                "type": "string",
                "pattern": IF_MATCH_PATTERN,
                "examples": ['"3"'],
            }


def _group(
    operation: dict[str, Any], name: str, combinator: str, alternatives: tuple[tuple[str, ...], ...]
) -> None:
    """Replace the query parameters named in ``alternatives`` by one required object
    parameter, style form + explode (serialised as the same ``name=value`` pairs)."""
    members = {member for alternative in alternatives for member in alternative}
    members |= {extra for extra, needs in _GROUP_ONLY_WITH.items() if set(needs) <= members}
    parameters = operation["parameters"]
    grouped = {p["name"]: p for p in parameters if p["in"] == "query" and p["name"] in members}
    properties = {
        member: {**grouped[member]["schema"], "description": grouped[member].get("description", "")}
        for member in sorted(members)
    }
    options = []
    for alternative in alternatives:
        allowed = set(alternative) if combinator == "oneOf" else set(members)
        allowed |= {e for e, needs in _GROUP_ONLY_WITH.items() if set(needs) <= set(alternative)}
        options.append(
            {
                "type": "object",
                "required": list(alternative),
                "properties": {m: properties[m] for m in sorted(allowed)},
                "additionalProperties": False,
            }
        )
    wording = "exactly one" if combinator == "oneOf" else "at least one"
    grouped_parameter = {
        "name": name,
        "in": "query",
        "required": True,
        "style": "form",
        "explode": True,
        "description": f"{wording.capitalize()} of: "
        + "; ".join(" + ".join(alternative) for alternative in alternatives)
        + ". Each is its own query parameter (an exploded object).",
        "schema": {combinator: options},
    }
    operation["parameters"] = [grouped_parameter] + [
        p for p in parameters if p["name"] not in grouped or p["in"] != "query"
    ]


def _idempotency_key(operation: dict[str, Any], pattern: str, required: bool) -> None:
    for parameter in operation.get("parameters", []):
        if parameter["in"] == "header" and parameter["name"] == "Idempotency-Key":
            parameter["schema"] = {"type": "string", "pattern": pattern}
            parameter["required"] = required


def _responses(path: str, method: str, operation: dict[str, Any]) -> None:
    responses: dict[str, Any] = operation["responses"]
    parameters = operation.get("parameters", [])
    extra: dict[str, dict[str, Any]] = dict(COMMON_RESPONSES)
    if path.startswith("/admin/"):
        extra.update(AUTH_RESPONSES)
        operation["security"] = [{BEARER: []}]
    elif path.startswith("/self-update"):
        operation["security"] = [{LINK_SCHEME: []}]
    if any(p["in"] == "path" for p in parameters):
        extra.update(NOT_FOUND)
    if any(p["in"] == "header" and p["name"] == "If-Match" for p in parameters):
        extra.update(VERSIONED_WRITE)
    if "requestBody" in operation:
        extra.update(BODY_RESPONSES)
    elif method in {"post", "put", "patch"}:
        # A write without a documented body still receives whatever a client sends: API
        # Gateway's size limit and the route's own apply to it too.
        extra["413"] = BODY_RESPONSES["413"]
    for status, response in extra.items():
        # A route's own wording of a status is kept; the envelope is the same.
        responses.setdefault(status, response)
    operation["responses"] = dict(sorted(responses.items()))


def _query_from_model(operation: dict[str, Any], model: type[BaseModel], name: str) -> None:
    """Each query parameter gets the schema of the model's field. A field the part does not
    list is generated (its description is the field's); one the part lists keeps its
    wording and style. A parameter the part lists and the model lacks fails the build."""
    schema = model.model_json_schema(by_alias=True, mode="validation")
    definitions = schema.get("$defs", {})
    fields: dict[str, Any] = schema["properties"]
    required = set(schema.get("required", []))
    parameters: list[dict[str, Any]] = operation.setdefault("parameters", [])
    documented = {p["name"]: p for p in parameters if p["in"] == "query"}
    if set(documented) - set(fields):
        raise ValueError(
            f"{name}: the document's query parameters {sorted(documented)} are not the "
            f"model's {sorted(fields)} ({model.__name__})"
        )
    for field_name, field_schema in fields.items():
        parameter = documented.get(field_name)
        if parameter is None:
            parameter = {"name": field_name, "in": "query", "schema": {}}
            description = field_schema.get("description")
            if description:
                parameter["description"] = description
            if _is_list_schema(field_schema, definitions):
                parameter.update(style="form", explode=True)
            parameters.append(parameter)
        derived = _query_schema(field_schema, definitions)
        # Bounds the model leaves to the settings (page sizes, radii) stay as documented.
        parameter["schema"] = _fill(derived, parameter["schema"])
        if field_name in required:
            parameter["required"] = True


def _is_list_schema(field_schema: dict[str, Any], definitions: dict[str, Any]) -> bool:
    schema = _inline(copy.deepcopy(field_schema), definitions)
    return any(option.get("type") == "array" for option in [schema, *schema.get("anyOf", [])])


def _fill(derived: dict[str, Any], documented: dict[str, Any]) -> dict[str, Any]:
    """``derived`` with the keywords only ``documented`` has (list items included): what a
    validator checks beyond the field's type (audiences, language codes)."""
    for keyword, value in documented.items():
        if keyword == "items" and isinstance(derived.get("items"), dict):
            _fill(derived["items"], value)
        else:
            derived.setdefault(keyword, value)
    return derived


def _query_schema(field_schema: dict[str, Any], definitions: dict[str, Any]) -> dict[str, Any]:
    """A field's JSON Schema as a query parameter's: no null (absent is how a query string
    says None), no ``default: null``, no titles, enums inlined."""
    schema = _inline(copy.deepcopy(field_schema), definitions)
    options = schema.pop("anyOf", None)
    if options is not None:
        kept = [option for option in options if option.get("type") != "null"]
        if len(kept) == 1:
            schema = {**kept[0], **schema}
        else:
            schema["anyOf"] = kept
    if schema.get("default", 0) is None:
        del schema["default"]
    untitled: dict[str, Any] = _untitled(schema)
    return untitled


def _inline(schema: Any, definitions: dict[str, Any]) -> Any:
    if isinstance(schema, dict):
        if "$ref" in schema:
            target = definitions[schema["$ref"].rsplit("/", 1)[-1]]
            rest = {k: v for k, v in schema.items() if k != "$ref"}
            return {**_inline(copy.deepcopy(target), definitions), **rest}
        return {key: _inline(value, definitions) for key, value in schema.items()}
    if isinstance(schema, list):
        return [_inline(item, definitions) for item in schema]
    return schema


def _untitled(schema: Any) -> Any:
    if isinstance(schema, dict):
        return {k: _untitled(v) for k, v in schema.items() if k not in ("title", "description")}
    if isinstance(schema, list):
        return [_untitled(item) for item in schema]
    return schema


# Body constraints the models check in validators (pydantic cannot put those in the schema):
# each line names the validator it mirrors. A drift shows in the contract fuzz test
# (tests/contract/) as schema-valid requests refused.


def _request_schemas(document: dict[str, Any]) -> set[str]:
    """Names of the component schemas request bodies use (directly or through others)."""
    schemas = document["components"]["schemas"]
    pending = [
        operation["requestBody"]
        for operations in document["paths"].values()
        for operation in operations.values()
        if "requestBody" in operation
    ]
    seen: set[str] = set()
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.rsplit("/", 1)[-1] not in seen:
                name = ref.rsplit("/", 1)[-1]
                seen.add(name)
                pending.append(schemas[name])
            pending.extend(node.values())
        elif isinstance(node, list):
            pending.extend(node)
    return seen


def _refine(schemas: dict[str, Any], request_schemas: set[str]) -> None:
    # Only what the API reads: a response may name "all" departments (stats).
    for name in request_schemas:
        _department_codes(schemas[name])
    for name in request_schemas:
        if name.endswith("TimeSlot"):  # hours.models.TimeSlot: HH:MM local times
            for bound in ("start", "end"):
                for candidate in _candidates(schemas[name]["properties"][bound]):
                    _with_pattern(candidate, _HHMM.pattern)
    # batch Selection: place ids
    ids = schemas["BackofficeSelection"]["properties"]["ids"]
    for candidate in _candidates(ids):
        _with_pattern(candidate.get("items"), PATH_PATTERNS["place_id"])
    # SelfUpdateChange: "the patch changes nothing"; the place's groups are not cleared
    change = schemas["SelfUpdateSelfUpdateChange"]
    change["minProperties"] = 1
    _not_null(change, *sorted(NOT_NULLABLE & set(change["properties"])))
    # CampaignRequest: "a section is listed twice"
    schemas["CampaignsCampaignRequest"]["properties"]["sections"]["uniqueItems"] = True
    # NewPlace._check_required
    _require(schemas["BackofficeNewPlace"], "name", "address", "location", "services")
    # PlacePatch: "the patch changes nothing"; BatchPatch._check (status, hours not null)
    schemas["BackofficePlacePatch"]["minProperties"] = 1
    # PlacePatch._check_nulls: these groups can be replaced, not cleared
    _not_null(schemas["BackofficePlacePatch"], *sorted(NOT_NULLABLE))
    # BatchRequest: applying (dry_run false, the default) needs an idempotency_key
    schemas["BackofficeBatchRequest"]["anyOf"] = [
        {"required": ["dry_run"], "properties": {"dry_run": {"const": True}}},
        {"required": ["idempotency_key"], "properties": {"idempotency_key": {"type": "string"}}},
    ]
    schemas["BackofficeBatchPatch"]["minProperties"] = 1
    _not_null(schemas["BackofficeBatchPatch"], "status", "hours")
    # Selection: exactly one of ids and filter
    _exactly_one(schemas["BackofficeSelection"], "ids", "filter")
    # BatchFilter: at least one of organisation, department, status
    _at_least_one(schemas["BackofficeBatchFilter"], "organisation", "department", "status")
    # exports Territory: a department, or postal codes, not both
    _exactly_one(schemas["Territory"], "department", "postal_codes")
    schemas["Territory"]["properties"]["postal_codes"]["items"]["pattern"] = r"^\d{5}$"
    # NewPlaceForm._required: content.name, content.address, content.categories
    form = schemas["SubmissionsNewPlaceForm"]["properties"]
    form["content"] = {
        "allOf": [form["content"]],
        "required": ["name", "address", "categories"],
        "properties": {
            "name": {"type": "string"},
            "address": {"type": "object"},
            "categories": {"type": "array"},
        },
    }
    # SuggestionForm._not_empty: a field of content, or a message
    schemas["SubmissionsSuggestionForm"]["anyOf"] = [
        {"required": ["message"], "properties": {"message": {"type": "string", "minLength": 1}}},
        {"required": ["content"], "properties": {"content": {"minProperties": 1}}},
    ]


def _department_codes(schema: Any) -> None:
    """Strings the API reads by name: department codes, postal codes, category ids."""
    if isinstance(schema, list):
        for item in schema:
            _department_codes(item)
        return
    if not isinstance(schema, dict):
        return
    for name, value in schema.get("properties", {}).items():
        refine = _BY_PROPERTY.get(name)
        if refine is not None:
            for candidate in [value, *value.get("anyOf", [])]:
                refine(candidate)
    for key, value in schema.items():
        _department_codes(list(value.values()) if key == "properties" else value)


def _candidates(schema: dict[str, Any]) -> list[dict[str, Any]]:
    return [schema, *schema.get("anyOf", [])]


def _items(refine: Callable[[Any], None]) -> Callable[[Any], None]:
    return lambda schema: refine(schema.get("items")) if isinstance(schema, dict) else None


def _postal_code(schema: Any) -> None:
    _with_pattern(schema, _POSTAL_CODE.pattern)


def _with_pattern(schema: Any, pattern: str = params.DEPARTMENT_PATTERN) -> None:
    if isinstance(schema, dict) and schema.get("type") == "string" and "pattern" not in schema:
        schema["pattern"] = pattern


def _category_id(schema: dict[str, Any]) -> None:
    for candidate in [schema, *schema.get("anyOf", [])]:
        if candidate.get("type") == "string" and "enum" not in candidate:
            _to_category_ref(candidate)


_BY_PROPERTY: dict[str, Callable[[Any], None]] = {
    "department": _with_pattern,
    "department_code": _with_pattern,
    "departments": _items(_with_pattern),
    "category": lambda schema: _category_id(schema) if isinstance(schema, dict) else None,
    "categories": _items(lambda schema: _category_id(schema) if schema else None),
    "postal_code": _postal_code,
    "postal_codes": _items(_postal_code),
    "city_code": lambda schema: _with_pattern(schema, _INSEE.pattern),
    "languages": _items(lambda schema: _with_pattern(schema, _LANGUAGE.pattern)),
}


def _taxonomy_ids() -> list[str]:
    return sorted(category.id for category in default_taxonomy().all())


def _category_ids(schema: dict[str, Any]) -> None:
    """Category ids are the taxonomy's (chalicelib/data/categories.json)."""
    for candidate in [schema, *schema.get("anyOf", [])]:
        items = candidate.get("items")
        if isinstance(items, dict) and items.get("type") == "string" and "enum" not in items:
            _to_category_ref(items)


CATEGORY_ID = "CategoryId"


def _to_category_ref(schema: dict[str, Any]) -> None:
    """One schema for the taxonomy's ids, referenced (its enum is long)."""
    schema.pop("type", None)
    schema["$ref"] = REF.format(model=CATEGORY_ID)


def category_id_schema() -> dict[str, Any]:
    return {
        "type": "string",
        "enum": _taxonomy_ids(),
        "description": "A category of the taxonomy (GET /categories); its descendants match.",
    }


def _not_null(schema: dict[str, Any], *names: str) -> None:
    for name in names:
        field = schema["properties"][name]
        options = [o for o in field.pop("anyOf", []) if o.get("type") != "null"]
        if len(options) == 1:
            field.update(options[0])
        elif options:
            field["anyOf"] = options
        if field.get("default", 0) is None:
            del field["default"]


def _require(schema: dict[str, Any], *names: str) -> None:
    _not_null(schema, *names)
    schema["required"] = sorted({*schema.get("required", []), *names})


def _exactly_one(schema: dict[str, Any], *names: str) -> None:
    schema["oneOf"] = [_present(schema, name) for name in names]


def _at_least_one(schema: dict[str, Any], *names: str) -> None:
    schema["anyOf"] = [_present(schema, name) for name in names]


def _present(schema: dict[str, Any], name: str) -> dict[str, Any]:
    """``name`` given and not null (its own schema without the null option)."""
    field = schema["properties"][name]
    options = [o for o in field.get("anyOf", [field]) if o.get("type") != "null"]
    value = options[0] if len(options) == 1 else {"anyOf": options}
    value = {k: v for k, v in value.items() if k not in ("default", "title", "description")}
    if "minItems" not in value and value.get("type") == "array":
        value["minItems"] = 1
    return {"required": [name], "properties": {name: value}}
