"""A person's own notifications: read them, mark them read, choose the channel per kind, and
stop a kind's emails from a link. Each write is the person's own and audited as theirs."""

from __future__ import annotations

from sqlalchemy import func, select, update

from .. import audit
from ..access import company_wide
from ..actors import require_actor
from ..errors import DomainError, NotAllowed
from ..extensions import db, utcnow
from ..people.models import Person
from ..tenancy import parse_id
from .deliver import channel_for, preferences_of
from .kinds import KINDS
from .models import Channel, Notification, NotificationPreference, OutboxMail

SHOWN = 100  # the most recent notifications the page lists


def unread_count(person: Person) -> int:
    """The bell's figure: one query, on the (recipient, read) index."""
    return db.session.scalar(select(func.count(Notification.id)).where(
        Notification.recipient_id == person.id, Notification.read_at.is_(None))) or 0


def recent(person: Person) -> list[Notification]:
    return list(db.session.scalars(
        select(Notification).where(Notification.recipient_id == person.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(SHOWN)))


def mark_read(actor: Person, notification_id) -> Notification:
    """Another person's notification does not exist, as another company's objects do not."""
    require_actor(actor)
    number = parse_id(notification_id)
    notification = db.session.scalar(select(Notification).where(
        Notification.id == number, Notification.recipient_id == actor.id)) if number else None
    if notification is None:
        raise LookupError(notification_id)
    if notification.read_at is None:
        notification.read_at = utcnow()
        audit.record(actor, "notification.read", notification, after={"kind": notification.kind})
    return notification


def mark_all_read(actor: Person) -> int:
    require_actor(actor)
    count = db.session.execute(
        update(Notification).where(Notification.recipient_id == actor.id,
                                   Notification.read_at.is_(None))
        .values(read_at=utcnow()).execution_options(synchronize_session=False)).rowcount
    if count:
        audit.record(actor, "notification.read_all", actor, after={"count": count})
    return count


def choices_of(person: Person) -> dict[str, Channel]:
    chosen = preferences_of([person.id])
    return {name: channel_for(kind, chosen.get((person.id, name))) for name, kind in KINDS.items()}


def allowed_channels(kind_name: str) -> list[Channel]:
    kind = KINDS[kind_name]
    return [channel for channel in Channel if kind.optional or channel != Channel.IN_APP]


def set_preferences(actor: Person, wanted: dict[str, str]) -> dict[str, str]:
    """Set the actor's channel for the kinds named; returns what changed (kind -> channel)."""
    require_actor(actor)
    current = choices_of(actor)
    changed: dict[str, str] = {}
    for kind_name, value in wanted.items():
        if kind_name not in KINDS:
            raise DomainError(f"There is no kind of notification named {kind_name!r}.")
        try:
            channel = Channel(value)
        except ValueError:
            raise DomainError("Choose one of the offered channels.", field=kind_name) from None
        if channel not in allowed_channels(kind_name):
            raise DomainError("This one cannot be turned off: it is work of yours.",
                              field=kind_name)
        if channel != current[kind_name]:
            _store(actor, kind_name, channel)
            changed[kind_name] = channel.value
    if changed:
        audit.record(actor, "notification.preferences", actor,
                     before={kind: current[kind].value for kind in changed}, after=changed)
    return changed


def _store(person: Person, kind: str, channel: Channel) -> None:
    row = db.session.scalar(select(NotificationPreference).where(
        NotificationPreference.person_id == person.id, NotificationPreference.kind == kind))
    if row is None:
        db.session.add(NotificationPreference(company_id=person.company_id,
                                              person_id=person.id, kind=kind,
                                              channel=channel.value))
    else:
        row.channel = channel.value


def unsubscribe(person: Person, kind: str) -> bool:
    """Stop ``kind``'s emails to ``person`` (from a signed link: the person is the actor).
    False when the kind cannot be turned off or is off already."""
    if not KINDS[kind].optional or choices_of(person)[kind] == Channel.IN_APP:
        return False
    _store(person, kind, Channel.IN_APP)
    audit.record(person, "notification.unsubscribe", person, after={kind: Channel.IN_APP.value})
    return True


def outbox_for(actor: Person) -> list[OutboxMail]:
    """The mail kept instead of sent: HR for the whole company, as it concerns anyone in it."""
    if not company_wide(actor):
        raise NotAllowed("Only HR for the whole company reads the outbox.")
    return list(db.session.scalars(
        select(OutboxMail).where(OutboxMail.company_id == actor.company_id)
        .order_by(OutboxMail.created_at.desc(), OutboxMail.id.desc()).limit(SHOWN)))
