"""GET /api/v1/openapi.json: the API's own description."""

from __future__ import annotations

from flask import current_app, jsonify

from ..access import public
from . import bp
from .openapi import build_spec, operation

DESCRIPTION = """orgladder's JSON API: ladders, people, level assignments, calibrations and the
audit log of one company, as the token's owner may see them. Authenticate with a personal access
token (`Authorization: Bearer <token>`). Errors are `application/problem+json` (RFC 9457). Lists are
paginated (`page`, `per_page`, `Link` headers). Every single resource has an `ETag`; `PATCH`
requires `If-Match` (428 without it, 412 when stale). See docs/api.md."""


@bp.get("/openapi.json")
@public
@operation("This document: the OpenAPI 3.1 description of the API", tag="meta",
           response_media={"application/json": {"type": "object"}})
def openapi_document():
    spec = current_app.extensions.get("orgladder.openapi")
    if spec is None:
        spec = build_spec(current_app, title="orgladder API", version="1",
                          description=DESCRIPTION)
        current_app.extensions["orgladder.openapi"] = spec
    return jsonify(spec)
