"""Every error of the API as ``application/problem+json`` (RFC 9457).

The blueprint's handlers cover everything raised once a request has reached an API endpoint
(the access guard, lookups, services, the database); ``http_problem`` also serves the app's own
handler for what routing refuses under the API's path (404, 405) before any endpoint is known.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from flask import Blueprint, Response, g, request
from sqlalchemy.exc import DataError, OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError

from ..errors import DomainError, NotAllowed
from ..extensions import db

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
PREFIX = "/api/"

TITLES = {
    400: "Bad request", 401: "Not authenticated", 403: "Not allowed", 404: "Not found",
    405: "Method not allowed", 406: "Not acceptable", 409: "Conflict",
    412: "Precondition failed", 413: "Too large", 415: "Unsupported media type",
    422: "Invalid input", 428: "Precondition required", 429: "Too many requests",
    500: "Internal error", 503: "Unavailable",
}


class ApiError(Exception):
    """A refusal the API words itself: a status, a message and extra problem members."""

    def __init__(self, status: int, detail: str, *, kind: str | None = None,
                 errors: list[dict[str, str]] | None = None, headers: dict | None = None,
                 **extra: Any):
        super().__init__(detail)
        self.status, self.detail, self.kind = status, detail, kind
        self.errors, self.headers, self.extra = errors, headers or {}, extra


def is_api_request() -> bool:
    return request.path.startswith(PREFIX)


def problem(status: int, detail: str | None = None, *, kind: str | None = None,
            errors: list[dict[str, str]] | None = None, headers: dict | None = None,
            **extra: Any) -> Response:
    body: dict[str, Any] = {
        # A specific kind names the problem; plain HTTP errors need nothing beyond the status.
        "type": f"urn:orgladder:problem:{kind}" if kind else "about:blank",
        "title": TITLES.get(status, "Error"),
        "status": status,
    }
    if detail:
        body["detail"] = detail
    body["instance"] = request.path
    if errors:
        body["errors"] = errors
    body.update(extra)
    response = Response(json.dumps(body, ensure_ascii=False), status=status,
                        mimetype=PROBLEM_JSON)
    response.headers.update(headers or {})
    return response


HTTP_DETAILS = {
    400: "The request could not be understood.",
    401: "Send a personal access token: Authorization: Bearer <token>.",
    403: "Your role does not allow this.",
    404: "There is nothing here, or it belongs to another company.",
    405: "This resource does not accept that method.",
    413: "The request body is too large.",
    429: "Too many requests; wait before you try again.",
}


def http_problem(error: HTTPException) -> Response:
    status = error.code or 500
    headers = dict(error.get_headers()) if status in (405, 429) else {}
    headers.pop("Content-Type", None)
    if status == 401:
        reason = g.get("api_auth_failure")
        headers["WWW-Authenticate"] = ('Bearer realm="orgladder", error="invalid_token"'
                                       if reason else 'Bearer realm="orgladder"')
        detail = reason or HTTP_DETAILS[401]
    elif status == 429:
        detail = f"{HTTP_DETAILS[429]} The limit is {error.description}."
    else:
        description = getattr(error, "description", None)
        default = type(error).description
        detail = description if description and description != default else HTTP_DETAILS.get(
            status, description)
    return problem(status, detail, headers=headers)


def register_error_handlers(bp: Blueprint) -> None:
    @bp.errorhandler(ApiError)
    def api_error(error: ApiError):
        db.session.rollback()
        return problem(error.status, error.detail, kind=error.kind, errors=error.errors,
                       headers=error.headers, **error.extra)

    @bp.errorhandler(NotAllowed)
    def not_allowed(error: NotAllowed):
        db.session.rollback()
        return problem(403, error.message, kind="not-allowed")

    @bp.errorhandler(DomainError)
    def business_rule(error: DomainError):
        # A service's refusal: about one field (invalid input) or about the state (conflict).
        db.session.rollback()
        if error.field:
            return problem(422, error.message, kind="invalid-input",
                           errors=[{"field": error.field, "message": error.message}])
        return problem(409, error.message, kind="conflict")

    @bp.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        return http_problem(error)

    @bp.errorhandler(DataError)
    def unstorable_value(error: DataError):
        db.session.rollback()
        log.warning("API refused a value the database cannot store: %s", error.orig)
        return problem(400, "A value cannot be stored (out of range or badly encoded).")

    @bp.errorhandler(OperationalError)
    def database_down(error: OperationalError):
        db.session.rollback()
        log.error("database unavailable: %s", error)
        return problem(503, "orgladder cannot reach its database; try again shortly.")

    @bp.errorhandler(InternalServerError)
    def server_error(error: InternalServerError):
        db.session.rollback()
        return problem(500, "The error is logged; try again in a moment.")
