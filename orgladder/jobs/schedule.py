"""Scheduled work, run by ``flask --app wsgi run-schedule`` (once a minute from cron).

Each task looks at the clock and the data, and does what is due. Running it again, or on two
hosts at the same minute, does nothing twice: every piece of work is first claimed under a
unique key (``claim``), and the database lets one transaction have it; the other waits for the
first to commit and then finds the key taken.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.exc import IntegrityError

from ..extensions import db
from .models import ScheduleClaim

log = logging.getLogger(__name__)

TASKS: dict[str, Callable[[datetime], int]] = {}


def scheduled(task: Callable[[datetime], int]) -> Callable[[datetime], int]:
    """Declare a task of the schedule: ``task(now)`` does what is due and says how much."""
    TASKS[f"{task.__module__}.{task.__name__}"] = task
    return task


def claim(key: str) -> bool:
    """Take ``key`` for this run; False when some run (here or elsewhere) has it already."""
    try:
        with db.session.begin_nested():
            db.session.add(ScheduleClaim(key=key))
    except IntegrityError:
        return False
    return True


def run_once(now: datetime) -> dict[str, int]:
    """Run every task once, each in its own transaction; one task failing spares the rest."""
    done: dict[str, int] = {}
    for name, task in TASKS.items():
        try:
            done[name] = task(now)
            db.session.commit()
        except Exception:
            db.session.rollback()
            log.exception("scheduled task %s failed; the next run tries again", name)
            done[name] = -1
    return done
