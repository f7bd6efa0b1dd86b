"""Who is calling the API: the owner of the bearer token, and nobody else.

Requests under the API's path never look at the session cookie: a browser that is signed in
carries no authority here, so a page on another site cannot make it write (no CSRF hole, and the
API needs no CSRF token). The owner is put where Flask-Login looks first, so the one access guard
(``access.enforce``) and ``current_user`` work as on the pages.
"""

from __future__ import annotations

from flask import g, request
from flask_limiter.util import get_remote_address
from flask_login import AnonymousUserMixin

from ..auth.tokens import ApiToken, TokenExpired, authenticate_token
from ..extensions import db
from .errors import ApiError, is_api_request

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_UNSET = object()


def bearer_secret() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return None
    return secret.strip()


def current_token() -> ApiToken | None:
    """The request's valid token, looked up once per request."""
    token = g.get("api_token", _UNSET)
    if token is _UNSET:
        secret = bearer_secret()
        expired = None
        try:
            token = authenticate_token(secret) if secret else None
        except TokenExpired as error:
            token, expired = None, error.token.expires_at
        if token is not None and db.session.is_modified(token):
            db.session.commit()  # the last-used time, apart from whatever the request does
        g.api_token = token
        if expired is not None:
            g.api_auth_failure = (f"The token expired on {expired:%-d %b %Y at %H:%M} UTC. "
                                  "Make a new one on your settings page.")
        elif secret and token is None:
            g.api_auth_failure = ("The token is not valid: unknown, revoked, or its owner is "
                                  "deactivated.")
        elif request.headers.get("Authorization") and not secret:
            g.api_auth_failure = "Use the Bearer scheme: Authorization: Bearer <token>."
    return token


def load_api_user() -> None:
    """before_request: identify API callers by token only, and hold read-only tokens to reads."""
    if not is_api_request():
        return
    token = current_token()
    g._login_user = token.person if token is not None else AnonymousUserMixin()
    if token is not None and token.person.must_change_password:
        # Unreachable with tokens made by the app (none can be made before the change), kept
        # so that no token ever acts for a person who has not yet chosen their own password.
        raise ApiError(403, "Change your password first: HR set it, and it must be your own.",
                       kind="password-change-required")
    if (token is not None and token.read_only and request.endpoint is not None
            and request.method not in SAFE_METHODS):
        raise ApiError(403, "This token is read-only; make a token that may write.",
                       kind="read-only-token")


def rate_limit_key() -> str:
    """Count per token, so scripts sharing an address do not starve each other; callers
    without a valid token are counted by address."""
    token = current_token()
    return f"api-token:{token.id}" if token is not None else f"api-ip:{get_remote_address()}"
