"""Build a realistic org for benchmarks: one 20,000-person company beside ten small ones.

    .venv/bin/python bench/generate.py --database-url postgresql://postgres@127.0.0.1:5432/bench
    .venv/bin/python bench/generate.py                       # a fresh SQLite file

The big company (slug ``globex``) is an 8-level-deep tree on the default ladder: managers on the
management track, everyone else on the IC track, with two years of level history (promotions
along the way), one finalized calibration cycle and one in session. Ten small companies of 20 to
200 people sit beside it, so every page also proves it reads one company only. People come in
through the real import and calibrations through the real services; history, passwords and
ratings are written in bulk. Every person's password is ``bench password 1234``.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from calibration_session import rate_entries  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from settle import settle  # noqa: E402
from sqlalchemy import func, insert, select, update  # noqa: E402

from config import normalize_database_url  # noqa: E402
from orgladder import create_app  # noqa: E402
from orgladder.access import Role  # noqa: E402
from orgladder.calibration import service as calibration  # noqa: E402
from orgladder.calibration.states import CycleState  # noqa: E402
from orgladder.companies import create_company  # noqa: E402
from orgladder.extensions import db  # noqa: E402
from orgladder.ladders.models import (
    Ladder,  # noqa: E402
    Level,  # noqa: E402
)
from orgladder.passwords import hash_password  # noqa: E402
from orgladder.people.importer import confirm, dry_run  # noqa: E402
from orgladder.people.models import LevelAssignment, Person  # noqa: E402
from orgladder.people.service import create_person  # noqa: E402

PASSWORD = "bench password 1234"
FIRST = ["Ada", "Ben", "Chloe", "Dev", "Elena", "Farid", "Grace", "Hugo", "Ines", "Jon", "Kira",
         "Luis", "Mei", "Nia", "Omar", "Pia", "Quinn", "Ravi", "Sara", "Tomas", "Uma", "Vik",
         "Wen", "Xena", "Yusuf", "Zoe"]
LAST = ["Abbott", "Baker", "Castro", "Dubois", "Eriksen", "Fischer", "Garcia", "Hughes", "Ito",
        "Jensen", "Kowalski", "Larsen", "Moreau", "Novak", "Okafor", "Patel", "Quist", "Rossi",
        "Silva", "Tanaka", "Ueda", "Varga", "Weber", "Xu", "Yilmaz", "Zhou"]
IC_CODES = ["P1", "P2", "P3", "P4"]
MANAGER_CODES = ["M4", "M5", "M6", "M7"]


def org_csv(slug: str, size: int, depth: int, rng: random.Random) -> bytes:
    """An org tree ``depth`` levels deep: breadth-first, each manager with a similar fanout."""
    fanout = 2
    while sum(fanout ** d for d in range(depth)) < size:
        fanout += 1
    rows = ["email,name,manager_email,level,profession_start,roles"]
    depth_of = [0]
    for i in range(size):
        parent = (i - 1) // fanout if i else None
        if i:
            depth_of.append(depth_of[parent] + 1)
        is_manager = i * fanout + 1 < size
        level = (MANAGER_CODES[max(0, 3 - depth_of[i])] if is_manager
                 else IC_CODES[rng.randrange(4)])
        years = {"P1": 1, "P2": 3, "P3": 6, "P4": 10}.get(level, 9 + 3 * (3 - min(3, depth_of[i])))
        start = date.today() - timedelta(days=365 * years + rng.randrange(700))
        name = f"{FIRST[i % 26]} {LAST[(i // 26) % 26]} {i}"
        manager = f"p{parent}@{slug}.example" if parent is not None else ""
        roles = "manager" if is_manager else "employee"
        rows.append(f"p{i}@{slug}.example,{name},{manager},{level},{start.isoformat()},{roles}")
    return ("\n".join(rows) + "\n").encode()


def build_company(name: str, slug: str, size: int, depth: int, rng: random.Random,
                  password_hash: str) -> Person:
    """The company's people and history; returns its HR person."""
    company = create_company(None, name, slug)
    hr = create_person(None, company.id, email=f"hr@{slug}.example", name=f"{name} HR",
                       roles=[Role.EMPLOYEE, Role.HR])
    db.session.commit()
    _, plan, batch = dry_run(hr, f"{slug}.csv", org_csv(slug, size, depth, rng))
    if batch is None:
        raise SystemExit(f"the generated org of {slug} does not import: {plan.issues[:3]}")
    db.session.commit()
    confirm(hr, batch)
    db.session.execute(update(Person).where(Person.company_id == company.id)
                       .values(password_hash=password_hash))
    _add_history(company.id, rng)
    db.session.commit()
    return hr


def add_calibrations(hr: Person) -> None:
    """Two cycles over the orgs of two third-line managers (about 1,400 people each): the first
    half-year finalized, the second in session. Every entry is rated; a third propose a
    promotion."""
    company_id = hr.company_id
    ladder = db.session.scalar(select(Ladder).where(Ladder.company_id == company_id))
    levels = {lv.code: lv.id for lv in db.session.scalars(
        select(Level).where(Level.company_id == company_id))}
    following = {levels[a]: levels[b] for a, b in
                 [("P1", "P2"), ("P2", "P3"), ("P3", "P4"), ("M4", "M5"), ("M5", "M6")]}
    near_the_top = db.session.scalars(
        select(Person).where(Person.company_id == company_id, Person.manager_id.is_not(None))
        .order_by(func.length(Person.path), Person.id).limit(100)).all()
    third_line = [person for person in near_the_top if person.path.count("/") == 4][:2]
    for (name, start, end, finalize), root in zip(
            [("H1 2026", date(2026, 1, 1), date(2026, 6, 30), True),
             ("H2 2026", date(2026, 7, 1), date(2026, 12, 31), False)], third_line, strict=True):
        cycle = calibration.create_cycle(hr, name=name, ladder=ladder, population_root=root,
                                         period_start=start, period_end=end)
        # One session per org below the root (about 340 people), run by its managers.
        for lead in db.session.scalars(select(Person).where(Person.manager_id == root.id)
                                       .order_by(Person.id)):
            managers = db.session.scalars(select(Person).where(Person.manager_id == lead.id)).all()
            calibration.add_session(hr, cycle, name=f"{lead.name}'s org", root=lead,
                                    facilitator=hr, participants=[root, lead, *managers])
        calibration.add_session(hr, cycle, name=f"{root.name}'s directs", root=None,
                                facilitator=hr, participants=[root])
        calibration.transition(hr, cycle, CycleState.PREPARATION)
        rate_entries(cycle, following)
        calibration.transition(hr, cycle, CycleState.IN_SESSION)
        if finalize:
            calibration.transition(hr, cycle, CycleState.FINALIZED, effective_date=end)
        db.session.commit()


def _add_history(company_id: int, rng: random.Random) -> None:
    """Date each current level within the last two years and give most people the level
    below it before that: two years of promotions."""
    today = date.today()
    levels = db.session.execute(
        select(Level.id, Level.track_id, Level.position).where(Level.company_id == company_id)
    ).all()
    below = {}
    for level_id, track_id, position in levels:
        lower = [lv for lv in levels if lv.track_id == track_id and lv.position == position - 1]
        below[level_id] = lower[0].id if lower else None
    current = db.session.execute(
        select(LevelAssignment.id, LevelAssignment.person_id, LevelAssignment.level_id,
               LevelAssignment.decided_by_id)
        .where(LevelAssignment.company_id == company_id)).all()
    moved, earlier = [], []
    for assignment_id, person_id, level_id, decided_by in current:
        since = today - timedelta(days=rng.randrange(730))
        moved.append({"id": assignment_id, "effective_date": since})
        if below[level_id] and rng.random() < 0.6:
            earlier.append({
                "company_id": company_id, "person_id": person_id, "level_id": below[level_id],
                "effective_date": today - timedelta(days=730 + rng.randrange(365)),
                "reason": "Hired", "decided_by_id": decided_by})
    db.session.execute(update(LevelAssignment), moved)
    for start in range(0, len(earlier), 1000):
        db.session.execute(insert(LevelAssignment), earlier[start:start + 1000])


def generate(size: int = 20_000, small: int = 10, seed: int = 7) -> dict[str, int]:
    rng = random.Random(seed)
    password_hash = hash_password(PASSWORD)
    globex = build_company("Globex", "globex", size, 8, rng, password_hash)
    add_calibrations(globex)
    companies = {"globex": globex.company_id}
    for n in range(small):
        slug = f"small{n + 1}"
        companies[slug] = build_company(f"Small Co {n + 1}", slug, rng.randrange(20, 201), 4,
                                        rng, password_hash).company_id
    return companies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default="")
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--small", type=int, default=10)
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": normalize_database_url(url)})
    with app.app_context():
        upgrade()
        start = time.perf_counter()
        generate(args.people, args.small)
        elapsed = time.perf_counter() - start
        people = db.session.scalar(select(db.func.count(Person.id)))
        print(f"{db.engine.dialect.name}: {people:,} people in {1 + args.small} companies "
              f"built in {elapsed:.1f} s ({url}); vacuumed and analyzed in {settle():.1f} s")


if __name__ == "__main__":
    main()
