"""GET /api/v1/audit: the company's audit log for HR, filtered and paginated."""

from __future__ import annotations

from flask_login import current_user

from ..access import Permission, requires
from ..audit_query import AuditFilter, audit_events
from . import bp
from .io import query_args
from .openapi import operation
from .pagination import paged_response, paginate
from .schemas.audit import AuditEventOut, AuditPage, AuditQuery


@bp.get("/audit")
@requires(Permission.MANAGE_PEOPLE)
@operation("Read the audit log (HR of the whole company): who changed what, before and after",
           tag="audit", response=AuditPage, query=AuditQuery, paginated=True)
def list_audit_events():
    args = query_args(AuditQuery)
    filters = AuditFilter(actor_id=args.actor_id, target_type=args.target_type,
                          target_id=args.target_id, action=args.action, since=args.since,
                          until=args.until)
    rows, window = paginate(audit_events(current_user, filters), args)
    items = [
        AuditEventOut(id=event.id, action=event.action, actor_id=event.actor_id,
                      actor_name=actor_name, target_type=event.target_type,
                      target_id=event.target_id, before=event.before, after=event.after,
                      ip=event.ip, created_at=event.created_at)
        for event, actor_name in rows
    ]
    return paged_response(AuditPage, items, window)
