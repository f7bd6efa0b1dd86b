"""The people table as CSV or XLSX, in the import's own columns, so that exporting and
importing the result changes nothing. Four queries whatever the size of the company."""

from __future__ import annotations

import csv
import io
from datetime import date

from openpyxl import Workbook
from sqlalchemy import select

from ..access import scope_clause
from ..extensions import alias, db
from ..ladders.models import Ladder, Level, Track
from ..spreadsheets import escape
from .models import Person, RoleGrant
from .service import current_assignments_subquery

HEADERS = ["email", "name", "manager_email", "ladder", "track", "level", "profession_start",
           "roles", "active"]


def export_rows(actor: Person, today: date | None = None) -> list[list]:
    today = today or date.today()
    current = current_assignments_subquery(actor.company_id, today)
    level_of = dict(db.session.execute(select(current.c.person_id, current.c.level_id)).all())
    names = {
        level_id: (ladder, track, code)
        for level_id, ladder, track, code in db.session.execute(
            select(Level.id, Ladder.name, Track.name, Level.code)
            .join(Track, Track.id == Level.track_id).join(Ladder, Ladder.id == Level.ladder_id)
            .where(Level.company_id == actor.company_id))
    }
    manager = alias(Person, "manager")
    people = db.session.execute(
        select(Person.id, Person.email, Person.name, manager.email, Person.profession_start,
               Person.active)
        .outerjoin(manager, Person.manager_id == manager.id)
        .where(scope_clause(actor))
        .order_by(Person.path)
    ).all()
    roles: dict[int, set[str]] = {}
    for person_id, role in db.session.execute(
        select(RoleGrant.person_id, RoleGrant.role).join(Person, Person.id == RoleGrant.person_id)
        .where(scope_clause(actor), RoleGrant.scope_root_id.is_(None))
    ):
        roles.setdefault(person_id, set()).add(role)
    rows = []
    for person_id, email, name, manager_email, start, active in people:
        ladder, track, code = names.get(level_of.get(person_id), ("", "", ""))
        rows.append([email, name, manager_email or "", ladder, track, code, start,
                     ";".join(sorted(roles.get(person_id, set()))), "yes" if active else "no"])
    return rows


def _cell(value):
    return escape(value)


def to_csv(rows: list[list]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(HEADERS)
    for row in rows:
        writer.writerow([_cell(v.isoformat() if isinstance(v, date) else (v or ""))
                         for v in row])
    return buffer.getvalue().encode("utf-8-sig")  # the BOM makes Excel read it as UTF-8


def to_xlsx(rows: list[list]) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("People")
    sheet.append(HEADERS)
    for row in rows:
        sheet.append([_cell(v) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
