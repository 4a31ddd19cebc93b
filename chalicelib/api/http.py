"""HTTP plumbing shared by every blueprint: route registration with the error map, query-string
parsing into pydantic models, cacheable JSON responses (ETag / 304) and CORS."""

from __future__ import annotations

import functools
import hashlib
import importlib
import json
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from chalice.app import Blueprint, Request, Response
from pydantic import BaseModel, ValidationError

from chalicelib.api.errors import (
    domain_error_response,
    json_error,
    store_unavailable,
    validation_error_response,
)
from chalicelib.config import get_settings
from chalicelib.domain.errors import InvalidInput, RepereError
from chalicelib.domain.translations.languages import Language, negotiate
from chalicelib.observability import logger

ModelT = TypeVar("ModelT", bound=BaseModel)
View = Callable[..., Response]

_CORS_HEADERS = "Authorization,Content-Type,If-Match,If-None-Match,X-Api-Key"


@dataclass(frozen=True)
class Later:
    """A response model named by its module and class, so that a route can declare it
    without importing the module: back-office models (editing, batch, submissions...) stay
    out of ``import app``, which public requests' cold starts pay for
    (tests/unit/test_cold_start.py). The handler imports it when it answers; the document
    builder loads it with ``load()``."""

    module: str
    name: str

    def load(self) -> type[BaseModel]:
        model = getattr(importlib.import_module(self.module), self.name)
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            raise TypeError(f"{self.module}.{self.name} is not a pydantic model")
        return model


ResponseModel = type[BaseModel] | Later
"""A route's response model: the class, or ``Later(module, name)``."""


def response_model(declared: ResponseModel) -> type[BaseModel]:
    return declared.load() if isinstance(declared, Later) else declared


QUERY_MODELS: dict[tuple[str, str], type[BaseModel]] = {}
"""``(method, path) -> model``: each route's query-string model, as its ``route(...,
query=Model)`` declares it. The OpenAPI builder (devtools/openapi/) documents the route's
query parameters from it; the view validates with it (``parse_query(request, Model)``)."""
RESPONSE_MODELS: dict[tuple[str, str], dict[int, ResponseModel]] = {}
"""``(method, path) -> {status: model}``: the JSON bodies a route answers with, as its
``route(..., responses={200: Model})`` declares them; the OpenAPI document's response
schemas are generated from them."""
RESPONSE_MEDIA: dict[tuple[str, str], dict[int, str]] = {}
"""``(method, path) -> {status: media type}``: the bodies a route answers with that are not
JSON (CSV, SVG, HTML), as its ``route(..., media={200: "text/csv"})`` declares them; the
document's ``content`` for them is generated from it."""
OPTIONAL_QUERY: set[tuple[str, str, str]] = set()
"""``(method, path, name)``: required by the model, but the model applies to one form of the
route only (``route(..., optional_query=(name,))``)."""


def route(
    blueprint: Blueprint,
    path: str,
    *,
    methods: list[str],
    cors: bool = False,
    authorizer: Any = None,
    content_types: list[str] | None = None,
    query: type[BaseModel] | None = None,
    optional_query: tuple[str, ...] = (),
    responses: dict[int, ResponseModel] | None = None,
    media: dict[int, str] | None = None,
    api_key_required: bool = False,
) -> Callable[[View], View]:
    """Register a view whose domain and validation errors become 4xx JSON, never a 500.

    With ``cors=True`` the route also answers the browser's OPTIONS preflight, and responses
    carry Access-Control-Allow-Origin for the configured website origins only.
    ``authorizer``: an API Gateway authorizer for the route (admin routes pass
    ``chalicelib.api.auth.admin_authorizer()``; None in local mode).
    ``query``: the model the view validates its query string with (``parse_query``); the
    OpenAPI document's query parameters are generated from it. A route without one refuses
    every parameter (``reject_query``). ``responses``: the model of the JSON body of each
    success status (chalicelib/api/responses.py), or ``Later(module, name)`` for a model whose
    module the cold start must not load; the document's schemas come from them.
    ``media``: the media type of each success status whose body is not JSON (``text/csv``,
    ``image/svg+xml``, ``text/html``); a status may have both (a report as JSON or CSV).
    ``api_key_required``: API Gateway lets the request through only with a key of the
    partner usage plan (its quota applies there too); the browser's preflight needs none.
    The view still authenticates the key itself (locally, nothing else does).
    """
    if responses:
        for method in methods:
            RESPONSE_MODELS[(method.lower(), path)] = dict(responses)
    if media:
        for method in methods:
            RESPONSE_MEDIA[(method.lower(), path)] = dict(media)
    if query is not None:
        for method in methods:
            QUERY_MODELS[(method.lower(), path)] = query
            OPTIONAL_QUERY.update((method.lower(), path, name) for name in optional_query)

    def register(view: View) -> View:
        @functools.wraps(view)
        def handler(**kwargs: Any) -> Response:
            request: Request = blueprint.current_request
            if request.method == "OPTIONS":
                response = Response(body="", status_code=204)
            else:
                try:
                    response = view(**kwargs)
                except RepereError as error:
                    response = domain_error_response(error)
                except ValidationError as error:
                    response = validation_error_response(error)
                except Exception as error:
                    unavailable = store_unavailable(error)
                    if unavailable is not None:
                        # The store (or a queue, a bucket) failed, timed out or throttled us:
                        # the request was fine and may succeed in a few seconds (503 with
                        # Retry-After), rather than a 500 that reads as a bug.
                        logger.warning(
                            "dependency_unavailable",
                            extra={"route": path, "error": type(error).__name__},
                            exc_info=error,
                        )
                        response = domain_error_response(unavailable)
                    else:
                        # A fault of ours, not of the caller: log it with its stack, answer in
                        # the same JSON shape, and leak nothing of the internals.
                        logger.exception("unhandled_error", extra={"route": path})
                        response = json_error(500, "internal_error", "an internal error occurred")
            if cors:
                _add_cors_headers(request, response, methods)
            return response

        all_methods = [*methods, "OPTIONS"] if cors else methods
        # ``content_types``: bodies other than JSON the route accepts (Chalice answers 415
        # to any other), e.g. the RFC 8058 one-click unsubscription form.
        extra: dict[str, Any] = {"content_types": content_types} if content_types else {}
        if authorizer is not None:
            extra["authorizer"] = authorizer
        if api_key_required:
            blueprint.route(path, methods=methods, api_key_required=True, **extra)(handler)
            if cors:
                blueprint.route(path, methods=["OPTIONS"], **extra)(handler)
        else:
            blueprint.route(path, methods=all_methods, **extra)(handler)
        return handler

    return register


_REFUSED_ORIGINS_LOGGED: set[str] = set()
_MAX_REFUSED_ORIGINS_LOGGED = 50  # a flood of made-up origins must not fill memory or logs


def _add_cors_headers(request: Request, response: Response, methods: list[str]) -> None:
    origin = header(request, "origin")
    # Kept with what the view said it varies on (Accept-Language: docs/translations.md).
    vary = response.headers.get("Vary")
    response.headers["Vary"] = f"Origin, {vary}" if vary and vary != "Origin" else "Origin"
    if not origin:
        return
    if not get_settings().allows_origin(origin):
        _log_refused_origin(origin)
        return
    response.headers["Access-Control-Allow-Origin"] = origin
    response.headers["Access-Control-Allow-Methods"] = ",".join([*methods, "OPTIONS"])
    response.headers["Access-Control-Allow-Headers"] = _CORS_HEADERS
    response.headers["Access-Control-Expose-Headers"] = "ETag"
    response.headers["Access-Control-Max-Age"] = "600"


def _log_refused_origin(origin: str) -> None:
    """Once per origin (per container): a developer whose page cannot call the API learns
    which setting to change, without a line per request."""
    if (
        origin in _REFUSED_ORIGINS_LOGGED
        or len(_REFUSED_ORIGINS_LOGGED) >= _MAX_REFUSED_ORIGINS_LOGGED
    ):
        return
    _REFUSED_ORIGINS_LOGGED.add(origin)
    logger.warning(
        "cors_origin_refused",
        extra={
            "origin": origin[:200],
            "setting": "REPERE_CORS_ORIGINS",
            "hint": "add the origin to REPERE_CORS_ORIGINS (comma-separated)",
        },
    )


def parse_query(request: Request, model: type[ModelT]) -> ModelT:
    """Validate the query string with ``model`` (extra parameters are rejected)."""
    params = request.query_params
    raw: dict[str, Any] = {}
    if params is not None:
        repeatable = _list_fields(model)
        for key in params:
            values = params.getlist(key)
            if key in repeatable:
                # Accept both ?category=a&category=b and ?category=a,b
                raw[key] = [v.strip() for value in values for v in value.split(",") if v.strip()]
            elif len(values) > 1:
                raise InvalidInput(f"parameter {key!r} is given more than once", field=key)
            else:
                raw[key] = values[0]
    return model.model_validate(raw)


@functools.cache
def _list_fields(model: type[BaseModel]) -> frozenset[str]:
    """The query parameters ``model`` takes as lists (repeatable, or comma-separated): a
    parameter of the same name is a single value on another route (``/announcements``'
    ``audience``, ``/admin/places``' ``category``)."""
    return frozenset(
        name for name, field in model.model_fields.items() if _is_list(field.annotation)
    )


def _is_list(annotation: Any) -> bool:
    if typing.get_origin(annotation) in (list, tuple, set, frozenset):
        return True
    return any(_is_list(argument) for argument in typing.get_args(annotation))


def reject_query(request: Request) -> None:
    """For routes that take no query parameters: name the first unexpected one."""
    params = request.query_params
    if params:
        name = next(iter(params))
        raise InvalidInput(f"unknown parameter {name!r}", field=name, code="unknown_parameter")


def cacheable_json(request: Request, payload: Any, *, max_age: int) -> Response:
    """JSON with Cache-Control and a strong ETag; 304 when the client already has it."""
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), default=str)
    etag = '"' + hashlib.sha256(body.encode()).hexdigest()[:32] + '"'
    headers: dict[str, str | list[str]] = {
        "Cache-Control": f"public, max-age={max_age}",
        "ETag": etag,
    }
    if _etag_matches(header(request, "if-none-match"), etag):
        return Response(body="", status_code=304, headers=headers)
    headers["Content-Type"] = "application/json; charset=utf-8"
    return Response(body=body, status_code=200, headers=headers)


def _etag_matches(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    candidates = (tag.strip().removeprefix("W/") for tag in if_none_match.split(","))
    return etag in candidates


def client_address(request: Request) -> str:
    """API Gateway's view of the caller (never a client-supplied header), for rate limits.
    Services keep only an HMAC of it; the raw address is neither stored nor logged."""
    context = request.context or {}
    identity = context.get("identity")
    source = identity.get("sourceIp") if isinstance(identity, dict) else None
    return str(source) if source else "unknown"


def header(request: Request, name: str) -> str | None:
    headers = request.headers
    value = headers.get(name) if headers else None
    return str(value) if value is not None else None


def answer_language(request: Request, explicit: str | None) -> Language:
    """The answer's language: ``lang=`` (400 when unsupported), else Accept-Language, else
    French (docs/translations.md)."""
    return negotiate(explicit, header(request, "accept-language"))


def in_language(response: Response, lang: Language) -> Response:
    """The answer varies with Accept-Language (a cache must key on it) and says its language.
    The body, hence the ETag, of a French answer is what it always was."""
    response.headers["Content-Language"] = lang
    response.headers["Vary"] = "Accept-Language"
    return response
