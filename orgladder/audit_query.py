"""Reading the audit log: filters, pages and the CSV export, for HR of one company.

The audit page, its export and the JSON API's ``/audit`` all read through ``events_query``,
which leaves out what the calibration rule hides from the reader (no event about their own
calibration, ``calibration.rules.readable_events_clause``): every filter, count and page is
taken over what they may read, so no total betrays a hidden event. A page costs two queries
(count and rows, each row joined to its actor and, for people, its target) whatever the size
of the log.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from math import ceil

from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import aliased

from .access import Permission, company_wide, has_permission
from .audit import AuditEvent
from .calibration.rules import readable_events_clause
from .errors import NotAllowed
from .extensions import db
from .paging import Page
from .people.models import Person
from .spreadsheets import escape

CSV_HEADERS = ["id", "time_utc", "actor_email", "actor_name", "action", "target_type",
               "target_id", "target_name", "ip", "before", "after"]


@dataclass(frozen=True)
class AuditFilter:
    actor_email: str = ""
    actor_id: int | None = None
    action: str = ""
    target_type: str = ""
    target_id: int | None = None
    since: date | None = None
    until: date | None = None  # inclusive


@dataclass(frozen=True)
class AuditRow:
    event: AuditEvent
    actor_name: str | None
    actor_email: str | None
    target_name: str | None


def check_reader(actor: Person) -> None:
    """The log names everyone in the company: only HR for the whole company reads it."""
    if not (has_permission(actor, Permission.VIEW_AUDIT) and company_wide(actor)):
        raise NotAllowed("Only HR for the whole company can read the audit log.")


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def events_query(actor: Person, filters: AuditFilter) -> Select:
    """(event, actor name, actor email, target name) rows of the actor's company matching
    ``filters``, newest first: by id, the order they were written, so pages are stable."""
    check_reader(actor)
    who = aliased(Person, name="actor")
    whom = aliased(Person, name="target")
    query = (
        # A system actor has no person row: the event names it (actors.SystemActor).
        select(AuditEvent, func.coalesce(who.name, AuditEvent.actor_name), who.email, whom.name)
        .outerjoin(who, who.id == AuditEvent.actor_id)
        .outerjoin(whom, and_(AuditEvent.target_type == "Person",
                              whom.id == AuditEvent.target_id))
        .where(AuditEvent.company_id == actor.company_id, readable_events_clause(actor))
    )
    if filters.actor_email.strip():
        query = query.where(func.lower(who.email) == filters.actor_email.strip().lower())
    if filters.actor_id is not None:
        query = query.where(AuditEvent.actor_id == filters.actor_id)
    if filters.action:
        query = query.where(AuditEvent.action == filters.action)
    if filters.target_type:
        query = query.where(AuditEvent.target_type == filters.target_type)
    if filters.target_id is not None:
        query = query.where(AuditEvent.target_id == filters.target_id)
    if filters.since is not None:
        query = query.where(AuditEvent.created_at >= _start_of(filters.since))
    if filters.until is not None and filters.until < date.max:  # the last day has no next
        query = query.where(AuditEvent.created_at < _start_of(filters.until + timedelta(days=1)))
    return query.order_by(AuditEvent.id.desc())


def list_events(actor: Person, filters: AuditFilter, page: int = 1,
                per_page: int = 50) -> Page[AuditRow]:
    """One page of the company's events, newest first."""
    query = events_query(actor, filters)
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    page = max(1, min(page, max(1, ceil(total / per_page))))
    rows = db.session.execute(query.limit(per_page).offset((page - 1) * per_page))
    return Page([AuditRow(*row) for row in rows], page, per_page, total)


def iter_events(actor: Person, filters: AuditFilter) -> Iterator[AuditRow]:
    """Every matching event, oldest first, streamed from the database."""
    query = (events_query(actor, filters).order_by(None).order_by(AuditEvent.id)
             .execution_options(yield_per=500))
    for row in db.session.execute(query):
        yield AuditRow(*row)


def choices(actor: Person) -> tuple[list[str], list[str]]:
    """The actions and target types that occur in the company's log, for the filter lists."""
    check_reader(actor)
    mine = and_(AuditEvent.company_id == actor.company_id, readable_events_clause(actor))
    actions = db.session.scalars(select(AuditEvent.action).where(mine).distinct()
                                 .order_by(AuditEvent.action))
    kinds = db.session.scalars(select(AuditEvent.target_type)
                               .where(mine, AuditEvent.target_type.is_not(None)).distinct()
                               .order_by(AuditEvent.target_type))
    return list(actions), list(kinds)


def _cell(value) -> str:
    """Text a spreadsheet will not run as a formula."""
    if value is None:
        return ""
    if isinstance(value, dict | list):
        value = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return escape(str(value))


def csv_lines(rows: Iterator[AuditRow]) -> Iterator[str]:
    """The export, line by line; the first line carries a BOM so Excel reads UTF-8."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(CSV_HEADERS)
    yield "\ufeff" + flush()
    for row in rows:
        event = row.event
        writer.writerow([_cell(v) for v in (
            event.id, event.created_at.isoformat(), row.actor_email, row.actor_name,
            event.action, event.target_type, event.target_id, row.target_name, event.ip,
            event.before, event.after)])
        yield flush()
