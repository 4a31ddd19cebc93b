"""Authentication of back-office routes: ``authenticate(request) -> Principal``.

Every admin handler starts with it, then asks the domain's rules (chalicelib/domain/auth.py)::

    principal = authenticate(blueprint.current_request)
    require_role(principal, Role.ADMIN)

Two modes (REPERE_AUTH_MODE, docs/backoffice.md):

- ``local``: the ``Authorization: Bearer <jwt>`` header is verified here with the stage's
  HS256 secret (chalicelib/adapters/auth/local_jwt.py).
- ``cognito``: API Gateway's Cognito user pool authorizer (``admin_authorizer()``, attached to
  every admin route) has verified the token before the Lambda runs; the handler reads the
  verified claims from ``request.context["authorizer"]["claims"]`` and never the header. No
  claims there (an authorizer missing from the route) is a 401, not a pass.

Missing, malformed, wrongly signed or expired credentials → Unauthorized (401, with a
``WWW-Authenticate: Bearer`` header); a valid account without a back-office role → 403.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice.app import CognitoUserPoolAuthorizer, Request

from chalicelib.adapters.auth.claims import principal_from_claims
from chalicelib.composition import backoffice, services
from chalicelib.config import Settings, get_settings
from chalicelib.domain.auth import Principal
from chalicelib.domain.errors import Unauthorized

if TYPE_CHECKING:
    # PyJWT pulls in cryptography (~100 ms): loaded only where local tokens are verified,
    # never on a Cognito stage nor on a cold start that serves public routes.
    from chalicelib.adapters.auth.local_jwt import LocalJwtVerifier

MAX_TOKEN_LENGTH = 8192


def authenticate(request: Request, settings: Settings | None = None) -> Principal:
    """The caller of ``request`` (``settings``: the configured ones unless given)."""
    settings = settings or get_settings()
    if settings.auth_mode == "cognito":
        return principal_from_claims(_verified_claims(request))
    token = bearer_token(request)
    return principal_from_claims(local_verifier().verify(token))


def bearer_token(request: Request) -> str:
    headers = request.headers
    header = headers.get("authorization") if headers else None
    if not header:
        raise Unauthorized("this route needs a bearer token", code="missing_token")
    scheme, _, token = str(header).strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or " " in token or len(token) > MAX_TOKEN_LENGTH:
        raise Unauthorized("expected 'Authorization: Bearer <token>'", code="malformed_token")
    return token


def _verified_claims(request: Request) -> dict[str, Any]:
    context = request.context or {}
    authorizer = context.get("authorizer")
    claims = authorizer.get("claims") if isinstance(authorizer, dict) else None
    if not isinstance(claims, dict):
        raise Unauthorized("this route needs a bearer token", code="missing_token")
    return claims


def local_verifier() -> LocalJwtVerifier:
    return services().local_verifier


def verifier_for(settings: Settings) -> LocalJwtVerifier:
    """A verifier (and issuer) of ``settings``' local tokens (devtools, tests)."""
    return backoffice.local_verifier(settings)


def admin_authorizer(settings: Settings | None = None) -> CognitoUserPoolAuthorizer | None:
    """The API Gateway authorizer of admin routes: Cognito in ``cognito`` mode, none in
    ``local`` mode (where ``chalice local`` would otherwise accept unverified Cognito-looking
    tokens: it decodes them without checking the signature)."""
    settings = settings or get_settings()
    if settings.auth_mode != "cognito":
        return None
    return CognitoUserPoolAuthorizer(
        "RepereBackOffice", provider_arns=list(settings.cognito_user_pool_arns)
    )
