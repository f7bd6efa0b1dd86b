"""How far the application of an import has got, for the page's progress bar.

The import runs in one transaction, so its progress cannot be read from the database by
another request until it commits; it is kept in this process instead. Behind several worker
processes the status may come from a worker that does not run the import: the page then shows
the bar without a figure until the import ends, which is all it can honestly know.
"""

from __future__ import annotations

import threading

_lock = threading.Lock()
_progress: dict[int, tuple[int, int, str]] = {}


def report(batch_id: int, done: int, total: int, phase: str) -> None:
    with _lock:
        _progress[batch_id] = (done, total, phase)


def read(batch_id: int) -> tuple[int, int, str] | None:
    with _lock:
        return _progress.get(batch_id)


def forget(batch_id: int) -> None:
    with _lock:
        _progress.pop(batch_id, None)
