"""Rate limits, declared in one place for the whole app (Flask-Limiter).

Each app gets its own Limiter: the extension keeps its storage and switches on the instance, so
one shared object would let one app's settings leak into another's.
"""

from __future__ import annotations

import logging

from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from .api.auth import rate_limit_key as api_rate_limit_key

log = logging.getLogger(__name__)


def register_rate_limits(app: Flask) -> Limiter:
    config = app.config
    if config["RATELIMIT_STORAGE_URI"].startswith("memory") and (
        config["ORGLADDER_ENV"] == "production"
    ):
        log.warning("rate limits are kept in process memory, per worker; set REDIS_URL")
    limiter = Limiter(key_func=get_remote_address, app=app)
    app.extensions["orgladder.limiter"] = limiter

    # endpoint -> [(limit, key function)], applied to POST only: reading a form is free.
    # Sign-in is not here: it counts failures only, per account and per address
    # (auth.throttle, auth.address_limit), so that nobody signing in correctly is slowed.
    limits = {
        "auth.change_password": [(config["PASSWORD_RATE_LIMIT"], get_remote_address)],
    }
    for endpoint, rules in limits.items():
        view = app.view_functions[endpoint]
        for limit, key in rules:
            view = limiter.limit(limit, key_func=key, methods=["POST"])(view)
        app.view_functions[endpoint] = view  # the wrapper keeps the view's access rule
    # Every API call counts, per token (per address for calls without a valid one).
    limiter.limit(config["API_RATE_LIMIT"], key_func=api_rate_limit_key)(app.blueprints["api"])
    return limiter
