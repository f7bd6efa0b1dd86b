"""Build companies and orgs in a line. Everything goes through the real services."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from orgladder.access import Role
from orgladder.actors import OPERATOR_CLI, SYSTEM_SEED
from orgladder.auth.tokens import create_token
from orgladder.companies import create_company
from orgladder.extensions import db
from orgladder.ladders import editing
from orgladder.ladders.models import Ladder, Level
from orgladder.people.models import Person
from orgladder.people.service import assign_level, create_person
from orgladder.tenancy import Company

PASSWORD = "correct horse battery"


def make_company(slug: str, name: str | None = None) -> Company:
    return create_company(SYSTEM_SEED, name or slug.title(), slug)


def levels_of(company: Company) -> dict[str, Level]:
    query = select(Level).where(Level.company_id == company.id, Level.archived.is_(False))
    return {lv.code: lv for lv in db.session.scalars(query)}


def retitle(actor: Person, level: Level, title: str) -> None:
    """Rename a level through the ladder studio's service, as HR does (not committed)."""
    values = {field: getattr(level, field) for field in editing.LEVEL_FIELDS}
    editing.update_level(actor, level, {**values, "title": title}, level.revision)


def make_person(
    company: Company,
    name: str,
    *,
    manager: Person | None = None,
    roles=(),
    level: str | None = None,
    email: str | None = None,
    profession_start: date | None = date(2018, 1, 1),
    password: str | None = PASSWORD,
) -> Person:
    email = email or f"{name.lower().replace(' ', '.')}@{company.slug}.test"
    person = create_person(
        SYSTEM_SEED, company.id, email=email, name=name, manager=manager,
        profession_start=profession_start, roles=[Role.EMPLOYEE, *roles], password=password,
    )
    if level:
        assign_level(SYSTEM_SEED, person, levels_of(company)[level], date(2024, 1, 1),
                     "Initial level")
    return person


def make_token(person: Person, *, read_only: bool = False, name: str = "tests") -> str:
    """A personal access token of ``person`` (its secret), made by the real service."""
    _, secret = create_token(OPERATOR_CLI, person, name, read_only=read_only)
    db.session.commit()
    return secret


@dataclass
class Org:
    """Two companies. In A: HR, and under the boss a manager with a direct report (an
    employee), a lead (direct, manager) with an indirect report, and a peer team."""

    a: Company
    b: Company
    hr: Person
    boss: Person
    mgr: Person
    emp: Person
    lead: Person
    emp2: Person
    peer_mgr: Person
    peer: Person
    hr_b: Person
    b_person: Person

    @property
    def ladder_a(self) -> Ladder:
        return db.session.scalar(select(Ladder).where(Ladder.company_id == self.a.id))

    @property
    def ladder_b(self) -> Ladder:
        return db.session.scalar(select(Ladder).where(Ladder.company_id == self.b.id))


def build_org() -> Org:
    a = make_company("acmetest", "Acmetest")
    b = make_company("foreigncorp", "Foreigncorp")
    hr = make_person(a, "Hannah Hr", roles=[Role.HR])
    boss = make_person(a, "Bea Boss", roles=[Role.MANAGER], level="M5")
    mgr = make_person(a, "Mona Manager", manager=boss, roles=[Role.MANAGER], level="M4")
    emp = make_person(a, "Eli Employee", manager=mgr, level="P2")
    lead = make_person(a, "Leo Lead", manager=mgr, roles=[Role.MANAGER], level="P3")
    emp2 = make_person(a, "Ida Indirect", manager=lead, level="P1")
    peer_mgr = make_person(a, "Pat Peermanager", manager=boss, roles=[Role.MANAGER], level="M4")
    peer = make_person(a, "Pia Peer", manager=peer_mgr, level="P2")
    hr_b = make_person(b, "Zora Foreignhr", roles=[Role.HR])
    b_person = make_person(b, "Zed Foreigner", manager=hr_b, level="P3")
    db.session.commit()
    return Org(a, b, hr, boss, mgr, emp, lead, emp2, peer_mgr, peer, hr_b, b_person)
