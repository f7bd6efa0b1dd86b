"""Time the session page and finalizing for a calibration of N entries (1,000 by default).

    .venv/bin/python bench/calibration_session.py                    # SQLite, a fresh temp file
    .venv/bin/python bench/calibration_session.py --database-url postgresql://postgres@127.0.0.1:5432/db

It builds a company with a director, ten managers and their reports (N people below the
director, every one with a level and a start date), sets up a cycle over the director's org
with one session, opens preparation (one entry each), rates everyone and proposes the next
level for every third person, starts the session, then times the session page as a participant
sees it (through the real HTTP stack, median of several requests: computed, as after a change
of the company's data, and kept, as for the views that follow) and the finalization (one
transaction: every entry locked, a level decision per proposed change, committed).
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from flask_migrate import upgrade  # noqa: E402
from settle import settle  # noqa: E402
from sqlalchemy import String, bindparam, cast, insert, literal, select, update  # noqa: E402

from config import normalize_database_url  # noqa: E402
from orgladder import create_app  # noqa: E402
from orgladder.access import Role  # noqa: E402
from orgladder.calibration import service  # noqa: E402
from orgladder.calibration.models import CalibrationEntry  # noqa: E402
from orgladder.calibration.states import CycleState  # noqa: E402
from orgladder.companies import create_company  # noqa: E402
from orgladder.computed import EXTENSION as COMPUTED  # noqa: E402
from orgladder.extensions import db  # noqa: E402
from orgladder.ladders.models import Ladder, Level  # noqa: E402
from orgladder.people.models import LevelAssignment, Person  # noqa: E402
from orgladder.people.service import assign_level, create_person  # noqa: E402

PASSWORD = "bench password 1234"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def build_org(slug: str, size: int, managers: int = 10):
    company = create_company(None, "Bench", slug)
    levels = {lv.code: lv for lv in db.session.scalars(
        select(Level).where(Level.company_id == company.id))}
    hr = create_person(None, company.id, email=f"hr@{slug}.example", name="Bench HR",
                       roles=[Role.EMPLOYEE, Role.HR], password=PASSWORD)
    director = create_person(None, company.id, email=f"director@{slug}.example",
                             name="Dana Director", roles=[Role.EMPLOYEE, Role.MANAGER],
                             password=PASSWORD, profession_start=date(2005, 1, 1))
    assign_level(None, director, levels["M5"], date(2022, 1, 1), "Hired")
    leads = []
    for m in range(managers):
        lead = create_person(None, company.id, email=f"m{m}@{slug}.example", name=f"Manager {m}",
                             manager=director, roles=[Role.EMPLOYEE, Role.MANAGER],
                             profession_start=date(2010, 1, 1))
        assign_level(None, lead, levels["M4"], date(2023, 1, 1), "Hired")
        leads.append(lead)
    reports = size - managers
    codes = ["P1", "P2", "P3", "P4"]
    db.session.execute(insert(Person), [{
        "company_id": company.id, "email": f"p{i}@{slug}.example", "name": f"Person {i:05d}",
        "manager_id": leads[i % managers].id, "path": "", "active": True,
        "profession_start": date(2000 + i % 25, 1 + i % 12, 1),
    } for i in range(reports)])
    for lead in leads:
        db.session.execute(
            update(Person).where(Person.manager_id == lead.id, Person.path == "")
            .values(path=literal(lead.path, String) + cast(Person.id, String) + "/")
            .execution_options(synchronize_session=False))
    ids = db.session.scalars(select(Person.id).where(
        Person.company_id == company.id, Person.manager_id.in_([lead.id for lead in leads])
    ).order_by(Person.id)).all()
    db.session.execute(insert(LevelAssignment), [{
        "company_id": company.id, "person_id": pid, "level_id": levels[codes[n % 4]].id,
        "effective_date": date(2024, 1, 1), "reason": "Initial level",
    } for n, pid in enumerate(ids)])
    db.session.commit()
    return company, hr, director, leads, levels


def prepare(hr, director, leads, levels, company) -> tuple:
    ladder = db.session.scalar(select(Ladder).where(Ladder.company_id == company.id))
    cycle = service.create_cycle(hr, name="Bench calibration", ladder=ladder,
                                 population_root=director, period_start=date(2026, 1, 1),
                                 period_end=date(2026, 6, 30),
                                 target_distribution=[5, 20, 50, 20, 5])
    session = service.add_session(hr, cycle, name="Everyone", root=None, facilitator=hr,
                                  participants=[director, *leads])
    service.transition(hr, cycle, CycleState.PREPARATION)
    rate_entries(cycle, {levels[a].id: levels[b].id for a, b in
                         [("P1", "P2"), ("P2", "P3"), ("P3", "P4"), ("M4", "M5")]})
    service.transition(hr, cycle, CycleState.IN_SESSION)
    db.session.commit()
    return cycle, session


def rate_entries(cycle, following: dict[int, int]) -> None:
    """Rate every entry of ``cycle`` (a bell curve of performance) and propose the following
    level for every third person, in one bulk update: what managers do in preparation."""
    rows = db.session.execute(select(CalibrationEntry.id, CalibrationEntry.current_level_id)
                              .where(CalibrationEntry.cycle_id == cycle.id)
                              .order_by(CalibrationEntry.person_id)).all()
    rng = random.Random(5)  # the same ratings on every run and backend
    table = CalibrationEntry.__table__
    db.session.execute(
        table.update().where(table.c.id == bindparam("entry_id")).values(
            performance=bindparam("performance"), potential=bindparam("potential"),
            proposed_level_id=bindparam("proposed"), promotion_ready=bindparam("ready")),
        [{"entry_id": entry_id, "performance": rng.choices(range(1, 6), [5, 20, 50, 20, 5])[0],
          "potential": rng.randint(1, 3),
          "proposed": following.get(level_id, level_id) if n % 3 == 0 else level_id,
          "ready": n % 3 == 0} for n, (entry_id, level_id) in enumerate(rows)])


def sign_in(client, email: str) -> None:
    token = CSRF.search(client.get("/login").get_data(as_text=True)).group(1)
    response = client.post("/login", data={"email": email, "password": PASSWORD,
                                           "csrf_token": token})
    assert response.status_code == 302, response.status_code


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default="")
    parser.add_argument("--entries", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": normalize_database_url(url),
                                 "LOGIN_FAILURE_LIMIT": "1000 per minute"})
    with app.app_context():
        upgrade()
        slug = f"calbench{int(time.time())}"
        company, hr, director, leads, levels = build_org(slug, args.entries)
        cycle, session = prepare(hr, director, leads, levels, company)
        settle()
        entries = db.session.scalar(select(db.func.count(CalibrationEntry.id)).where(
            CalibrationEntry.cycle_id == cycle.id))
        print(f"{db.engine.dialect.name}: a session of {entries:,} entries")
        cycle_id, session_id, hr_id = cycle.id, session.id, hr.id
        director_email = director.email
        db.session.remove()

    client = app.test_client()
    sign_in(client, director_email)
    path = f"/calibrations/sessions/{session_id}"
    client.get(path)  # warm-up
    kept = app.extensions[COMPUTED]
    for label, forget in (("computed", True), ("kept", False)):
        timings = []
        for _ in range(args.repeat):
            if forget:  # as the first view after a change of the company's data
                kept.clear()
            start = time.perf_counter()
            response = client.get(path)
            timings.append(time.perf_counter() - start)
            assert response.status_code == 200
        print(f"  {'session page, ' + label + ' (median of ' + str(args.repeat) + ')':<42} "
              f"{statistics.median(timings):7.3f} s   "
              f"({len(response.data) / 1024:,.0f} KiB of HTML)")

    with app.app_context():
        from orgladder.calibration.finalizing import pending_changes
        from orgladder.calibration.models import CalibrationCycle

        cycle = db.session.get(CalibrationCycle, cycle_id)
        hr = db.session.get(Person, hr_id)
        changes = len(pending_changes(cycle))
        start = time.perf_counter()
        service.transition(hr, cycle, CycleState.FINALIZED)
        db.session.commit()
        elapsed = time.perf_counter() - start
        print(f"  {'finalize (one transaction)':<42} {elapsed:7.3f} s   "
              f"({changes:,} level changes, {entries:,} entries locked)")


if __name__ == "__main__":
    main()
