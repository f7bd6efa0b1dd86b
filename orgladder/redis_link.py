"""The app's one way into Redis (REDIS_URL), and how it degrades when Redis is away.

Redis holds what workers share but can do without: the rate limit counters (Flask-Limiter
keeps its own client, configured in config.py to fall back to process memory) and the import
progress figures (orgladder.people.progress, through ``RedisLink``). Nothing that must be
kept lives there, so a Redis failure costs a figure or makes limits per worker for a while,
never a request: every call here catches the failure, logs it once per outage, and answers
the caller's default. /healthz reports the outage.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TypeVar

import redis
from flask import Flask, current_app

log = logging.getLogger(__name__)
T = TypeVar("T")
EXTENSION = "orgladder.redis"
# A Redis that does not answer within this costs each call no more; a blackholed host would
# otherwise hold a worker for the operating system's TCP timeout.
TIMEOUT_SECONDS = 1.0


class RedisLink:
    def __init__(self, url: str, prefix: str, timeout: float = TIMEOUT_SECONDS) -> None:
        self.client = redis.Redis.from_url(url, socket_timeout=timeout,
                                           socket_connect_timeout=timeout)
        self.prefix = prefix
        self._down = False
        self._lock = threading.Lock()

    def key(self, *parts: object) -> str:
        return ":".join([self.prefix, *(str(part) for part in parts)])

    def call(self, what: str, action: Callable[[redis.Redis], T], default: T) -> T:
        """``action(client)``, or ``default`` when Redis fails (logged once per outage)."""
        try:
            result = action(self.client)
        except redis.RedisError as error:
            self._went_down(what, error)
            return default
        self._came_back()
        return result

    def is_up(self) -> bool:
        return self.call("ping", lambda client: bool(client.ping()), False)

    def _went_down(self, what: str, error: Exception) -> None:
        with self._lock:
            first, self._down = not self._down, True
        if first:
            log.warning("Redis is unreachable (%s: %s); carrying on without it", what, error)

    def _came_back(self) -> None:
        if self._down:
            with self._lock:
                self._down = False
            log.warning("Redis is reachable again")


def init_app(app: Flask) -> None:
    url = app.config.get("REDIS_URL")
    app.extensions[EXTENSION] = (RedisLink(url, app.config["RATELIMIT_KEY_PREFIX"])
                                 if url else None)


def link(app: Flask | None = None) -> RedisLink | None:
    """The app's link to Redis, or None when REDIS_URL is not set."""
    return (app or current_app).extensions.get(EXTENSION)


def health() -> str:
    """For /healthz: "ok", "down", or "off" when the app runs without Redis."""
    current = link()
    if current is None:
        return "off"
    return "ok" if current.is_up() else "down"
