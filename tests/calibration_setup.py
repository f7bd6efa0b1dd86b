"""Calibration cycles for the tests, built through the real services.

The standard cycle covers company A of ``Org`` with two sessions:
- "Mona's team": everyone below Mona Manager (Eli, Leo, Ida); Mona and Leo take part;
- "Everyone else": Hannah Hr, Bea Boss, Mona, Pat Peermanager, Pia Peer; Bea and Pat take part.
Hannah (HR) facilitates both.
"""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select

from orgladder.calibration import service
from orgladder.calibration.models import CalibrationCycle, CalibrationEntry
from orgladder.calibration.states import CycleState
from orgladder.extensions import db

from .factories import Org

ORDER = [CycleState.DRAFT, CycleState.PREPARATION, CycleState.IN_SESSION, CycleState.FINALIZED]


def advance_to(hr, cycle: CalibrationCycle, state: str) -> CalibrationCycle:
    while ORDER.index(CycleState(cycle.state)) < ORDER.index(CycleState(state)):
        service.transition(hr, cycle, ORDER[ORDER.index(CycleState(cycle.state)) + 1])
    return cycle


def standard_cycle(org: Org, state: str = CycleState.IN_SESSION, name: str = "H2 2026",
                   target: list[int] | None = None) -> CalibrationCycle:
    cycle = service.create_cycle(
        org.hr, name=name, ladder=org.ladder_a, population_root=None,
        period_start=date(2026, 7, 1), period_end=date(2026, 12, 31),
        due_date=date(2026, 12, 15), target_distribution=target)
    service.add_session(org.hr, cycle, name="Mona's team", root=org.mgr, facilitator=org.hr,
                        participants=[org.mgr, org.lead])
    service.add_session(org.hr, cycle, name="Everyone else", root=None, facilitator=org.hr,
                        participants=[org.boss, org.peer_mgr])
    advance_to(org.hr, cycle, state)
    db.session.commit()
    return cycle


def other_company_cycle(org: Org, state: str = CycleState.IN_SESSION) -> CalibrationCycle:
    """Company B's cycle: everyone (Zora HR, Zed) in one session Zora facilitates."""
    from orgladder.ladders.models import Ladder

    ladder = db.session.scalar(select(Ladder).where(Ladder.company_id == org.b.id))
    cycle = service.create_cycle(
        org.hr_b, name="Foreigncorp 2026", ladder=ladder, population_root=None,
        period_start=date(2026, 1, 1), period_end=date(2026, 12, 31))
    service.add_session(org.hr_b, cycle, name="Everyone", root=None, facilitator=org.hr_b,
                        participants=[])
    advance_to(org.hr_b, cycle, state)
    db.session.commit()
    return cycle


def entry_of(cycle: CalibrationCycle, person) -> CalibrationEntry:
    return db.session.scalar(select(CalibrationEntry).where(
        CalibrationEntry.cycle_id == cycle.id, CalibrationEntry.person_id == person.id))


def session_named(cycle: CalibrationCycle, name: str):
    return next(s for s in cycle.sessions if s.name == name)


def fresh(model, object_id):
    """The row as the database holds it now (the test's session may hold an older copy)."""
    db.session.expire_all()
    return db.session.get(model, object_id)


REVISION = re.compile(r'name="revision" type="hidden" value="(\d+)"')


def form_of(client, entry) -> dict:
    """The entry form as a participant opens it: the current values and the revision."""
    body = client.get(f"/calibrations/entries/{entry.id}").get_data(as_text=True)
    return {"csrf_token": client.csrf_token(f"/calibrations/entries/{entry.id}"),
            "revision": REVISION.search(body).group(1),
            "proposed_level": entry.proposed_level_id, "performance": 0, "potential": 0}


ROW_NAME = re.compile(r'<th scope="row"><a href="/calibrations/entries/\d+">([^<]+)</a>')


CSRF_INPUT = re.compile(r'<input[^>]*name="csrf_token"[^>]*>')


def without_tokens(body: str) -> str:
    """The page without its CSRF tokens, which carry the second they were made in."""
    return CSRF_INPUT.sub("", body)


def entry_rows(body: str) -> list[str]:
    """The names heading the rows of a calibration table, in page order."""
    return ROW_NAME.findall(body)


def grow_reports(company, manager, size: int, levels: dict, start_year: int = 2015) -> None:
    """``size`` people reporting to ``manager`` with a level each, in a few bulk statements
    (the services would take minutes at thousands)."""
    from sqlalchemy import String, cast, insert, literal, update

    from orgladder.people.models import LevelAssignment, Person

    codes = ["P1", "P2", "P3", "P4"]
    tag = f"{company.slug}-{manager.id}"
    db.session.execute(insert(Person), [{
        "company_id": company.id, "email": f"r{i}-{tag}@bulk.test", "name": f"Report {i:04d}",
        "manager_id": manager.id, "path": "", "active": True,
        "profession_start": date(start_year + i % 10, 1 + i % 12, 1),
    } for i in range(size)])
    db.session.execute(
        update(Person).where(Person.manager_id == manager.id, Person.path == "")
        .values(path=literal(manager.path, String) + cast(Person.id, String) + "/")
        .execution_options(synchronize_session=False))
    ids = db.session.scalars(select(Person.id).where(Person.manager_id == manager.id)
                             .order_by(Person.id)).all()
    db.session.execute(insert(LevelAssignment), [{
        "company_id": company.id, "person_id": pid, "level_id": levels[codes[n % 4]].id,
        "effective_date": date(2024, 1, 1), "reason": "Initial level",
    } for n, pid in enumerate(ids)])


def rate_everyone(cycle: CalibrationCycle) -> None:
    """Spread performance and potential over the scales, in one statement."""
    from sqlalchemy import update

    db.session.execute(
        update(CalibrationEntry).where(CalibrationEntry.cycle_id == cycle.id)
        .values(performance=CalibrationEntry.id % 5 + 1, potential=CalibrationEntry.id % 3 + 1)
        .execution_options(synchronize_session=False))
