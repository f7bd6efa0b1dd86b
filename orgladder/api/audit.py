"""GET /api/v1/audit: the company's audit log for HR, filtered and paginated, read through the
same query as the audit page (``audit_query``)."""

from __future__ import annotations

from flask_login import current_user

from ..access import Permission, requires
from ..audit_query import AuditFilter, AuditRow, events_query
from . import bp
from .io import query_args
from .openapi import operation
from .pagination import paged_response, paginate
from .schemas.audit import AuditEventOut, AuditPage, AuditQuery


def event_out(row: AuditRow) -> AuditEventOut:
    event = row.event
    return AuditEventOut(id=event.id, action=event.action, actor_id=event.actor_id,
                         actor_name=row.actor_name, actor_email=row.actor_email,
                         target_type=event.target_type, target_id=event.target_id,
                         target_name=row.target_name, before=event.before, after=event.after,
                         ip=event.ip, created_at=event.created_at)


@bp.get("/audit")
@requires(Permission.VIEW_AUDIT)
@operation("Read the audit log (HR of the whole company): who changed what, before and after",
           tag="audit", response=AuditPage, query=AuditQuery, paginated=True)
def list_audit_events():
    args = query_args(AuditQuery)
    filters = AuditFilter(actor_id=args.actor_id, action=args.action or "",
                          target_type=args.target_type or "", target_id=args.target_id,
                          since=args.since, until=args.until)
    rows, window = paginate(events_query(current_user, filters), args)
    return paged_response(AuditPage, [event_out(AuditRow(*row)) for row in rows], window)
