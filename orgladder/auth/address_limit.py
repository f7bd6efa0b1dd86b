"""Failed sign-ins per client address (``LOGIN_FAILURE_LIMIT``), kept where the rate limits are
(Redis when ``REDIS_URL`` is set, so every worker shares one count).

Only failures are counted, and a browser with a device cookie for the account is not held to
it, so a company signing in all day behind one NAT address never meets it. Checked and counted
here by hand rather than by a Flask-Limiter decorator: the decorator counts before the view
knows whether the password was right, and it rewrites ``Retry-After`` on every answer.

When the storage cannot be reached the limit is skipped with a warning: the per-account
slow-down (``throttle``) lives in the database and still holds.
"""

from __future__ import annotations

import logging
import math
import time

from flask import current_app
from limits import parse_many
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

log = logging.getLogger(__name__)
EXTENSION = "orgladder.sign_in_address_limit"
SCOPE = "login-failures"


def _strategy() -> FixedWindowRateLimiter | None:
    app = current_app
    if not app.config["RATELIMIT_ENABLED"]:
        return None
    strategy = app.extensions.get(EXTENSION)
    if strategy is None:
        strategy = FixedWindowRateLimiter(storage_from_string(app.config["RATELIMIT_STORAGE_URI"]))
        app.extensions[EXTENSION] = strategy
    return strategy


def _identifiers(address: str) -> tuple[str, str, str]:
    return current_app.config["RATELIMIT_KEY_PREFIX"], SCOPE, address or "unknown"


def remaining_wait(address: str) -> int | None:
    """Seconds until this address may try again, or None when it may now."""
    strategy = _strategy()
    if strategy is None:
        return None
    ids = _identifiers(address)
    try:
        waits = [math.ceil(strategy.get_window_stats(limit, *ids).reset_time - time.time())
                 for limit in parse_many(current_app.config["LOGIN_FAILURE_LIMIT"])
                 if not strategy.test(limit, *ids)]
    except Exception:  # noqa: BLE001 - any storage failure: degrade, as the docstring says
        log.warning("sign-in address limit unavailable; relying on the per-account slow-down",
                    exc_info=True)
        return None
    return max(1, *waits) if waits else None


def note_failure(address: str) -> None:
    strategy = _strategy()
    if strategy is None:
        return
    try:
        for limit in parse_many(current_app.config["LOGIN_FAILURE_LIMIT"]):
            strategy.hit(limit, *_identifiers(address))
    except Exception:  # noqa: BLE001 - as in remaining_wait
        log.warning("sign-in address limit unavailable; failure not counted", exc_info=True)
