"""Results computed from a company's data, kept in each worker under the company's revisions,
so that a page need not compute again, on every view, what it reads from many rows (a
calibration session's figures, the people table's filters, the level distribution, the
company's levels).

Every write is audited (``audit.record``, checked endpoint by endpoint in the tests), and a
transaction that records an event for a company moves one of the company's two revisions as it
commits: ``entries_revision`` when all it did was calibration work (an entry or a note saved,
``audit.CHANGES_ENTRIES_ONLY``), ``data_revision`` otherwise. A result is kept under both,
unless its caller declares that it reads no calibration entries: then a session's saves leave
it kept.

The revisions are read with the signed-in person, at the start of the request and so before
the data behind a result: a result kept under them is never older than they are, and a request
that reads a later one computes afresh. The key holds everything else a result depends on (who
looks, and the day). Nothing is shared between workers, and none needs to be: a key cannot name
an outdated result, so any worker may keep its own copy.

Writes that bypass the app (SQL by hand, a restored database) move no revision: restart the
workers after one (docs/deploy.md).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sized
from contextlib import suppress
from threading import Lock
from typing import TypeVar

from cachetools import LRUCache
from flask import Flask, current_app
from sqlalchemy import case, event, update
from sqlalchemy.orm import Session

from .extensions import db
from .tenancy import Company

EXTENSION = "orgladder.computed"
# In Session.info: the companies this transaction wrote, each with whether it did calibration
# work only.
_CHANGED = "orgladder.changed_companies"

T = TypeVar("T")
_MISSING = object()  # a kept result may be None


def company_changed(company_id: int, *, entries_only: bool = False) -> None:
    """Note that the current transaction writes this company's data (``audit.record`` calls
    it), only its calibration entries if ``entries_only``; a revision moves when the
    transaction commits."""
    changed = db.session.info.setdefault(_CHANGED, {})
    changed[company_id] = changed.get(company_id, True) and entries_only


@event.listens_for(Session, "before_commit")
def _move_revisions(session: Session) -> None:
    # At the very end of the transaction, so that the company row is the last lock it takes
    # and two writers cannot wait on each other through it.
    # One statement for all of them, as two would lock two companies in either order.
    changed = session.info.pop(_CHANGED, None)
    if changed:
        whole = Company.id.in_([c for c, entries_only in changed.items() if not entries_only])
        session.execute(update(Company).where(Company.id.in_(sorted(changed))).values(
            data_revision=Company.data_revision + case((whole, 1), else_=0),
            entries_revision=Company.entries_revision + case((whole, 0), else_=1)))


@event.listens_for(Session, "after_rollback")
def _forget_changes(session: Session) -> None:
    session.info.pop(_CHANGED, None)


def _rows(result) -> int:
    """What a result weighs: the rows it holds, as its ``size`` or else its length."""
    size = getattr(result, "size", None)
    if size is None:
        size = len(result) if isinstance(result, Sized) else 1
    return max(1, size)


class Results:
    """The worker's results, least recently used first out, bounded by the rows they hold."""

    def __init__(self, max_rows: int):
        self._lru: LRUCache = LRUCache(max_rows, getsizeof=_rows)
        self._lock = Lock()  # the development server answers in threads

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        with self._lock:
            found = self._lru.get(key, _MISSING)
        if found is not _MISSING:
            return found
        result = compute()  # outside the lock: at worst two threads compute the same result
        # A result larger than the whole cache is served and not kept (cachetools refuses it).
        with self._lock, suppress(ValueError):
            self._lru[key] = result
        return result

    def clear(self) -> None:
        with self._lock:
            self._lru.clear()


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION] = Results(app.config["COMPUTED_CACHE_ROWS"])


def computed(company: Company, key: tuple, compute: Callable[[], T], *,
             reads_entries: bool = True) -> T:
    """``compute()``, or the result kept for ``key`` at the company's current revisions.
    ``reads_entries=False`` declares that ``compute`` reads no calibration entry or note, so
    that saving one leaves the result kept."""
    results: Results = current_app.extensions[EXTENSION]
    entries = company.entries_revision if reads_entries else None
    return results.get((company.id, company.data_revision, entries, *key), compute)
