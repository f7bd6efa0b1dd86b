"""What the job layer keeps in the database: failed jobs, for HR to see and retry, and the
claims that make scheduled work happen once however many hosts run the schedule."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import UTCDateTime, db, utcnow
from ..people.models import Person


class JobFailure(db.Model):
    """A job that failed on its last attempt (after the queue's retries, if any)."""

    __tablename__ = "job_failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The company the job worked for; None for work of no single company (never shown to HR).
    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id"), index=True)
    job: Mapped[str] = mapped_column(String(200))
    arguments: Mapped[dict[str, Any]] = mapped_column(JSON)
    error: Mapped[str] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(default=1)
    failed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    retried_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    retried_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)

    retried_by: Mapped[Person | None] = relationship()

    @property
    def label(self) -> str:
        """The job's short name, as the page shows it ("dispatch", "send_email")."""
        return self.job.rpartition(".")[2]


class ScheduleClaim(db.Model):
    """One row per piece of scheduled work done ("reminder:12:3:45"): the unique key is the
    lock, so two hosts running the schedule at the same minute cannot both do it."""

    __tablename__ = "schedule_claims"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
