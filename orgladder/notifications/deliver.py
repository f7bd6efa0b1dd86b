"""``deliver(messages)``: store each message as a notification on its recipient's channel and
send the emails due at once (after the commit, by the job backend)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from ..extensions import db
from ..jobs import enqueue_after_commit
from .kinds import Kind, Message
from .models import Channel, Notification, NotificationPreference


def channel_for(kind: Kind, chosen: str | None) -> Channel:
    """The person's choice for ``kind``, or its default; a kind one may not turn off keeps
    its email even when "in app only" was chosen (before it became mandatory, say)."""
    try:
        channel = Channel(chosen) if chosen else kind.default
    except ValueError:
        channel = kind.default
    if channel == Channel.IN_APP and not kind.optional:
        return Channel.EMAIL
    return channel


def preferences_of(person_ids: Iterable[int]) -> dict[tuple[int, str], str]:
    ids = sorted(set(person_ids))
    if not ids:
        return {}
    rows = db.session.execute(select(NotificationPreference.person_id,
                                     NotificationPreference.kind, NotificationPreference.channel)
                              .where(NotificationPreference.person_id.in_(ids)))
    return {(person_id, kind): channel for person_id, kind, channel in rows}


def deliver(messages: list[Message]) -> list[Notification]:
    """Add the messages not delivered before (by key); returns the new notifications."""
    if not messages:
        return []
    keys = [message.key for message in messages]
    known = set(db.session.scalars(select(Notification.key).where(Notification.key.in_(keys))))
    chosen = preferences_of(message.recipient.id for message in messages)
    made = []
    for message in messages:
        if message.key in known:
            continue
        known.add(message.key)
        channel = channel_for(message.kind, chosen.get((message.recipient.id, message.kind.name)))
        notification = Notification(
            company_id=message.recipient.company_id, recipient_id=message.recipient.id,
            kind=message.kind.name, title=message.title[:200], body=message.body,
            link=message.link, key=message.key, channel=channel.value)
        db.session.add(notification)
        made.append(notification)
    db.session.flush()
    from .mail import send_notification

    for notification in made:
        if notification.channel == Channel.EMAIL:
            enqueue_after_commit(send_notification, company_id=notification.company_id,
                                 notification_id=notification.id)
    return made
