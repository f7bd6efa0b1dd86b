"""Turning the rows of a people file into a plan (who is created, updated, left alone) and
every problem with its row and column. Reads the company in a handful of queries and writes
nothing: the dry run and the confirmation both call ``build_plan``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

from email_validator import EmailNotValidError
from sqlalchemy import select

from ..access import Role, may_grant, may_move, may_place
from ..extensions import db
from ..ladders.models import Ladder, Level, Track
from ..ladders.visibility import published_levels
from .models import Person, RoleGrant
from .service import checked_email, current_assignments_subquery
from .tabular import Issue

TRUE = {"yes", "y", "true", "1", "active"}
FALSE = {"no", "n", "false", "0", "inactive", "deactivated"}
ROLE_NAMES = {r.value for r in Role}


@dataclass
class Plan:
    creates: list[dict] = field(default_factory=list)
    updates: list[dict] = field(default_factory=list)
    unchanged: int = 0
    issues: list[Issue] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"creates": self.creates, "updates": self.updates, "unchanged": self.unchanged}

    @property
    def digest(self) -> str:
        return plan_digest(self.as_dict())


def plan_digest(plan: dict) -> str:
    return hashlib.sha256(json.dumps(plan, sort_keys=True).encode()).hexdigest()


@dataclass
class Company:
    """What the plan compares the file against, loaded once."""

    by_email: dict[str, dict]
    email_of: dict[int, str]
    levels: list[tuple[Level, str, str]]  # level, track name, ladder name
    elsewhere: set[str]
    placed: dict[str, Placed]  # where each person is in the org today, for access checks
    published: frozenset[int] = frozenset()  # the levels a file may assign (ladders.visibility)


@dataclass(frozen=True)
class Placed:
    """Someone's place in the org, as ``access`` reads it (id, company, reporting path):
    a person of the company, or one the file adds (no id yet) at the path they will have."""

    id: int | None
    company_id: int
    path: str


def _load(company_id: int, emails: list[str], today: date) -> Company:
    current = current_assignments_subquery(company_id, today)
    level_of = dict(db.session.execute(select(current.c.person_id, current.c.level_id)).all())
    people = db.session.execute(
        select(Person.id, Person.email, Person.name, Person.manager_id, Person.profession_start,
               Person.active, Person.path)
        .where(Person.company_id == company_id)
    ).all()
    roles: dict[int, set[str]] = {}
    for person_id, role in db.session.execute(
        select(RoleGrant.person_id, RoleGrant.role)
        .where(RoleGrant.company_id == company_id, RoleGrant.scope_root_id.is_(None))
    ):
        roles.setdefault(person_id, set()).add(role)
    email_of = {p.id: p.email for p in people}
    by_email = {
        p.email: {"id": p.id, "name": p.name, "manager_email": email_of.get(p.manager_id, ""),
                  "profession_start": p.profession_start, "active": p.active,
                  "level_id": level_of.get(p.id), "roles": sorted(roles.get(p.id, set()))}
        for p in people
    }
    elsewhere: set[str] = set()
    outside = [e for e in emails if e not in by_email]
    for start in range(0, len(outside), 1000):
        elsewhere.update(db.session.scalars(
            select(Person.email).where(Person.email.in_(outside[start:start + 1000]),
                                       Person.company_id != company_id)))
    levels = db.session.execute(
        select(Level, Track.name, Ladder.name)
        .join(Track, Track.id == Level.track_id).join(Ladder, Ladder.id == Level.ladder_id)
        .where(Level.company_id == company_id)
    ).all()
    placed = {p.email: Placed(p.id, company_id, p.path) for p in people}
    published = frozenset(published_levels(company_id))
    return Company(by_email, email_of, [tuple(row) for row in levels], elsewhere, placed,
                   published)



class _Row:
    """One row's checked values; problems go to the plan's issue list."""

    def __init__(self, raw: dict, issues: list[Issue]):
        self.raw, self.issues, self.number, self.ok = raw, issues, raw["row"], True

    def error(self, column: str | None, message: str) -> None:
        self.ok = False
        self.issues.append(Issue(self.number, column, message))


def _level(row: _Row, company: Company) -> int | None:
    code = row.raw.get("level", "").strip()
    if not code:
        return None
    ladder, track = row.raw.get("ladder", "").strip(), row.raw.get("track", "").strip()
    named = [(lv, t, la) for lv, t, la in company.levels
             if lv.code.lower() == code.lower() and (not ladder or la.lower() == ladder.lower())]
    # Only a published level can be assigned, as in people.service.assign_level.
    matches = [match for match in named if match[0].id in company.published]
    if not matches:
        where = f" on the ladder {ladder}" if ladder else ""
        if any(not lv.archived for lv, _, _ in named):
            row.error("level", f"{code} is not published yet; publish the ladder before "
                               "assigning it.")
        else:
            row.error("level", f"Unknown level {code}{where}.")
        return None
    if len(matches) > 1:
        row.error("ladder", f"Several ladders have a level {code}; name the ladder.")
        return None
    level, track_name, _ = matches[0]
    if track and track.lower() != track_name.lower():
        row.error("track", f"{code} is on the {track_name} track, not {track}.")
        return None
    return level.id


def _start(row: _Row, existing: dict | None, today: date) -> tuple[bool, date | None]:
    """(given, value): the start in the profession, from a date or from years."""
    text = row.raw.get("profession_start", "").strip()
    if text:
        try:
            value = date.fromisoformat(text[:10])
        except ValueError:
            row.error("profession_start", f"Bad date {text!r}: write it as YYYY-MM-DD.")
            return False, None
        if value > today:
            row.error("profession_start", "The start in the profession is in the future.")
            return False, None
        return True, value
    years_text = row.raw.get("years_of_experience", "").strip().replace(",", ".")
    if not years_text:
        return False, None
    try:
        years = float(years_text)
    except ValueError:
        row.error("years_of_experience", f"{years_text!r} is not a number of years.")
        return False, None
    if not 0 <= years <= 70:
        row.error("years_of_experience", "Years of experience must be between 0 and 70.")
        return False, None
    start = existing["profession_start"] if existing else None
    if start is not None and abs(round((today - start).days / 365.25, 1) - years) < 0.05:
        return True, start  # the same years as on record: not a change
    return True, today - timedelta(days=round(years * 365.25))


def _roles(row: _Row) -> list[str] | None:
    text = row.raw.get("roles", "").strip()
    if not text:
        return None
    names = {part.strip().lower() for part in text.replace(";", ",").replace("|", ",").split(",")
             if part.strip()}
    unknown = sorted(names - ROLE_NAMES)
    if unknown:
        allowed = ", ".join(sorted(ROLE_NAMES))
        row.error("roles", f"Unknown role {', '.join(unknown)}: use {allowed}.")
        return None
    return sorted(names | {Role.EMPLOYEE.value})


def _active(row: _Row) -> bool | None:
    text = row.raw.get("active", "").strip().lower()
    if not text:
        return None
    if text in TRUE or text in FALSE:
        return text in TRUE
    row.error("active", f"Write yes or no, not {text!r}.")
    return None


def _cycles(final: dict[str, str], starts: list[str]) -> list[list[str]]:
    """Every reporting cycle reachable from ``starts`` in the final manager map."""
    state: dict[str, int] = {}
    cycles = []
    for start in starts:
        path, node = [], start
        while node and state.get(node, 0) == 0:
            state[node] = 1
            path.append(node)
            node = final.get(node) or None
        if node and state.get(node) == 1:
            cycles.append(path[path.index(node):])
        for visited in path:
            state[visited] = 2
    return cycles


def build_plan(actor: Person, rows: list[dict], today: date | None = None) -> Plan:
    today = today or date.today()
    # Each address is checked once: a manager's comes again on every report's row, and the
    # check (email_validator, with its Unicode rules) was half the time of a 10,000-row plan.
    email = lru_cache(maxsize=None)(checked_email)
    plan = Plan()
    parsed: list[_Row] = []
    first_row: dict[str, int] = {}
    for raw in rows:
        row = _Row(raw, plan.issues)
        row.email = None
        text = raw.get("email", "").strip()
        if not text:
            row.error("email", "The email is missing.")
        else:
            try:
                row.email = email(text)
            except EmailNotValidError:
                row.error("email", f"{text!r} is not a valid email address.")
        if row.email in first_row:
            row.error("email", f"Duplicate email {row.email}: row {first_row[row.email]} "
                               "has it too.")
            row.email = None
        elif row.email:
            first_row[row.email] = row.number
        parsed.append(row)

    company = _load(actor.company_id, list(first_row), today)
    codes = {level.id: level.code for level, _, _ in company.levels}
    final_manager = {e: d["manager_email"] for e, d in company.by_email.items()}
    final_active = {e: d["active"] for e, d in company.by_email.items()}
    for row in parsed:
        existing = company.by_email.get(row.email) if row.email else None
        if row.email in company.elsewhere:
            row.error("email", "This email address belongs to an account outside your company.")
        row.name = row.raw.get("name", "").strip()
        if not row.name:
            row.error("name", "The name is missing.")
        elif len(row.name) > 200:
            row.error("name", "The name is longer than 200 characters.")
        row.manager = _manager(row, first_row, company, email)
        row.level_id = _level(row, company)
        row.start_given, row.start = _start(row, existing, today)
        row.roles, row.active = _roles(row), _active(row)
        if row.email and row.email == actor.email:
            _self_checks(row, existing)
        if row.email and row.manager is not None:
            final_manager[row.email] = row.manager
        if row.email and row.active is not None:
            final_active[row.email] = row.active
        elif row.email and existing is None:
            final_active[row.email] = True

    by_email = {row.email: row for row in parsed if row.email}
    for cycle in _cycles(final_manager, list(by_email)):
        loop = " → ".join([*cycle, cycle[0]])
        for email in cycle:
            if email in by_email:
                by_email[email].error("manager_email", f"Reporting cycle: {loop}.")
    active_reports: dict[str, int] = {}
    for email, manager in final_manager.items():
        if manager and final_active.get(email):
            active_reports[manager] = active_reports.get(manager, 0) + 1
    for row in parsed:
        if row.ok:
            _check_access(actor, row, company, final_manager)
        if row.active is False and active_reports.get(row.email):
            row.error("active", f"{row.email} keeps {active_reports[row.email]} active "
                                "report(s); give them another manager first.")
        if row.ok:
            _plan_row(plan, row, company.by_email.get(row.email), codes)
    plan.issues.sort(key=lambda i: (i.row or 0, i.column or ""))
    return plan


def _manager(row: _Row, in_file: dict[str, int], company: Company,
             email: Callable[[str], str]) -> str | None:
    """The manager's email ("" for none), or None when the cell is wrong."""
    text = row.raw.get("manager_email", "").strip()
    if not text:
        return ""
    try:
        manager = email(text)
    except EmailNotValidError:
        row.error("manager_email", f"{text!r} is not a valid email address.")
        return None
    if manager == row.email:
        row.error("manager_email", "A person cannot be their own manager.")
        return None
    if manager not in in_file and manager not in company.by_email:
        row.error("manager_email", f"Unknown manager {manager}: neither in the file nor "
                                   "in the company.")
        return None
    return manager


def _self_checks(row: _Row, existing: dict | None) -> None:
    if row.level_id is not None and existing and row.level_id != existing["level_id"]:
        row.error("level", "Nobody assigns their own level.")
    if row.active is False:
        row.error("active", "You cannot deactivate yourself.")


def _anchor(email: str, company: Company, final: dict[str, str]) -> Placed | None:
    """Where someone the file names as a manager sits: themselves if they are in the company,
    else (added by the file) under their own manager, up to someone who is; None at the top.
    Someone the file adds is in the same part of the org as the one they report to."""
    seen: set[str] = set()
    while email and email not in company.placed and email not in seen:
        seen.add(email)
        email = final.get(email) or ""
    return company.placed.get(email)


def _check_access(actor: Person, row: _Row, company: Company, final: dict[str, str]) -> None:
    """The same checks as the person form's (``access.may_move``, ``may_grant``), for each
    row that sets a manager or roles: a move is checked at both ends, a grant against the
    actor's own grants."""
    existing = company.by_email.get(row.email)
    manager = _anchor(row.manager, company, final) if row.manager else None
    if existing is None:
        if not may_place(actor, manager):
            row.error("manager_email", "The manager is outside your part of the company.")
        person = Placed(None, actor.company_id, (manager.path if manager else "/") + "+/")
        held: set[str] = {Role.EMPLOYEE.value}
    else:
        person = company.placed[row.email]
        held = set(existing["roles"])
        if (row.manager is not None and row.manager != existing["manager_email"]
                and not may_move(actor, person, manager)):
            row.error("manager_email", "Nobody moves themselves in the org: ask another HR."
                      if row.email == actor.email else
                      "This move is outside your part of the company.")
    changed = held ^ set(row.roles) if row.roles is not None else set()
    refused = sorted(role for role in changed if not may_grant(actor, person, role))
    if refused:
        row.error("roles", "Nobody changes their own roles: ask another HR."
                  if row.email == actor.email else
                  f"You cannot grant or remove {', '.join(refused)}: nobody grants more "
                  "than they hold.")


def _plan_row(plan: Plan, row: _Row, existing: dict | None, codes: dict[int, str]) -> None:
    start = row.start.isoformat() if row.start else None
    if existing is None:
        plan.creates.append({
            "row": row.number, "email": row.email, "name": row.name,
            "manager_email": row.manager, "level_id": row.level_id,
            "level_code": codes.get(row.level_id, ""), "profession_start": start,
            "roles": row.roles or [Role.EMPLOYEE.value],
            "active": True if row.active is None else row.active,
        })
        return
    new: dict = {}
    if row.name != existing["name"]:
        new["name"] = row.name
    if row.manager != existing["manager_email"]:
        new["manager_email"] = row.manager
    if row.level_id is not None and row.level_id != existing["level_id"]:
        new["level_id"] = row.level_id
    old_start = existing["profession_start"]
    if row.start_given and row.start != old_start:
        new["profession_start"] = start
    if row.roles is not None and row.roles != existing["roles"]:
        new["roles"] = row.roles
    if row.active is not None and row.active != existing["active"]:
        new["active"] = row.active
    if not new:
        plan.unchanged += 1
        return
    shown = {**existing, "profession_start": old_start.isoformat() if old_start else None,
             "level_id": codes.get(existing["level_id"], "")}
    changes = {key: [shown[key], codes.get(value, "") if key == "level_id" else value]
               for key, value in new.items()}
    plan.updates.append({"row": row.number, "id": existing["id"], "email": row.email,
                         "set": new, "changes": changes})
