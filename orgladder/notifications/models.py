"""Notifications as stored: what each person was told, how they like to be told, and the mail
written to the outbox when no SMTP server is configured."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import UTCDateTime, db, utcnow
from ..people.models import Person


class Channel(StrEnum):
    IN_APP = "in_app"  # the bell only
    EMAIL = "email"  # the bell, and an email at once
    DIGEST_DAILY = "digest_daily"  # the bell, and one email a day listing what came
    DIGEST_WEEKLY = "digest_weekly"  # the bell, and one email a week (Mondays)


DIGESTS = frozenset({Channel.DIGEST_DAILY, Channel.DIGEST_WEEKLY})


class Notification(db.Model):
    __tablename__ = "notifications"
    __table_args__ = (
        # The bell counts a person's unread notifications on every page.
        Index("ix_notifications_recipient_id_read_at", "recipient_id", "read_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(500))
    # What caused it, once: "event:<audit id>:<recipient>" or "reminder:<cycle>:<days>:<person>".
    # A job run twice (a retry after a crash) finds its notifications made already.
    key: Mapped[str] = mapped_column(String(120), unique=True)
    channel: Mapped[str] = mapped_column(String(20))  # as chosen when it was made
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    recipient: Mapped[Person] = relationship()


class NotificationPreference(db.Model):
    """A person's choice of channel for one kind; without a row, the kind's default holds."""

    __tablename__ = "notification_preferences"
    __table_args__ = (UniqueConstraint("person_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    kind: Mapped[str] = mapped_column(String(40))
    channel: Mapped[str] = mapped_column(String(20))


class OutboxMail(db.Model):
    """A mail as it would have been sent, kept when no SMTP server is configured."""

    __tablename__ = "mail_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id"), index=True)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    headers: Mapped[dict[str, Any]] = mapped_column(JSON)
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
