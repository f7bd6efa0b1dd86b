"""Account lockout: after repeated failed sign-ins with one email address, signing in with it
pauses for a while.

Counted per email address, known or not, so the pause itself does not tell whether an account
exists. Only a digest of the address is stored. The rate limits (``ratelimits``) bound attempts
per client address; this bounds them per account, across all addresses.
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
    window_started_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


def key_for(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


def _minutes(name: str) -> timedelta:
    return timedelta(minutes=current_app.config[name])


def locked_until(email: str, now: datetime) -> datetime | None:
    """When the pause on this address ends, or None when it may sign in."""
    until = db.session.scalar(
        select(SignInThrottle.locked_until).where(SignInThrottle.key == key_for(email)))
    return until if until is not None and until > now else None


def _locked_row(key: str, now: datetime) -> SignInThrottle:
    """The address's row, locked against concurrent failures (FOR UPDATE on PostgreSQL)."""
    query = (select(SignInThrottle).where(SignInThrottle.key == key).with_for_update()
             .execution_options(populate_existing=True))
    row = db.session.scalar(query)
    if row is None:
        try:
            with db.session.begin_nested():
                db.session.add(SignInThrottle(key=key, failures=0, window_started_at=now))
        except IntegrityError:
            pass  # a concurrent failure created it first
        row = db.session.scalar(query)
    return row


def note_failure(email: str, now: datetime) -> datetime | None:
    """Count a failed sign-in; returns the end of the pause when this failure starts one."""
    window = _minutes("LOCKOUT_WINDOW_MINUTES")
    db.session.execute(delete(SignInThrottle).where(
        SignInThrottle.window_started_at < now - window,
        or_(SignInThrottle.locked_until.is_(None), SignInThrottle.locked_until < now)))
    row = _locked_row(key_for(email), now)
    if row.window_started_at <= now - window:
        row.failures, row.window_started_at = 0, now
    row.failures += 1
    if row.failures < current_app.config["LOCKOUT_THRESHOLD"]:
        return None
    row.failures, row.window_started_at = 0, now
    row.locked_until = now + _minutes("LOCKOUT_MINUTES")
    return row.locked_until


def forget(email: str) -> None:
    """A successful sign-in starts the count afresh."""
    db.session.execute(delete(SignInThrottle).where(SignInThrottle.key == key_for(email)))
