"""The people table as CSV or XLSX, in the import's own columns, so that exporting and
importing the result changes nothing. Two queries whatever the size of the company."""

from __future__ import annotations

import csv
import io
from datetime import date

from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.orm import aliased

from ..access import scope_clause
from ..extensions import db
from ..ladders.models import Ladder, Level, Track
from .models import Person, RoleGrant
from .service import current_assignments_subquery
from .tabular import escape

HEADERS = ["email", "name", "manager_email", "ladder", "track", "level", "profession_start",
           "roles", "active"]


def export_rows(actor: Person, today: date | None = None) -> list[list]:
    today = today or date.today()
    current = current_assignments_subquery(actor.company_id, today)
    manager = aliased(Person, name="manager")
    rows = db.session.execute(
        select(Person.id, Person.email, Person.name, manager.email, Ladder.name, Track.name,
               Level.code, Person.profession_start, Person.active)
        .outerjoin(manager, Person.manager_id == manager.id)
        .outerjoin(current, current.c.person_id == Person.id)
        .outerjoin(Level, Level.id == current.c.level_id)
        .outerjoin(Track, Track.id == Level.track_id)
        .outerjoin(Ladder, Ladder.id == Level.ladder_id)
        .where(scope_clause(actor))
        .order_by(Person.path)
    ).all()
    roles: dict[int, set[str]] = {}
    for person_id, role in db.session.execute(
        select(RoleGrant.person_id, RoleGrant.role).join(Person, Person.id == RoleGrant.person_id)
        .where(scope_clause(actor), RoleGrant.scope_root_id.is_(None))
    ):
        roles.setdefault(person_id, set()).add(role)
    return [
        [email, name, manager_email or "", ladder or "", track or "", code or "", start,
         ";".join(sorted(roles.get(person_id, set()))), "yes" if active else "no"]
        for person_id, email, name, manager_email, ladder, track, code, start, active in rows
    ]


def _cell(value):
    return escape(value) if isinstance(value, str) else value


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
