"""The transactional outbox: audit events are the domain events.

Every write records its audit event in its own transaction. The events whose action tells
anyone anything (``kinds.ACTIONS``) are noted as they are inserted; once the transaction
commits, one ``dispatch`` job per company turns them into notifications. A service never
remembers to notify, nothing is sent for a rolled-back change, and as the events are committed
rows, a dispatch that fails is retried from them.
"""

from __future__ import annotations

from sqlalchemy import event, select
from sqlalchemy.orm import object_session

from ..audit import AuditEvent
from ..extensions import db
from ..jobs import job, submit
from ..jobs.transactional import Pending
from .deliver import deliver
from .kinds import ACTIONS, RULES


@job
def dispatch(event_ids: list[int]) -> None:
    """Turn committed audit events into notifications (an event rolled back is not found)."""
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.id.in_(event_ids)).order_by(AuditEvent.id))
    deliver([message for audit_event in events if audit_event.action in RULES
             for message in RULES[audit_event.action](audit_event)])


def _dispatch_committed(items: list[tuple[int, int]]) -> None:
    by_company: dict[int, list[int]] = {}
    for company_id, event_id in items:
        by_company.setdefault(company_id, []).append(event_id)
    for company_id, event_ids in by_company.items():
        submit(dispatch, company_id=company_id, event_ids=sorted(set(event_ids)))


_EVENTS = Pending("audit_events", _dispatch_committed)


@event.listens_for(AuditEvent, "after_insert")
def _note_event(mapper, connection, target: AuditEvent) -> None:
    if target.action in ACTIONS and target.company_id is not None:
        session = object_session(target)
        if session is not None:
            _EVENTS.add(session, (target.company_id, target.id))
