"""Response headers that make the browser enforce what the pages promise.

The Content-Security-Policy allows scripts and styles only from our own origin: the templates hold
no inline script and no style attribute, and a test fails if a page trips the policy.
"""

from __future__ import annotations

from flask import Flask, Response, abort, request
from flask_login import current_user

CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",  # Pico CSS draws its icons as data: SVG
    "font-src 'self'",
    "connect-src 'self'",
    "form-action 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
])


def secure_headers(response: Response, *, hsts: bool) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if hsts:
        headers.setdefault("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
    # Pages of a signed-in person show people data: never keep them in a shared or disk cache.
    if request.endpoint != "static" and current_user and current_user.is_authenticated:
        headers["Cache-Control"] = "no-store"
    return response


def refuse_nul_bytes() -> None:
    """No text a person types holds a NUL byte, and PostgreSQL cannot store one: refuse it
    up front with a 400 rather than fail deep in a query."""
    for values in (request.args, request.form):
        if any("\x00" in key or "\x00" in value for key, value in values.items(multi=True)):
            abort(400)


def register_security_headers(app: Flask) -> None:
    hsts = app.config["ORGLADDER_ENV"] == "production"
    app.before_request(refuse_nul_bytes)
    app.after_request(lambda response: secure_headers(response, hsts=hsts))
