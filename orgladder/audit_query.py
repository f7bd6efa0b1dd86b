"""Reading the audit log: a company's events, newest first, filtered by who, what and when.

Kept apart from the views so every way of browsing the log (the API, a page) asks the same
question with the same access rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Select, select

from .access import Permission, has_permission, sees_whole_company
from .audit import AuditEvent
from .errors import NotAllowed
from .people.models import Person


@dataclass(frozen=True)
class AuditFilter:
    actor_id: int | None = None
    target_type: str | None = None
    target_id: int | None = None
    action: str | None = None
    since: date | None = None  # inclusive, UTC days
    until: date | None = None  # inclusive


def may_read_audit(actor: Person) -> bool:
    """The log names everyone in the company, so only HR of the whole company reads it."""
    return has_permission(actor, Permission.MANAGE_PEOPLE) and sees_whole_company(actor)


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def audit_events(actor: Person, filters: AuditFilter) -> Select:
    """(event, actor name) rows of the actor's company, newest first (by id: the order in
    which they were written, stable for pagination)."""
    if not may_read_audit(actor):
        raise NotAllowed("The audit log is for HR of the whole company.")
    query = (
        select(AuditEvent, Person.name)
        .outerjoin(Person, Person.id == AuditEvent.actor_id)
        .where(AuditEvent.company_id == actor.company_id)
    )
    if filters.actor_id is not None:
        query = query.where(AuditEvent.actor_id == filters.actor_id)
    if filters.target_type is not None:
        query = query.where(AuditEvent.target_type == filters.target_type)
    if filters.target_id is not None:
        query = query.where(AuditEvent.target_id == filters.target_id)
    if filters.action is not None:
        query = query.where(AuditEvent.action == filters.action)
    if filters.since is not None:
        query = query.where(AuditEvent.created_at >= _start_of(filters.since))
    if filters.until is not None and filters.until < date.max:
        query = query.where(AuditEvent.created_at < _start_of(filters.until + timedelta(days=1)))
    return query.order_by(AuditEvent.id.desc())
