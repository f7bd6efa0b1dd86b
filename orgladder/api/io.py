"""Reading requests and writing responses: JSON bodies and query strings checked by their
pydantic models, JSON answers with an ``ETag``, and the ``If-Match`` precondition."""

from __future__ import annotations

import hashlib
import re
from typing import Any, TypeVar

from flask import Response, current_app, request
from pydantic import BaseModel, ValidationError

from .. import bounded
from .errors import ApiError

M = TypeVar("M", bound=BaseModel)

MAX_BODY = 1024 * 1024
JSON_TYPES = ("application/json", "application/merge-patch+json")


def field_errors(error: ValidationError) -> list[dict[str, str]]:
    return [{"field": ".".join(str(part) for part in item["loc"]) or "body",
             "message": item["msg"]} for item in error.errors(include_url=False)]


def raw_body(allowed: tuple[str, ...] = JSON_TYPES) -> bytes:
    if request.mimetype not in allowed:
        raise ApiError(415, f"Send the body as {' or '.join(allowed)}.",
                       kind="unsupported-media-type")
    if (request.content_length or 0) > MAX_BODY:
        raise ApiError(413, f"A request body is at most {MAX_BODY // 1024} KB.")
    raw = request.get_data(cache=True)
    if len(raw) > MAX_BODY:
        raise ApiError(413, f"A request body is at most {MAX_BODY // 1024} KB.")
    return raw


def nul_path(value: Any, path: str = "") -> str | None:
    """Where a NUL character hides in decoded JSON (no text holds one; PostgreSQL cannot
    store one), or None."""
    if isinstance(value, str):
        return (path or "body") if "\x00" in value else None
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return None
    for key, item in items:
        if isinstance(key, str) and "\x00" in key:
            return path or "body"
        found = nul_path(item, f"{path}.{key}" if path else str(key))
        if found:
            return found
    return None


def refuse_nul(value: Any) -> None:
    where = nul_path(value)
    if where:
        raise ApiError(422, "Text cannot hold a NUL character.", kind="invalid-input",
                       errors=[{"field": where, "message": "contains a NUL character"}])


def bounded_body(allowed: tuple[str, ...] = JSON_TYPES) -> bytes:
    """The request body, once the bounded parser has read it: every API body passes here, so
    none too large, too deep or with too long a number reaches a model or a service (413 or
    400). A YAML body is read by the YAML parser, under the same bounds."""
    raw = raw_body(allowed)
    try:
        if request.mimetype in JSON_TYPES:
            bounded.load_json(raw)
        else:
            bounded.load_yaml(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise ApiError(400, "The body is not UTF-8 text.", kind="invalid-json") from None
    except bounded.Unreadable as error:
        where = f" (line {error.line})" if error.line else ""
        raise ApiError(400, f"The body cannot be read: {error.message}{where}.",
                       kind="invalid-json" if request.mimetype in JSON_TYPES
                       else "invalid-document") from None
    return raw


def json_body(model: type[M]) -> M:
    """The request's JSON body as ``model``: 400 when it is not JSON, 422 with every field
    error when it does not fit. Strict: no string for a number, no number for a date. The
    model reads the bytes the bounded parser has passed (in pydantic's JSON mode, which is
    what lets a date arrive as text)."""
    raw = bounded_body()
    try:
        data = model.model_validate_json(raw, strict=True)
    except ValidationError as error:
        if any(item["type"] == "json_invalid" for item in error.errors()):
            raise ApiError(400, "The body is not valid JSON.", kind="invalid-json") from None
        raise ApiError(422, "The body does not fit the operation's schema.",
                       kind="invalid-input", errors=field_errors(error)) from None
    refuse_nul(data.model_dump())
    return data


def query_args(model: type[M] | None) -> M | None:
    """The query string as ``model``; a bad value or an unknown parameter is a 400 naming
    it. ``None``: the operation takes no parameters at all."""
    if model is None:
        if request.args:
            raise ApiError(400, "This operation takes no query parameters.",
                           kind="invalid-query",
                           errors=[{"field": name, "message": "Extra inputs are not permitted"}
                                   for name in request.args])
        return None
    try:
        return model.model_validate(request.args.to_dict(flat=True))
    except ValidationError as error:
        raise ApiError(400, "A query parameter is not valid.", kind="invalid-query",
                       errors=field_errors(error)) from None


def etag_of(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()[:32]


def serialize(model: BaseModel) -> bytes:
    return model.model_dump_json().encode()


def versioned_etag(revision: int, body: bytes) -> str:
    """The ETag of a record whose saves the service checks by revision (a calibration entry):
    the revision the body shows, then the hash of the body."""
    return f"r{revision}-{etag_of(body)[:16]}"


def json_response(model: BaseModel, status: int = 200, *, etag: bool = False,
                  revision: int | None = None,
                  headers: dict[str, str] | None = None) -> Response:
    """``model`` as JSON. A single resource carries an ETag (a hash of exactly this body,
    after the record's ``revision`` when given), and a GET whose If-None-Match names it is
    answered 304."""
    body = serialize(model)
    response = Response(body, status=status, mimetype="application/json")
    response.headers.update(headers or {})
    return with_etag(response, body, revision) if etag else response


def with_etag(response: Response, body: bytes, revision: int | None = None) -> Response:
    """Tag ``response`` with the hash of ``body``; a GET that already has it gets a 304."""
    tag = etag_of(body) if revision is None else versioned_etag(revision, body)
    response.set_etag(tag)
    if request.method in ("GET", "HEAD") and request.if_none_match.contains_weak(tag):
        return Response(status=304, headers={"ETag": response.headers["ETag"]})
    return response


STALE = ("It changed after you read it, so nothing was saved. GET it again, check the "
         "current values and send your change with the new ETag.")
VERSIONED_TAG = re.compile(r"^r([0-9]{1,10})-[0-9a-f]{16}$")


def _if_match_given() -> None:
    if not request.headers.get("If-Match"):
        raise ApiError(428, "Send If-Match with the ETag from your last GET of this resource, "
                            "so a change made since is never overwritten.",
                       kind="precondition-required")
    if request.if_match.star_tag:
        raise ApiError(428, "If-Match: * does not protect anyone's change; send the ETag.",
                       kind="precondition-required")


def require_if_match(current: BaseModel) -> None:
    """PATCH needs the ETag the client read: 428 without one, 412 when the resource has
    changed since (someone else saved first), so no edit overwrites one it never saw. Checked
    once the body is known to be well formed, so a malformed edit is a 422 whatever its ETag."""
    _if_match_given()
    now = etag_of(serialize(current))
    if not request.if_match.contains(now):
        raise ApiError(412, STALE, kind="stale", current_etag=f'"{now}"')


def if_match_revision(current: BaseModel, revision: int) -> int:
    """The revision a PATCH was made from, read from its If-Match (428 without one), for a
    service that refuses saves from an older revision itself and says what changed since.
    An ETag that names no revision of this record is stale (412)."""
    _if_match_given()
    now = versioned_etag(revision, serialize(current))
    if request.if_match.contains(now):
        return revision
    for tag in request.if_match.as_set():
        found = VERSIONED_TAG.match(tag)
        if found:
            return int(found.group(1))
    raise ApiError(412, STALE, kind="stale", current_etag=f'"{now}"')


def check_query_string() -> None:
    """before_request of the API: the query string fits the operation's declared parameters
    (none, for most), so the document and the answers agree on what is accepted."""
    view = current_app.view_functions.get(request.endpoint or "")
    operation = getattr(view, "api_operation", None)
    if operation is not None:
        query_args(operation.query)
