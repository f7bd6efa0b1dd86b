"""Sign-in slow-down: repeated failed sign-ins make the next attempt wait, never lock.

Failures are counted per key: an email address (known or not, so the wait tells nothing about
whether an account exists), or a trusted browser's device cookie (``devices``), whose
failures count against that browser alone. The first ``SIGN_IN_FREE_FAILURES`` cost nothing;
from then on each failure makes the next attempt wait ``SIGN_IN_FIRST_DELAY_SECONDS``,
doubling up to ``SIGN_IN_MAX_DELAY_SECONDS``. The count is forgotten
``SIGN_IN_FORGET_MINUTES`` after the latest failure, and at a successful sign-in with the key.
An attempt made during the wait is refused without checking the password and does not count,
so nobody can stretch another person's wait by hammering. Only a digest of the key is stored.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import Integer, String, delete, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import UTCDateTime, db


class SignInThrottle(db.Model):
    __tablename__ = "sign_in_throttles"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    # No attempt with this key is checked before this time.
    wait_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


def account_key(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


def device_key(device_id: str) -> str:
    return hashlib.sha256(f"device:{device_id}".encode()).hexdigest()


def delay_after(failures: int) -> timedelta:
    """The wait that ``failures`` failures in a row impose on the next attempt."""
    config = current_app.config
    beyond = failures - config["SIGN_IN_FREE_FAILURES"]
    if beyond < 0:
        return timedelta(0)
    seconds = config["SIGN_IN_FIRST_DELAY_SECONDS"] * 2 ** min(beyond, 30)
    return timedelta(seconds=min(seconds, config["SIGN_IN_MAX_DELAY_SECONDS"]))


def _forgotten_before(now: datetime) -> datetime:
    return now - timedelta(minutes=current_app.config["SIGN_IN_FORGET_MINUTES"])


def _row(key: str, *, create: bool, now: datetime) -> SignInThrottle | None:
    """The key's row, locked (FOR UPDATE on PostgreSQL) until the sign-in commits, so two
    attempts with one key are counted one after the other."""
    query = (select(SignInThrottle).where(SignInThrottle.key == key).with_for_update()
             .execution_options(populate_existing=True))
    row = db.session.scalar(query)
    if row is None and create:
        try:
            with db.session.begin_nested():
                db.session.add(SignInThrottle(key=key, failures=0, last_failure_at=now))
        except IntegrityError:
            pass  # a concurrent failure created it first
        row = db.session.scalar(query)
    return row


def remaining_wait(key: str, now: datetime) -> timedelta | None:
    """How long an attempt with this key must still wait, or None when it may go ahead."""
    row = _row(key, create=False, now=now)
    if row is None or row.wait_until is None or row.wait_until <= now:
        return None
    return row.wait_until - now


def note_failure(key: str, now: datetime) -> timedelta | None:
    """Count a failed sign-in; returns the wait it imposes on the next attempt, if any."""
    db.session.execute(delete(SignInThrottle).where(
        SignInThrottle.last_failure_at < _forgotten_before(now),
        or_(SignInThrottle.wait_until.is_(None), SignInThrottle.wait_until < now)))
    row = _row(key, create=True, now=now)
    if row.last_failure_at < _forgotten_before(now):
        row.failures = 0
    row.failures += 1
    row.last_failure_at = now
    delay = delay_after(row.failures)
    row.wait_until = now + delay if delay else None
    return delay or None


def forget(key: str) -> None:
    """A successful sign-in with this key starts its count afresh."""
    db.session.execute(delete(SignInThrottle).where(SignInThrottle.key == key))
