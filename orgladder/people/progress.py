"""How far the application of an import has got, for the page's progress bar, and whether the
worker applying it is still alive.

The import runs in one transaction, so another request cannot read its progress from the
database until it commits. The figures go to Redis when REDIS_URL is set (through
orgladder.redis_link), so the status poll may reach any worker on any host; without Redis they
stay in this process, which is right for a single-process server and shows no figure behind
several workers (with a warning in production). Progress is advisory: if Redis fails, the
import goes on and the bar shows no figure.

While an import is applied, a heartbeat writes the latest figure again every
HEARTBEAT_SECONDS. A figure whose heartbeat is older than STALE_SECONDS was left by a worker
that died (killed, restarted, out of memory): its transaction was rolled back with it, so the
status says so and the import may be run again, instead of "applying" until the figure expires.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from typing import NamedTuple, Protocol

from flask import Flask, current_app

from .. import redis_link

log = logging.getLogger(__name__)
EXTENSION = "orgladder.import_progress"
TTL_SECONDS = 3600  # the figure of a dead worker says "interrupted" for an hour, then goes
HEARTBEAT_SECONDS = 5.0
# Nine missed heartbeats; also room for the clocks of two hosts to disagree by seconds.
STALE_SECONDS = 45.0
INTERRUPTED = ("Interrupted: nothing was changed (the import runs in one transaction). "
               "You can run it again.")
clock = time.time  # seconds since the epoch; tests move it


class Figure(NamedTuple):
    done: int
    total: int
    phase: str
    beat: float  # when the applying worker last wrote it (clock())

    def is_stale(self) -> bool:
        return clock() - self.beat > STALE_SECONDS


class ProgressStore(Protocol):
    def report(self, batch_id: int, done: int, total: int, phase: str) -> None: ...
    def read(self, batch_id: int) -> Figure | None: ...
    def forget(self, batch_id: int) -> None: ...


class MemoryProgress:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._progress: dict[int, Figure] = {}

    def report(self, batch_id: int, done: int, total: int, phase: str) -> None:
        with self._lock:
            self._progress[batch_id] = Figure(done, total, phase, clock())

    def read(self, batch_id: int) -> Figure | None:
        with self._lock:
            return self._progress.get(batch_id)

    def forget(self, batch_id: int) -> None:
        with self._lock:
            self._progress.pop(batch_id, None)


class RedisProgress:
    def __init__(self, url: str | None = None, prefix: str = "orgladder", *,
                 link: redis_link.RedisLink | None = None) -> None:
        if link is None:
            assert url, "RedisProgress needs a URL or a link"
            link = redis_link.RedisLink(url, prefix)
        self._link = link

    def _key(self, batch_id: int) -> str:
        return self._link.key("import-progress", batch_id)

    def report(self, batch_id: int, done: int, total: int, phase: str) -> None:
        value = json.dumps([done, total, phase, clock()])
        self._link.call("store import progress",
                        lambda r: r.set(self._key(batch_id), value, ex=TTL_SECONDS), None)

    def read(self, batch_id: int) -> Figure | None:
        raw = self._link.call("read import progress", lambda r: r.get(self._key(batch_id)), None)
        if raw is None:
            return None
        done, total, phase, *beat = json.loads(raw)
        # A figure written before heartbeats existed counts as written now.
        return Figure(int(done), int(total), str(phase), float(beat[0]) if beat else clock())

    def forget(self, batch_id: int) -> None:
        self._link.call("clear import progress", lambda r: r.delete(self._key(batch_id)), None)


class Applying:
    """``with Applying(store, batch_id) as report:`` around the application of an import:
    ``report(done, total, phase)`` stores a figure, a thread writes the latest one again every
    HEARTBEAT_SECONDS, and the figure is cleared at the end, however the block ends."""

    def __init__(self, progress: ProgressStore, batch_id: int,
                 interval: float = HEARTBEAT_SECONDS) -> None:
        self._store, self._batch_id, self._interval = progress, batch_id, interval
        self._last: tuple[int, int, str] | None = None  # nothing to repeat before a figure
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, daemon=True,
                                        name=f"import-heartbeat-{batch_id}")

    def report(self, done: int, total: int, phase: str) -> None:
        with self._lock:
            self._last = (done, total, phase)
            self._store.report(self._batch_id, done, total, phase)

    def _beat(self) -> None:
        while not self._stop.wait(self._interval):
            with self._lock:
                if self._last is not None:
                    self._store.report(self._batch_id, *self._last)

    def __enter__(self):
        self._thread.start()
        return self.report

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        self._thread.join()
        self._store.forget(self._batch_id)


def status_of(batch_id: int, batch_status: str) -> dict:
    """What the status poll answers for an import batch."""
    if batch_status == "applied":
        return {"status": "applied", "done": 1, "total": 1, "phase": "Done"}
    figure = store().read(batch_id)
    if figure is None:
        return {"status": batch_status, "done": 0, "total": 0, "phase": "Waiting"}
    if figure.is_stale():
        return {"status": "interrupted", "done": 0, "total": figure.total,
                "phase": INTERRUPTED}
    return {"status": "applying", "done": figure.done, "total": figure.total,
            "phase": figure.phase}


def init_app(app: Flask) -> None:
    link = redis_link.link(app)
    if link is not None:
        store: ProgressStore = RedisProgress(link=link)
    else:
        if app.config["ORGLADDER_ENV"] == "production":
            log.warning("import progress is kept in process memory, per worker; set REDIS_URL")
        store = MemoryProgress()
    app.extensions[EXTENSION] = store


def store() -> ProgressStore:
    return current_app.extensions[EXTENSION]
