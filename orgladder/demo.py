"""The demo company: Acme, a product org of fifteen people on the default ladder, with this
half-year's calibration in session."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from .access import Role
from .actors import SYSTEM_SEED
from .calibration.demo import seed_demo_calibration
from .companies import create_company, find_company
from .extensions import db
from .ladders.models import Level
from .people.models import Person
from .people.service import assign_level, create_person

DEMO_SLUG = "acme"
DEMO_DOMAIN = "acme.example"
DEFAULT_PASSWORD = "orgladder-demo"

# (key, name, manager key, roles, profession start, level history [(code, date, reason)])
ORG = [
    ("hana", "Hana Reyes", None, [Role.HR], date(2014, 9, 1), []),
    ("olivia", "Olivia Chen", None, [Role.MANAGER], date(2006, 2, 1),
     [("M7", date(2021, 1, 1), "Joined as Chief Product Officer")]),
    ("marcus", "Marcus Webb", "olivia", [Role.MANAGER], date(2011, 5, 1),
     [("M4", date(2020, 3, 1), "Joined as Group PM"),
      ("M5", date(2024, 1, 1), "Promoted: leads the platform product group")]),
    ("priya", "Priya Natarajan", "marcus", [Role.MANAGER], date(2015, 8, 1),
     [("P4", date(2021, 6, 1), "Joined as Principal PM"),
      ("M4", date(2024, 7, 1), "Track switch: took over the payments team")]),
    ("sam", "Sam Okafor", "priya", [], date(2018, 4, 1), [("P3", date(2023, 2, 1), "Hired")]),
    ("lena", "Lena Fischer", "priya", [], date(2021, 9, 1),
     [("P1", date(2022, 1, 10), "Hired"), ("P2", date(2024, 4, 1), "Promoted after calibration")]),
    ("tom", "Tom Becker", "priya", [], date(2025, 6, 1), [("P1", date(2025, 6, 1), "Hired")]),
    ("ivan", "Ivan Petrov", "priya", [], date(2022, 1, 1), [("P2", date(2024, 9, 1), "Hired")]),
    ("diego", "Diego Alvarez", "marcus", [], date(2011, 1, 1), [("P4", date(2022, 5, 1), "Hired")]),
    ("aisha", "Aisha Khan", "marcus", [], date(2019, 3, 1), [("P3", date(2023, 8, 1), "Hired")]),
    ("julia", "Julia Novak", "olivia", [Role.MANAGER], date(2016, 10, 1),
     [("M4", date(2023, 5, 1), "Hired to lead the growth team")]),
    ("kenji", "Kenji Sato", "julia", [], date(2021, 2, 1),
     [("P1", date(2021, 2, 1), "Hired"), ("P2", date(2023, 9, 1), "Promoted")]),
    ("emma", "Emma Laurent", "julia", [], date(2020, 7, 1), [("P2", date(2022, 11, 1), "Hired")]),
    ("noah", "Noah Williams", "julia", [], date(2024, 9, 1), [("P1", date(2024, 9, 1), "Hired")]),
    ("sofia", "Sofia Rossi", "julia", [], date(2017, 5, 1), [("P3", date(2022, 3, 1), "Hired")]),
]

LOGINS = [
    ("HR", "hana"),
    ("Manager", "marcus"),
    ("Manager", "julia"),
    ("Employee", "kenji"),
]


def email_of(key: str) -> str:
    return f"{key}@{DEMO_DOMAIN}"


def seed_demo(password: str = DEFAULT_PASSWORD) -> bool:
    """Create the demo company unless it exists. Returns True when it was created."""
    if find_company(DEMO_SLUG) is not None:
        return False
    company = create_company(SYSTEM_SEED, "Acme", DEMO_SLUG)
    levels = {
        level.code: level
        for level in db.session.scalars(select(Level).where(Level.company_id == company.id))
    }
    people: dict[str, Person] = {}
    for key, name, manager_key, roles, start, history in ORG:
        person = create_person(
            SYSTEM_SEED,
            company.id,
            email=email_of(key),
            name=name,
            manager=people.get(manager_key) if manager_key else None,
            profession_start=start,
            roles=[Role.EMPLOYEE, *roles],
            password=password,
        )
        people[key] = person
        for code, effective, reason in history:
            assign_level(SYSTEM_SEED, person, levels[code], effective, reason)
    seed_demo_calibration(company.id, people)
    db.session.commit()
    return True
