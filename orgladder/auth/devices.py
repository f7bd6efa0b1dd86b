"""Device cookies (OWASP, "Slow down online guessing attacks with device cookies").

A successful sign-in leaves in the browser a signed cookie naming the account and a random id
of the browser. Later attempts for that account from that browser are counted against the
cookie alone (``throttle.device_key``): the account-wide slow-down and the per-address limit
that failures from elsewhere set off do not apply to it, so a guesser elsewhere cannot keep the
owner out. Only a browser that once knew the password holds one; anyone else is untrusted.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from flask import current_app, url_for
from flask.wrappers import Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

SALT = "orgladder.device-cookie"


@dataclass(frozen=True)
class Device:
    """A browser that signed in to ``email`` before; ``id`` tells it from the others."""

    email: str
    id: str


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def _max_age() -> int:
    return current_app.config["DEVICE_COOKIE_DAYS"] * 24 * 3600


def read(cookie: str | None) -> Device | None:
    """The device a cookie names, when it is ours, unaltered and not too old."""
    if not cookie or len(cookie) > 1000:
        return None
    try:
        data = _serializer().loads(cookie, max_age=_max_age())
    except BadSignature:  # also an expired signature
        return None
    if not isinstance(data, dict):
        return None
    email, device_id = data.get("email"), data.get("device")
    if not isinstance(email, str) or not isinstance(device_id, str):
        return None
    return Device(email=email, id=device_id)


def trusted_for(cookie: str | None, email: str) -> Device | None:
    """The device of ``cookie`` when it names the account being signed in to."""
    device = read(cookie)
    if device is None or device.email != email.strip().lower():
        return None
    return device


def remember(response: Response, email: str) -> None:
    """After a successful sign-in: this browser is trusted for ``email`` from now on (a new
    id each time, so a copied old cookie and the fresh one are counted apart)."""
    config = current_app.config
    value = _serializer().dumps({"email": email.strip().lower(),
                                 "device": secrets.token_urlsafe(16)})
    response.set_cookie(config["DEVICE_COOKIE_NAME"], value, max_age=_max_age(), httponly=True,
                        secure=config.get("SESSION_COOKIE_SECURE", False), samesite="Lax",
                        path=url_for("auth.login"))
