"""What notifies whom: the one mapping from audit actions to notifications.

Each audit action that tells anyone anything maps to a function reading the committed event
and returning the messages it causes, recipients decided here and nowhere else. Every
recipient passes ``may_tell``: in the event's company, active, and within the scope of the
person who acted (a change outside what they may see tells no one). Calibration content is
never in a message to the person it concerns: the preparation messages go to the preparers of
entries ``calibration.rules.may_see_entry`` lets them see, which never includes their own; a
level change names the level, the date and who decided, never the reason (a finalized
calibration writes its outcome there).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from flask import current_app, has_request_context, url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..access import Role, company_wide, has_role, in_scope
from ..audit import AuditEvent
from ..calibration.models import CalibrationCycle, CalibrationEntry
from ..calibration.rules import may_see_entry
from ..calibration.states import CycleState
from ..extensions import db
from ..ladders.models import Level
from ..people.models import ImportBatch, Person, RoleGrant
from .models import Channel


@dataclass(frozen=True)
class Kind:
    name: str
    label: str  # as the preferences form names it
    optional: bool  # may the person turn its email off (and so unsubscribe)?
    default: Channel


LEVEL_CHANGED = Kind("level_changed", "My level was assigned or changed", True, Channel.EMAIL)
PREPARATION_OPENED = Kind("preparation_opened", "Calibration preparation opened for my reports",
                          False, Channel.EMAIL)
PREPARATION_REMINDER = Kind("preparation_reminder",
                            "Reminders of calibration entries still to prepare", True,
                            Channel.EMAIL)
IMPORT_FINISHED = Kind("import_finished", "A people import finished", True, Channel.EMAIL)
KINDS = {kind.name: kind for kind in (LEVEL_CHANGED, PREPARATION_OPENED, PREPARATION_REMINDER,
                                      IMPORT_FINISHED)}


@dataclass(frozen=True)
class Message:
    recipient: Person
    kind: Kind
    title: str
    body: str
    link: str | None
    key: str  # unique per cause and recipient (Notification.key)


def path_for(endpoint: str, **values) -> str:
    """The path of a page, in a request or in a worker (which has none)."""
    if has_request_context():
        return url_for(endpoint, **values)
    with current_app.test_request_context(base_url=current_app.config["BASE_URL"]):
        return url_for(endpoint, **values)


def may_tell(actor: Person | None, recipient: Person, company_id: int | None) -> bool:
    """May news of ``actor``'s act reach ``recipient``? A missing actor is the system itself
    (the command line, a scheduled task), whose scope is the company."""
    return (recipient.active and recipient.company_id == company_id
            and (actor is None or in_scope(actor, recipient)))


def _actor(event: AuditEvent) -> Person | None:
    return db.session.get(Person, event.actor_id) if event.actor_id else None


def _when(day: date | None) -> str:
    return day.strftime("%-d %B %Y") if day else "no due date set"


# --- an employee: their level --------------------------------------------------------------

def level_changed(event: AuditEvent) -> Iterable[Message]:
    person = db.session.get(Person, event.target_id)
    actor = _actor(event)
    after = event.after or {}
    if person is None or not may_tell(actor, person, event.company_id):
        return []
    level = db.session.get(Level, after.get("level_id"))
    name = f"{level.code} {level.title}" if level is not None else after.get("code", "")
    effective = date.fromisoformat(after["effective_date"])
    decided = actor.name if actor is not None else "orgladder"
    return [Message(
        person, LEVEL_CHANGED, f"Your level is {name.strip()} from {_when(effective)}",
        f"{decided} set your level to {name.strip()}, effective {_when(effective)}.",
        path_for("people.my_level"), f"event:{event.id}:{person.id}")]


# --- a manager: calibration preparation -----------------------------------------------------

def preparers(cycle: CalibrationCycle, actor: Person | None, *,
              unprepared_only: bool = False) -> dict[Person, int]:
    """The managers who prepare entries of ``cycle``, each with how many: the entries of their
    direct reports that ``may_see_entry`` lets them see (never their own), limited to those
    ``actor`` (who opened preparation) may tell."""
    query = (select(CalibrationEntry).where(CalibrationEntry.cycle_id == cycle.id,
                                            CalibrationEntry.manager_id.is_not(None))
             .options(selectinload(CalibrationEntry.person), selectinload(CalibrationEntry.manager)
                      .selectinload(Person.grants)))
    if unprepared_only:
        query = query.where(CalibrationEntry.prepared_at.is_(None))
    counts: dict[Person, int] = {}
    for entry in db.session.scalars(query):
        manager = entry.manager
        if may_tell(actor, manager, cycle.company_id) and may_see_entry(manager, entry):
            counts[manager] = counts.get(manager, 0) + 1
    return counts


def _reports(count: int) -> str:
    return f"{count} report{'s' if count != 1 else ''}"


def preparation_opened(event: AuditEvent) -> Iterable[Message]:
    if ((event.before or {}).get("state") != CycleState.DRAFT
            or (event.after or {}).get("state") != CycleState.PREPARATION):
        return []
    cycle = db.session.get(CalibrationCycle, event.target_id)
    if cycle is None or cycle.state != CycleState.PREPARATION:
        return []  # moved on already: the news is stale
    link = path_for("calibrate.prepare", cycle_id=cycle.id)
    return [Message(
        manager, PREPARATION_OPENED, f"Calibration preparation opened: {cycle.name}",
        f"Prepare the calibration entries of your {_reports(count)} in {cycle.name} by "
        f"{_when(cycle.due_date)}.", link, f"event:{event.id}:{manager.id}")
        for manager, count in preparers(cycle, _actor(event)).items()]


def preparation_reminder(cycle: CalibrationCycle, opener: Person | None, days: int,
                         today: date) -> list[Message]:
    """The reminder ``days`` before the due date, to preparers with entries still open
    (run by the schedule, ``reminders``)."""
    link = path_for("calibrate.prepare", cycle_id=cycle.id)
    left = "tomorrow" if days == 1 else f"in {days} days"
    return [Message(
        manager, PREPARATION_REMINDER, f"Calibration entries due {left}: {cycle.name}",
        f"The entries of {_reports(count)} in {cycle.name} are not prepared yet; they are due "
        f"{_when(cycle.due_date)}.", link, f"reminder:{cycle.id}:{days}:{manager.id}")
        for manager, count in preparers(cycle, opener, unprepared_only=True).items()]


# --- HR: imports ----------------------------------------------------------------------------

def import_finished(event: AuditEvent) -> Iterable[Message]:
    """To whoever ran it and to HR for the whole company: an import may touch anyone in it, so
    HR with a narrower scope are not told."""
    batch = db.session.get(ImportBatch, event.target_id)
    actor = _actor(event)
    if batch is None:
        return []
    hr = db.session.scalars(
        select(Person).join(RoleGrant, RoleGrant.person_id == Person.id)
        .where(Person.company_id == event.company_id, RoleGrant.role == Role.HR,
               Person.active.is_(True))
        .options(selectinload(Person.grants))).unique()
    recipients = {person for person in hr if company_wide(person)}
    if actor is not None and has_role(actor, Role.HR):
        recipients.add(actor)
    after = event.after or {}
    summary = (f"{after.get('creates', 0)} added, {after.get('updates', 0)} updated, "
               f"{after.get('unchanged', 0)} unchanged")
    who = actor.name if actor is not None else "orgladder"
    link = path_for("people_import.preview", batch_id=batch.id)
    return [Message(person, IMPORT_FINISHED, f"People import finished: {batch.filename}",
                    f"The import of {batch.filename} that {who} confirmed is applied: "
                    f"{summary}.", link, f"event:{event.id}:{person.id}")
            for person in sorted(recipients, key=lambda p: p.id)
            if may_tell(actor, person, event.company_id)]


# audit action -> the messages its committed event causes
RULES: dict[str, Callable[[AuditEvent], Iterable[Message]]] = {
    "level.assign": level_changed,
    "calibration.cycle.transition": preparation_opened,
    "people.import": import_finished,
}
ACTIONS = frozenset(RULES)
