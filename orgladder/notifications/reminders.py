"""Reminders of calibration entries still to prepare: 3 days and 1 day before the cycle's due
date, to each preparer with entries open. Run by the schedule; each reminder is claimed once
(``reminder:<cycle>:<days>:<manager>``), so two runs in the same minute send one."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select

from ..audit import AuditEvent
from ..calibration.models import CalibrationCycle
from ..calibration.states import CycleState
from ..extensions import db
from ..jobs.schedule import claim, scheduled
from ..people.models import Person
from .deliver import deliver
from .kinds import preparation_reminder

DAYS_BEFORE = (3, 1)  # the reminders, in days before the due date


def stage(due: date, today: date) -> int | None:
    """Which reminder is due ``today``: the 3-day one from 3 days before, the 1-day one on the
    last day before; none on or after the due date."""
    left = (due - today).days
    if left < 1:
        return None
    for days in sorted(DAYS_BEFORE):
        if left <= days:
            return days
    return None


def opener_of(cycle: CalibrationCycle) -> Person | None:
    """Who opened preparation: the reminders reach only those their news could reach."""
    actor_id = db.session.scalar(
        select(AuditEvent.actor_id).where(
            AuditEvent.action == "calibration.cycle.transition",
            AuditEvent.target_type == "CalibrationCycle", AuditEvent.target_id == cycle.id)
        .order_by(AuditEvent.id.desc()).limit(1))
    return db.session.get(Person, actor_id) if actor_id else None


@scheduled
def preparation_reminders(now: datetime) -> int:
    today = now.date()
    cycles = db.session.scalars(select(CalibrationCycle).where(
        CalibrationCycle.state == CycleState.PREPARATION,
        CalibrationCycle.due_date > today,
        CalibrationCycle.due_date <= today + timedelta(days=max(DAYS_BEFORE))))
    sent = 0
    for cycle in cycles:
        days = stage(cycle.due_date, today)
        if days is None:
            continue
        messages = [message for message in
                    preparation_reminder(cycle, opener_of(cycle), days, today)
                    if claim(message.key)]
        sent += len(deliver(messages))
    return sent
