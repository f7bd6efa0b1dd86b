"""How large a request may be, and which pages accept a file.

Every request body is bounded by ``MAX_CONTENT_LENGTH`` (config.py), which fits any form and
any API body. A page that takes a file declares it with ``@accepts_upload(limit)``; its larger
limit is set before anything reads the body (the CSRF check reads the form first), and a file
sent to a page that has not declared one is refused (415), so an upload cannot slip in without
a declared bound. An oversize body is a 413 that says the figure: a page for the browser,
problem+json for the API.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, current_app, request
from werkzeug.exceptions import RequestEntityTooLarge, UnsupportedMediaType

# The multipart framing (boundaries, headers, the CSRF field) around an uploaded file.
FORM_OVERHEAD = 64 * 1024
ATTRIBUTE = "upload_limit"


def accepts_upload(limit: int) -> Callable:
    """Declare that a page takes a file of at most ``limit`` bytes."""

    def decorate(view: Callable) -> Callable:
        setattr(view, ATTRIBUTE, limit)
        return view

    return decorate


def upload_limit(endpoint: str | None) -> int | None:
    view = current_app.view_functions.get(endpoint or "")
    return getattr(view, ATTRIBUTE, None)


def _bound_request() -> None:
    limit = upload_limit(request.endpoint)
    if limit is not None:
        request.max_content_length = limit + FORM_OVERHEAD
    elif request.mimetype == "multipart/form-data" and request.files:
        # Only a file is refused: a script's FormData posts plain fields as multipart too.
        raise UnsupportedMediaType("This page does not accept files.")


def limit_in_words(limit: int | None) -> str:
    if not limit:
        return "the size this page accepts"
    if limit >= 1024 * 1024:
        return f"{limit / (1024 * 1024):.0f} MB"
    return f"{limit // 1024} KB"


def too_large_message() -> str:
    limit = upload_limit(request.endpoint)
    figure = limit_in_words(limit or request.max_content_length)
    if limit:
        return f"The file is larger than this page accepts: at most {figure}. Nothing was read."
    return f"The request is larger than orgladder accepts: at most {figure}."


def register_upload_limits(app: Flask) -> None:
    """Before every other before_request (CSRF reads the body), so the limit is in place."""
    app.before_request_funcs.setdefault(None, []).insert(0, _bound_request)

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(error):
        from .api.errors import http_problem, is_api_request
        from .errorpages import render_error

        error.description = too_large_message()
        if is_api_request():
            return http_problem(error)
        return render_error(413, error.description)
