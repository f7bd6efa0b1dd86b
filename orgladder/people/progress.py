"""How far the application of an import has got, for the page's progress bar.

The import runs in one transaction, so another request cannot read its progress from the
database until it commits. The figures go to Redis when REDIS_URL is set, so the status poll
may reach any worker on any host; without Redis they stay in this process, which is right for a
single-process server and shows no figure behind several workers (with a warning in production).

Progress is advisory: if Redis fails, the import goes on and the bar shows no figure.
"""

from __future__ import annotations

import json
import logging
import threading
from typing import Protocol

import redis
from flask import Flask, current_app

log = logging.getLogger(__name__)
EXTENSION = "orgladder.import_progress"
TTL_SECONDS = 3600  # a figure left by a worker that died mid-import expires on its own


class ProgressStore(Protocol):
    def report(self, batch_id: int, done: int, total: int, phase: str) -> None: ...
    def read(self, batch_id: int) -> tuple[int, int, str] | None: ...
    def forget(self, batch_id: int) -> None: ...


class MemoryProgress:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._progress: dict[int, tuple[int, int, str]] = {}

    def report(self, batch_id: int, done: int, total: int, phase: str) -> None:
        with self._lock:
            self._progress[batch_id] = (done, total, phase)

    def read(self, batch_id: int) -> tuple[int, int, str] | None:
        with self._lock:
            return self._progress.get(batch_id)

    def forget(self, batch_id: int) -> None:
        with self._lock:
            self._progress.pop(batch_id, None)


class RedisProgress:
    def __init__(self, url: str, prefix: str) -> None:
        self._redis = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self._prefix = prefix

    def _key(self, batch_id: int) -> str:
        return f"{self._prefix}:import-progress:{batch_id}"

    def report(self, batch_id: int, done: int, total: int, phase: str) -> None:
        try:
            self._redis.set(self._key(batch_id), json.dumps([done, total, phase]),
                            ex=TTL_SECONDS)
        except redis.RedisError:
            log.warning("could not store import progress in Redis", exc_info=True)

    def read(self, batch_id: int) -> tuple[int, int, str] | None:
        try:
            raw = self._redis.get(self._key(batch_id))
        except redis.RedisError:
            log.warning("could not read import progress from Redis", exc_info=True)
            return None
        if raw is None:
            return None
        done, total, phase = json.loads(raw)
        return int(done), int(total), str(phase)

    def forget(self, batch_id: int) -> None:
        try:
            self._redis.delete(self._key(batch_id))
        except redis.RedisError:
            log.warning("could not clear import progress in Redis", exc_info=True)


def init_app(app: Flask) -> None:
    url = app.config.get("REDIS_URL")
    if url:
        store: ProgressStore = RedisProgress(url, app.config["RATELIMIT_KEY_PREFIX"])
    else:
        if app.config["ORGLADDER_ENV"] == "production":
            log.warning("import progress is kept in process memory, per worker; set REDIS_URL")
        store = MemoryProgress()
    app.extensions[EXTENSION] = store


def store() -> ProgressStore:
    return current_app.extensions[EXTENSION]
