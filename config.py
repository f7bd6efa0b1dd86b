"""Every environment variable orgladder reads is read here, with a safe default.

``load_config(env)`` is called by ``create_app`` at start-up (never at import), so tests and
commands can set variables first. ``ORGLADDER_ENV`` picks the profile:

- ``development`` (default): SQLite file under ``instance/``, a secret key generated once and kept
  in ``instance/secret_key`` so sessions survive restarts.
- ``testing``: ``TEST_DATABASE_URL`` (SQLite when unset), cheap password hashing.
- ``production``: refuses to start without ``SECRET_KEY`` and ``DATABASE_URL``; secure cookies.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent
PROFILES = ("development", "testing", "production")


class ConfigError(RuntimeError):
    """The environment does not describe a runnable configuration."""


def normalize_database_url(url: str) -> str:
    """Point PostgreSQL URLs at psycopg 3, whatever spelling the platform hands us."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number, not {raw!r}") from exc


def _bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in ("1", "true", "yes", "on"):
        return True
    if raw.lower() in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} must be 1 or 0, not {raw!r}")


def _jobs_backend(env: str, redis_url: str | None) -> str:
    """RQ when there is a Redis to queue on, else in-process; tests run in-process unless a
    test (or JOBS_BACKEND) asks for the queue, so CI's Redis does not change what they see."""
    chosen = os.environ.get("JOBS_BACKEND") or (
        "rq" if redis_url and env != "testing" else "inline")
    if chosen not in ("rq", "inline"):
        raise ConfigError(f"JOBS_BACKEND must be rq or inline, not {chosen!r}")
    if chosen == "rq" and not redis_url:
        raise ConfigError("JOBS_BACKEND=rq needs REDIS_URL")
    return chosen


def _instance_path() -> Path:
    return Path(os.environ.get("ORGLADDER_INSTANCE_PATH", ROOT / "instance")).resolve()


def _development_secret(instance: Path) -> str:
    """A per-checkout random key: never a hard-coded fallback, yet stable across restarts."""
    key_file = instance / "secret_key"
    if not key_file.exists():
        instance.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def load_config(env: str | None = None) -> dict[str, Any]:
    env = env or os.environ.get("ORGLADDER_ENV", "development")
    if env not in PROFILES:
        raise ConfigError(f"ORGLADDER_ENV must be one of {', '.join(PROFILES)}, not {env!r}")
    instance = _instance_path()

    config: dict[str, Any] = {
        "ORGLADDER_ENV": env,
        "INSTANCE_PATH": str(instance),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_NAME": "orgladder_session",
        # A CSRF token lives as long as the session: a form left open over lunch still submits.
        "WTF_CSRF_TIME_LIMIT": None,
        "PASSWORD_MIN_LENGTH": _int("PASSWORD_MIN_LENGTH", 12),
        # Failed sign-ins slow the next attempt down; nothing ever locks (auth/throttle.py).
        # Per email address, or per trusted browser: SIGN_IN_FREE_FAILURES cost nothing, then
        # each failure makes the next attempt wait SIGN_IN_FIRST_DELAY_SECONDS, doubling up
        # to SIGN_IN_MAX_DELAY_SECONDS (5, 10, 20 ... 300 s), so a guesser gets about a dozen
        # tries an hour per account. Forgotten SIGN_IN_FORGET_MINUTES after the latest failure.
        "SIGN_IN_FREE_FAILURES": _int("SIGN_IN_FREE_FAILURES", 5),
        "SIGN_IN_FIRST_DELAY_SECONDS": _int("SIGN_IN_FIRST_DELAY_SECONDS", 5),
        "SIGN_IN_MAX_DELAY_SECONDS": _int("SIGN_IN_MAX_DELAY_SECONDS", 300),
        "SIGN_IN_FORGET_MINUTES": _int("SIGN_IN_FORGET_MINUTES", 60),
        # A browser that signed in to an account is trusted for it this long (auth/devices.py):
        # failures from elsewhere do not slow it down.
        "DEVICE_COOKIE_NAME": "orgladder_device",
        "DEVICE_COOKIE_DAYS": _int("DEVICE_COOKIE_DAYS", 180),
        # A sign-in ends after SESSION_IDLE_MINUTES without a request, and in any case
        # SESSION_MAX_HOURS after it began (docs/security.md gives the reasons).
        "SESSION_IDLE_MINUTES": _int("SESSION_IDLE_MINUTES", 30),
        "SESSION_MAX_HOURS": _int("SESSION_MAX_HOURS", 12),
        # How stale a session's last-seen time may get before a request writes it again.
        "SESSION_TOUCH_SECONDS": _int("SESSION_TOUCH_SECONDS", 60),
        "AUDIT_PAGE_SIZE": _int("AUDIT_PAGE_SIZE", 50),
        # OWASP password storage cheat sheet: Argon2id, m=19 MiB, t=2, p=1 at the least.
        "ARGON2_TIME_COST": _int("ARGON2_TIME_COST", 2),
        "ARGON2_MEMORY_COST": _int("ARGON2_MEMORY_COST", 19 * 1024),
        "ARGON2_PARALLELISM": _int("ARGON2_PARALLELISM", 1),
        "PEOPLE_PAGE_SIZE": _int("PEOPLE_PAGE_SIZE", 50),
        # Rows of computed results (session figures, people filters, levels) each worker
        # keeps (orgladder.computed): about 1 KB each.
        "COMPUTED_CACHE_ROWS": _int("COMPUTED_CACHE_ROWS", 50_000),
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "INFO"),
        # Any request body, in bytes: an API body (1 MB, orgladder.api.io) and its framing; a
        # page that takes a file declares its own limit (orgladder.uploads).
        "MAX_CONTENT_LENGTH": _int("MAX_CONTENT_LENGTH", 1024 * 1024 + 64 * 1024),
        # Rate limits live in Redis when REDIS_URL is set, so they hold across workers and hosts.
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": os.environ.get("REDIS_URL") or "memory://",
        # Shared state between workers (the import progress bar) lives in the same Redis.
        "REDIS_URL": os.environ.get("REDIS_URL") or None,
        "RATELIMIT_HEADERS_ENABLED": True,
        # Redis down must not stop sign-ins and API calls: the limits go on in each worker's
        # memory (Flask-Limiter logs a warning, and tries Redis again with a growing pause),
        # and an error the fallback does not cover is logged instead of failing the request.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_SWALLOW_ERRORS": True,
        # Keeps apart the keys of several deployments sharing one Redis.
        "RATELIMIT_KEY_PREFIX": os.environ.get("REDIS_KEY_PREFIX") or "orgladder",
        # Failed sign-ins per client address (successes never count). A whole company behind
        # one NAT address shares it: an office of 1,000 mistyping twice a day each averages
        # 2 failures per 15 minutes, so 100 leaves room for a morning rush fifty times over,
        # while one address spraying guesses over many accounts gets 400 an hour.
        "LOGIN_FAILURE_LIMIT": os.environ.get("LOGIN_FAILURE_LIMIT", "100 per 15 minutes"),
        "PASSWORD_RATE_LIMIT": os.environ.get("PASSWORD_RATE_LIMIT", "5 per minute"),
        "API_RATE_LIMIT": os.environ.get("API_RATE_LIMIT", "300 per minute;5000 per hour"),
        # How many reverse proxies in front of the app may set X-Forwarded-For/-Proto.
        "TRUSTED_PROXIES": _int("TRUSTED_PROXIES", 0),
        # Background jobs (orgladder.jobs, docs/notifications.md): RQ on REDIS_URL, or run in
        # the process right after the commit that caused them.
        "JOBS_BACKEND": _jobs_backend(env, os.environ.get("REDIS_URL") or None),
        "JOBS_QUEUE": os.environ.get("JOBS_QUEUE") or "orgladder",
        # A failed job is tried again JOBS_RETRIES times, waiting longer each time (seconds).
        "JOBS_RETRIES": _int("JOBS_RETRIES", 5),
        "JOBS_RETRY_INTERVALS": [30, 120, 600, 1800, 3600],
        "JOBS_TIMEOUT_SECONDS": _int("JOBS_TIMEOUT_SECONDS", 300),
        # Where people reach the app: the links in emails are made from it.
        "BASE_URL": (os.environ.get("BASE_URL") or "http://127.0.0.1:5000").rstrip("/"),
        # Outgoing mail. Without MAIL_SERVER, mail is written to the log and to the outbox
        # page (/outbox) instead of being sent.
        "MAIL_SERVER": os.environ.get("MAIL_SERVER") or None,
        "MAIL_PORT": _int("MAIL_PORT", 587),
        "MAIL_USE_TLS": _bool("MAIL_USE_TLS", True),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD") or None,
        "MAIL_FROM": os.environ.get("MAIL_FROM") or "orgladder <noreply@localhost>",
        "MAIL_TIMEOUT_SECONDS": _int("MAIL_TIMEOUT_SECONDS", 10),
    }

    database_url = os.environ.get("DATABASE_URL", "")
    secret_key = os.environ.get("SECRET_KEY", "")

    if env == "production":
        required = (("SECRET_KEY", secret_key), ("DATABASE_URL", database_url))
        missing = [name for name, value in required if not value]
        if missing:
            raise ConfigError(f"production needs {' and '.join(missing)} in the environment")
        if len(secret_key) < 32:
            raise ConfigError("SECRET_KEY must be at least 32 characters in production")
        config.update(SESSION_COOKIE_SECURE=True, PREFERRED_URL_SCHEME="https")
    elif env == "testing":
        database_url = os.environ.get("TEST_DATABASE_URL") or database_url
        secret_key = secret_key or secrets.token_hex(32)
        # Hashing cost is a production concern; tests hash hundreds of passwords.
        config.update(
            TESTING=True, ARGON2_TIME_COST=1, ARGON2_MEMORY_COST=8, ARGON2_PARALLELISM=1,
            RATELIMIT_ENABLED=False,  # tests that check the limits switch them on
        )
    else:
        secret_key = secret_key or _development_secret(instance)

    if not database_url:
        instance.mkdir(parents=True, exist_ok=True)
        name = "orgladder-test.db" if env == "testing" else "orgladder.db"
        database_url = f"sqlite:///{instance / name}"

    if config["REDIS_URL"]:
        # A Redis that does not answer costs a request a second at most, not a TCP timeout.
        config["RATELIMIT_STORAGE_OPTIONS"] = {"socket_connect_timeout": 1, "socket_timeout": 1}
    config["SECRET_KEY"] = secret_key
    config["SQLALCHEMY_DATABASE_URI"] = normalize_database_url(database_url)
    return config
