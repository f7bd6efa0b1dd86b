"""The audit log: who did what to which object, with the state before and after.

``record`` adds the event to the current transaction, so a change and its audit row are
committed together or not at all. The log is append-only: the session refuses to update or
delete an event (below), and on PostgreSQL a trigger refuses it as well (migration
0005_hardening).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import has_request_context, request
from sqlalchemy import JSON, ForeignKey, Index, String, event
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, mapped_column

from .actors import SystemActor
from .computed import company_changed
from .extensions import UTCDateTime, db, utcnow


class AuditEvent(db.Model):
    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_company_id_created_at", "company_id", "created_at"),
        Index("ix_audit_events_target", "target_type", "target_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Nullable: a failed sign-in for an unknown email belongs to no company.
    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    # The system actor that did the work (actors.SystemActor), when no person did: "System
    # (finalize)", "Operator (command line)". Empty for a person, who is named by actor_id.
    actor_name: Mapped[str | None] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(64))
    target_type: Mapped[str | None] = mapped_column(String(40))
    target_id: Mapped[int | None] = mapped_column()
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    ip: Mapped[str | None] = mapped_column(String(45))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# Events that record a look, an attempt, or a change to sign-in credentials: none changes what
# a page computes from the company's data, so they leave the company's revisions where they
# are (orgladder.computed). Every other event moves one: an event missing here costs a
# recompute, never a stale page.
LEAVES_DATA_UNCHANGED = frozenset({
    "access.denied", "audit.export", "calibration.export", "calibration.notes.read",
    "company.export", "people.import_dry_run", "auth.login", "auth.login_failed",
    "auth.logout", "auth.password_change", "auth.password_set",
    "token.create", "token.revoke",
    # one's own notifications read or their channels chosen; a failed job queued again
    "notification.read", "notification.read_all", "notification.preferences",
    "notification.unsubscribe", "job.retry",
})

# Calibration work: these change a calibration entry or its notes and nothing else, so they
# move only the company's entries revision, and the results that read no entries (the levels,
# the people pages) stay kept through a calibration session's many saves.
CHANGES_ENTRIES_ONLY = frozenset({"calibration.entry.update", "calibration.note.add"})


def record(
    actor,
    action: str,
    target=None,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    company_id: int | None = None,
) -> AuditEvent:
    """Add an audit event to the session; the caller's commit makes it durable, and moves
    the company's revisions (``computed``) unless the event changes no data.

    ``actor`` is the person who acted, a ``SystemActor`` (named in the event), or None only
    for what nobody signed in did (a failed sign-in, a refused anonymous request)."""
    if company_id is None:
        company_id = getattr(target, "company_id", None) or getattr(actor, "company_id", None)
    if target is not None and target.__class__.__name__ == "Company":
        company_id = target.id
    event = AuditEvent(
        company_id=company_id,
        actor_id=getattr(actor, "id", None),
        actor_name=actor.name if isinstance(actor, SystemActor) else None,
        action=action,
        # __class__, not type(): a proxy such as current_user must name what it stands for
        target_type=target.__class__.__name__ if target is not None else None,
        target_id=getattr(target, "id", None),
        before=before,
        after=after,
        ip=request.remote_addr if has_request_context() else None,
    )
    db.session.add(event)
    if company_id is not None and action not in LEAVES_DATA_UNCHANGED:
        company_changed(company_id, entries_only=action in CHANGES_ENTRIES_ONLY)
    return event


class AuditLogIsAppendOnly(RuntimeError):
    """Something tried to edit or delete an audit event."""


@event.listens_for(AuditEvent, "before_update")
@event.listens_for(AuditEvent, "before_delete")
def _refuse_change(mapper, connection, target) -> None:
    raise AuditLogIsAppendOnly(f"audit event {target.id} cannot be changed or deleted")


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_change(state: ORMExecuteState) -> None:
    if (state.is_update or state.is_delete) and any(
        getattr(mapper, "class_", None) is AuditEvent for mapper in state.all_mappers
    ):
        raise AuditLogIsAppendOnly("audit events cannot be changed or deleted")
