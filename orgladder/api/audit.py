"""GET /api/v1/audit: the company's audit log for HR, filtered and paginated."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from flask_login import current_user
from sqlalchemy import Select, select

from ..access import Permission, company_wide, has_permission, requires
from ..audit import AuditEvent
from ..errors import NotAllowed
from ..people.models import Person
from . import bp
from .io import query_args
from .openapi import operation
from .pagination import paged_response, paginate
from .schemas.audit import AuditEventOut, AuditPage, AuditQuery


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def audit_events(actor: Person, args: AuditQuery) -> Select:
    """(event, actor name) rows of the actor's company, newest first (by id: the order in
    which they were written, stable for pagination). The log names everyone in the company,
    so only HR of the whole company reads it."""
    if not (has_permission(actor, Permission.MANAGE_PEOPLE) and company_wide(actor)):
        raise NotAllowed("The audit log is for HR of the whole company.")
    query = (
        select(AuditEvent, Person.name)
        .outerjoin(Person, Person.id == AuditEvent.actor_id)
        .where(AuditEvent.company_id == actor.company_id)
    )
    if args.actor_id is not None:
        query = query.where(AuditEvent.actor_id == args.actor_id)
    if args.target_type is not None:
        query = query.where(AuditEvent.target_type == args.target_type)
    if args.target_id is not None:
        query = query.where(AuditEvent.target_id == args.target_id)
    if args.action is not None:
        query = query.where(AuditEvent.action == args.action)
    if args.since is not None:
        query = query.where(AuditEvent.created_at >= _start_of(args.since))
    if args.until is not None and args.until < date.max:
        query = query.where(AuditEvent.created_at < _start_of(args.until + timedelta(days=1)))
    return query.order_by(AuditEvent.id.desc())


@bp.get("/audit")
@requires(Permission.MANAGE_PEOPLE)
@operation("Read the audit log (HR of the whole company): who changed what, before and after",
           tag="audit", response=AuditPage, query=AuditQuery, paginated=True)
def list_audit_events():
    args = query_args(AuditQuery)
    rows, window = paginate(audit_events(current_user, args), args)
    items = [
        AuditEventOut(id=event.id, action=event.action, actor_id=event.actor_id,
                      actor_name=actor_name, target_type=event.target_type,
                      target_id=event.target_id, before=event.before, after=event.after,
                      ip=event.ip, created_at=event.created_at)
        for event, actor_name in rows
    ]
    return paged_response(AuditPage, items, window)
