"""Friendly error pages; nothing a user types ends in a bare stack trace."""

from __future__ import annotations

import logging

from flask import Flask, g, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError, OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError, ServiceUnavailable

from .api.errors import http_problem, is_api_request
from .extensions import db, login_manager

log = logging.getLogger(__name__)

MESSAGES = {
    400: ("Bad request", "The request could not be understood. Reload the page and try again."),
    403: ("Not allowed", "You do not have permission to see this page."),
    404: ("Not found", "There is nothing here. It may have been moved, or never existed."),
    405: ("Not allowed", "This page does not accept that kind of request."),
    413: ("Too large", "The upload is larger than this page accepts."),
    429: ("Too many attempts", "Please wait a minute before you try again."),
    500: ("Something went wrong", "The error is logged. Please try again in a moment."),
    503: ("Temporarily unavailable", "orgladder cannot reach its database. Try again shortly."),
}


def render_error(code: int, detail: str | None = None, *, bare: bool = False):
    """``bare`` leaves out everything that needs the database (the signed-in navigation)."""
    title, message = MESSAGES.get(code, ("Error", "The request failed."))
    return render_template("errors/error.html", code=code, title=title,
                           message=detail or message, bare=bare), code


def register_error_pages(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        log.warning("refused a form without a valid CSRF token: %s %s", request.method,
                    request.path)
        return render_error(400, "The form expired or was sent from elsewhere. Reload the page and "
                            "submit it again.")

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        if is_api_request():  # e.g. a 404 or 405 from routing, before any API endpoint
            return http_problem(error)
        return render_error(error.code)

    @app.errorhandler(OperationalError)
    def database_down(error):
        db.session.rollback()
        # Treat the visitor as anonymous, or rendering the page would ask the database again.
        g._login_user = login_manager.anonymous_user()
        log.error("database unavailable: %s", error)
        return render_error(ServiceUnavailable.code, bare=True)

    @app.errorhandler(DataError)
    def unstorable_value(error):
        # A value the database refuses (out of range, bad encoding): the input's fault, not ours.
        db.session.rollback()
        log.warning("refused a value the database cannot store: %s", error.orig)
        return render_error(400, "The form holds a value that cannot be stored. Check it and try "
                            "again.")

    @app.errorhandler(InternalServerError)
    def server_error(error):
        db.session.rollback()
        return render_error(500)
