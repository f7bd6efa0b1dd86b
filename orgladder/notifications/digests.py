"""Email digests: the notifications of the kinds a person chose to get as a daily or weekly
digest, gathered into one email. Run by the schedule; each digest is claimed once per person
and period (``digest:daily:<person>:<day>``), and a notification goes into one digest only."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from ..extensions import db, utcnow
from ..jobs import enqueue_after_commit, job
from ..jobs.schedule import claim, scheduled
from ..people.models import Person
from . import transport
from .mail import compose, external
from .models import Channel, Notification

DIGEST_HOUR = 7  # UTC: digests go out from this hour on; weekly ones on Mondays


def period_key(channel: Channel, now: datetime) -> str | None:
    """The period a digest sent ``now`` covers, or None if its time has not come."""
    if now.hour < DIGEST_HOUR:
        return None
    if channel == Channel.DIGEST_DAILY:
        return now.date().isoformat()
    if channel == Channel.DIGEST_WEEKLY and now.weekday() == 0:
        year, week, _ = now.isocalendar()
        return f"{year}-W{week:02d}"
    return None


@scheduled
def send_digests(now: datetime) -> int:
    queued = 0
    for channel in (Channel.DIGEST_DAILY, Channel.DIGEST_WEEKLY):
        period = period_key(channel, now)
        if period is None:
            continue
        waiting = db.session.execute(
            select(Notification.recipient_id, Notification.company_id).distinct().where(
                Notification.channel == channel.value, Notification.emailed_at.is_(None)))
        for person_id, company_id in waiting.all():
            if claim(f"digest:{channel.value}:{person_id}:{period}"):
                enqueue_after_commit(send_digest, company_id=company_id, person_id=person_id,
                                     channel=channel.value)
                queued += 1
    return queued


@job
def send_digest(person_id: int, channel: str) -> None:
    person = db.session.get(Person, person_id)
    notifications = list(db.session.scalars(
        select(Notification).where(Notification.recipient_id == person_id,
                                   Notification.channel == channel,
                                   Notification.emailed_at.is_(None))
        .order_by(Notification.created_at, Notification.id)))
    if person is None or not person.active or not notifications:
        return
    every = "day" if channel == Channel.DIGEST_DAILY else "week"
    items = [(n, external(n.link) if n.link else None) for n in notifications]
    message = compose(person, f"Your orgladder digest: {len(items)} new", "digest", None,
                      items=items, every=every)
    transport.send(message, company_id=person.company_id)
    sent = utcnow()
    for notification in notifications:
        notification.emailed_at = sent
