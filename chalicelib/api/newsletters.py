"""Newsletter subscriptions (public, CORS) and the digest preview (back office).

docs/newsletters.md. Tokens travel in ``Authorization: Bearer`` or the JSON body, never in
the path. The one exception is RFC 8058's one-click unsubscription: a mail client POSTs
``List-Unsubscribe=One-Click`` to the URL of the ``List-Unsubscribe`` header, which can only
carry the token in its query string. The access-log middleware logs the path, never the
query string; responses are never cacheable.
"""

from __future__ import annotations

from email import policy as email_policy
from email.parser import BytesParser
from typing import Literal
from urllib.parse import parse_qs

from chalice.app import Blueprint, Request, Response
from pydantic import Field

from chalicelib.api.auth import MAX_TOKEN_LENGTH, admin_authorizer, authenticate, bearer_token
from chalicelib.api.bodies import body_bytes, json_object, private_json
from chalicelib.api.http import Later, client_address, parse_query, reject_query, route
from chalicelib.api.params import Department, Params
from chalicelib.api.responses import SubscriptionAccepted, Unsubscribed, to_json
from chalicelib.composition import services
from chalicelib.domain.errors import InvalidInput, Unauthorized, Unprocessable
from chalicelib.domain.hours.models import DomainModel
from chalicelib.domain.translations.languages import Language

newsletters = Blueprint(__name__)

AUTHORIZER = admin_authorizer()
ONE_CLICK = "List-Unsubscribe=One-Click"
MAX_FORM_BYTES = 10_000
# Public and anonymous: an address, a few departments, a token. The scan and parse of a body
# cost CPU in proportion to its size, so these routes take far less than the back office.
MAX_BODY_BYTES = 10_000
# Named, not imported: the newsletter models load with the first newsletter request.
SUBSCRIPTION = Later("chalicelib.domain.newsletters.models", "SubscriptionView")
PREVIEW = Later("chalicelib.domain.newsletters.preview", "NewsletterPreview")
_FORM = "application/x-www-form-urlencoded"
_MULTIPART = "multipart/form-data"
ACCEPTED = (
    "if this address was not subscribed yet, a confirmation link is on its way to it; "
    "nothing is sent before it is confirmed"
)


class TokenBody(DomainModel):
    token: str | None = Field(default=None, min_length=1, max_length=MAX_TOKEN_LENGTH)


class OneClickQuery(Params):
    token: str = Field(
        min_length=1,
        max_length=MAX_TOKEN_LENGTH,
        description="One-click only (RFC 8058): the unsubscription token.",
    )


class PreviewParams(Params):
    department: Department = Field(description="Department code.")
    week: str | None = Field(
        default=None, max_length=8, description="ISO week (default: the current one)."
    )
    # Not "language": the shared query parser reads that one as a repeatable search filter.
    locale: Language = Field(
        default="fr", description="Language of the mail (docs/translations.md lists them)."
    )
    format: Literal["json", "html"] = Field(
        default="json", description="`html`: the HTML part alone."
    )


@route(
    newsletters,
    "/subscriptions",
    methods=["POST"],
    cors=True,
    responses={202: SubscriptionAccepted},
)
def subscribe() -> Response:
    from chalicelib.domain.newsletters.models import SubscriptionRequest

    request = newsletters.current_request
    reject_query(request)
    body = SubscriptionRequest.model_validate(json_object(request, limit=MAX_BODY_BYTES))
    services().subscription_service.subscribe(body, client_address=client_address(request))
    # The same answer whether the address is new, pending or subscribed: no enumeration.
    accepted = SubscriptionAccepted(status="accepted", message=ACCEPTED)
    return private_json(to_json(accepted), status=202)


@route(
    newsletters,
    "/subscriptions/confirm",
    methods=["POST"],
    cors=True,
    responses={200: SUBSCRIPTION},
)
def confirm() -> Response:
    request = newsletters.current_request
    reject_query(request)
    view = services().subscription_service.confirm(_token(request))
    return private_json(to_json(view))


@route(
    newsletters,
    "/subscriptions/unsubscribe",
    methods=["POST"],
    cors=True,
    content_types=["application/json", _FORM, _MULTIPART],
    query=OneClickQuery,  # RFC 8058 one-click only; otherwise the token is in the body
    optional_query=("token",),
    responses={200: Unsubscribed},
)
def unsubscribe() -> Response:
    request = newsletters.current_request
    token = _one_click_token(request) if request.query_params else _token(request)
    services().subscription_service.unsubscribe(token)
    return private_json(to_json(Unsubscribed(status="unsubscribed")))


@route(
    newsletters,
    "/admin/newsletters/preview",
    methods=["GET"],
    authorizer=AUTHORIZER,
    query=PreviewParams,
    responses={200: PREVIEW},
    media={200: "text/html"},
)
def preview() -> Response:
    from chalicelib.domain.newsletters.models import IssueWeek

    request = newsletters.current_request
    principal = authenticate(request)
    params = parse_query(request, PreviewParams)
    week = (
        IssueWeek.parse(params.week)
        if params.week
        else IssueWeek.containing(services().clock.now().date())
    )
    result = services().newsletter_preview_service.preview(
        principal, params.department, week, params.locale
    )
    if params.format == "html":
        if result.html is None:
            raise Unprocessable(
                "this stage renders no mail (no preview worker): ask for the JSON preview "
                "(the digest)",
                field="format",
                code="preview_not_rendered",
            )
        return Response(
            body=result.html,
            status_code=200,
            headers={
                "Content-Type": "text/html; charset=utf-8",
                "Cache-Control": "no-store",
                # Opened on the API's origin: no script, no form, no request anywhere.
                "Content-Security-Policy": "sandbox; default-src 'none'; style-src 'unsafe-inline'",
            },
        )
    return private_json(to_json(result))


def _token(request: Request) -> str:
    """From ``Authorization: Bearer`` or the JSON body ``{"token": ...}`` (one of them)."""
    body = TokenBody.model_validate(json_object(request, optional=True, limit=MAX_BODY_BYTES))
    has_header = bool(request.headers and request.headers.get("authorization"))
    if has_header and body.token is not None:
        raise InvalidInput("give the token once: header or body", field="token")
    if has_header:
        return bearer_token(request)
    if body.token is None:
        raise Unauthorized("this route needs the link's token", code="missing_token")
    return body.token


def _one_click_token(request: Request) -> str:
    """RFC 8058: ``POST <List-Unsubscribe URL>`` with the form body ``List-Unsubscribe=
    One-Click``; the token is the URL's query parameter."""
    query = parse_query(request, OneClickQuery)
    headers = request.headers
    content_type = str(headers.get("content-type", "")) if headers else ""
    # The form is 26 bytes; a larger body is refused rather than cut (413 ``too_large``).
    body = body_bytes(request, limit=MAX_FORM_BYTES)
    if _form_value(content_type, body, "List-Unsubscribe") != "One-Click":
        raise InvalidInput(
            f"a one-click unsubscription posts the form body {ONE_CLICK!r}",
            field="body",
            code="invalid_body",
        )
    return query.token


def _form_value(content_type: str, body: bytes, name: str) -> str | None:
    """A field of a form body: RFC 8058 allows ``application/x-www-form-urlencoded`` and
    ``multipart/form-data``."""
    kind = content_type.split(";", 1)[0].strip().lower()
    if kind == _FORM:
        values = parse_qs(body.decode("utf-8", errors="replace")).get(name)
        return values[0] if values and len(values) == 1 else None
    if kind == _MULTIPART:
        head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
        message = BytesParser(policy=email_policy.HTTP).parsebytes(head + body)
        for part in message.iter_parts() if message.is_multipart() else ():
            if part.get_param("name", header="content-disposition") == name:
                payload = part.get_payload(decode=True)
                if not isinstance(payload, bytes):
                    return None
                return payload.decode("utf-8", errors="replace").strip()
    return None
