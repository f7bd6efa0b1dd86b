"""Eight people save the same object at the same moment, all from the same version: exactly one
save wins, the seven others are told of the conflict, and nothing is lost or half-written.

PostgreSQL only: it is the production database, and its row locks make the saves truly
contend (SQLite lets one writer in at a time). Each contested object is a ``Contest``; to put
another one under the same test (a calibration entry, say), add a builder to ``CONTESTS``.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from orgladder.access import Role
from orgladder.actors import SYSTEM_SEED
from orgladder.audit import AuditEvent
from orgladder.calibration import service as calibration
from orgladder.calibration.models import CalibrationCycle, CalibrationEntry
from orgladder.calibration.states import CycleState
from orgladder.companies import create_company
from orgladder.extensions import db
from orgladder.ladders.models import Level
from orgladder.people.models import Person

from .calibration_setup import ORDER, advance_to, entry_of
from .factories import PASSWORD, levels_of, make_person
from .test_ladder_studio import level_data

CONTENDERS = 8

pytestmark = pytest.mark.no_transaction


@dataclass
class Contest:
    """One object, the form that saves it, and how to read back what was stored."""

    path: str  # the edit page; the form posts back to it
    submission: Callable[[int], dict]  # contender i's form, all from the same version
    stored: Callable[[], Any]  # the object's saved value now
    value_of: Callable[[dict], Any]  # the value a submission would store
    events: Callable[[], list[AuditEvent]]  # the audit events of saves of this object
    conflict: str  # what a refused contender is told


def level_contest(hr: Person) -> Contest:
    level = levels_of(hr.company)["P2"]
    opened = level_data(level)  # every contender opened the form at this revision

    def events():
        return [e for e in db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "level.update", AuditEvent.target_type == "Ladder",
            AuditEvent.target_id == level.ladder_id)) if e.after.get("level_id") == level.id]

    def stored():
        db.session.expire_all()
        saved = db.session.get(Level, level.id)
        return saved.title, saved.revision

    return Contest(
        path=f"/ladders/{level.ladder_id}/levels/{level.id}",
        submission=lambda i: {**opened, "title": f"Product Manager, take {i}"},
        stored=stored,
        value_of=lambda form: (form["title"], opened["revision"] + 1),
        events=events,
        conflict="Someone saved this level after you opened it",
    )


def calibration_entry_contest(hr: Person) -> Contest:
    """HR facilitates the one session of a cycle in session; every contender calibrates the
    same entry, each to a rating and potential of their own."""
    company = hr.company
    person = make_person(company, "Cal Racer", manager=hr, level="P2",
                         email=f"cal@{company.slug}.test")
    cycle = calibration.create_cycle(
        hr, name="Race cycle", ladder=levels_of(company)["P2"].ladder, population_root=None,
        period_start=date(2026, 1, 1), period_end=date(2026, 6, 30))
    calibration.add_session(hr, cycle, name="Everyone", root=None, facilitator=hr,
                            participants=[])
    advance_to(hr, cycle, CycleState.IN_SESSION)
    db.session.commit()
    entry = entry_of(cycle, person)
    opened = {"proposed_level": levels_of(company)["P3"].id, "promotion_ready": "y",
              "revision": entry.revision}

    def events():
        return list(db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "calibration.entry.update",
            AuditEvent.target_type == "CalibrationEntry", AuditEvent.target_id == entry.id)))

    def stored():
        db.session.expire_all()
        saved = db.session.get(CalibrationEntry, entry.id)
        return saved.performance, saved.potential, saved.revision

    return Contest(
        path=f"/calibrations/entries/{entry.id}",
        # Eight distinct (performance, potential) pairs on the 5 x 3 scales.
        submission=lambda i: {**opened, "performance": i % 5 + 1, "potential": i // 5 + 1},
        stored=stored,
        value_of=lambda form: (form["performance"], form["potential"], opened["revision"] + 1),
        events=events,
        conflict="Someone saved this entry after you opened it",
    )


def calibration_cycle_contest(hr: Person) -> Contest:
    """Every contender renames the same draft cycle from the same settings form."""
    ladder = levels_of(hr.company)["P2"].ladder
    cycle = calibration.create_cycle(
        hr, name="Race cycle", ladder=ladder, population_root=None,
        period_start=date(2026, 1, 1), period_end=date(2026, 6, 30))
    db.session.commit()
    opened = {"ladder": ladder.id, "population": 0, "period_start": "2026-01-01",
              "period_end": "2026-06-30", "due_date": "", "rating_scale": "Low\nHigh",
              "potential_scale": "Low\nHigh", "target_distribution": "",
              "revision": cycle.revision}

    def events():
        return list(db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "calibration.cycle.update",
            AuditEvent.target_type == "CalibrationCycle", AuditEvent.target_id == cycle.id)))

    def stored():
        db.session.expire_all()
        saved = db.session.get(CalibrationCycle, cycle.id)
        return saved.name, saved.revision

    return Contest(
        path=f"/calibrations/{cycle.id}/edit",
        submission=lambda i: {**opened, "name": f"Race cycle, take {i}"},
        stored=stored,
        value_of=lambda form: (form["name"], opened["revision"] + 1),
        events=events,
        conflict="Someone changed this cycle after you opened it",
    )


CONTESTS: dict[str, Callable[[Person], Contest]] = {
    "level": level_contest,
    "calibration entry": calibration_entry_contest,
    "calibration cycle": calibration_cycle_contest,
}


@pytest.fixture
def hr_in_committed_company(app):
    """A company of its own, committed, so that every thread's connection sees it."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("the concurrency test runs on PostgreSQL (TEST_DATABASE_URL)")
    slug = f"race-{uuid.uuid4().hex[:8]}"
    with app.app_context():
        company = create_company(SYSTEM_SEED, "Race", slug)
        hr = make_person(company, "Hal Racer", roles=[Role.HR], email=f"hr@{slug}.test")
        db.session.commit()
        yield hr.id
        db.session.remove()


@pytest.mark.parametrize("name", sorted(CONTESTS))
def test_exactly_one_of_eight_simultaneous_saves_wins(app, hr_in_committed_company, name):
    with app.app_context():
        hr = db.session.get(Person, hr_in_committed_company)
        contest = CONTESTS[name](hr)
        email = hr.email
        events_before = len(contest.events())

    clients = [app.test_client() for _ in range(CONTENDERS)]
    tokens = []
    for browser in clients:
        assert browser.login(email, PASSWORD).status_code == 302
        tokens.append(browser.csrf_token(contest.path))
    start = threading.Barrier(CONTENDERS)
    answers: dict[int, tuple[int, str]] = {}

    def save(i: int) -> None:
        form = {**contest.submission(i), "csrf_token": tokens[i]}
        start.wait()
        response = clients[i].post(contest.path, data=form)
        answers[i] = (response.status_code, response.get_data(as_text=True))

    threads = [threading.Thread(target=save, args=(i,)) for i in range(CONTENDERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    statuses = sorted(status for status, _ in answers.values())
    assert statuses == [302] + [409] * (CONTENDERS - 1), statuses
    (winner,) = [i for i, (status, _) in answers.items() if status == 302]
    for i, (_status, body) in answers.items():
        if i != winner:
            assert contest.conflict in body and "nothing was overwritten" in body
    with app.app_context():
        assert contest.stored() == contest.value_of(contest.submission(winner))
        assert len(contest.events()) == events_before + 1
        db.session.remove()


@pytest.mark.parametrize("target", [CycleState.PREPARATION, CycleState.IN_SESSION])
def test_eight_people_moving_one_cycle_at_once_move_it_once(app, hr_in_committed_company,
                                                            target):
    """Opening preparation makes every entry: a second opening racing the first must neither
    make them twice nor fail with a 500. Each contender is sent back to the cycle page."""
    with app.app_context():
        hr = db.session.get(Person, hr_in_committed_company)
        make_person(hr.company, "Cal Racer", manager=hr, level="P2",
                    email=f"cal@{hr.company.slug}.test")
        cycle = calibration.create_cycle(
            hr, name="Race cycle", ladder=levels_of(hr.company)["P2"].ladder,
            population_root=None, period_start=date(2026, 1, 1), period_end=date(2026, 6, 30))
        calibration.add_session(hr, cycle, name="Everyone", root=None, facilitator=hr,
                                participants=[])
        advance_to(hr, cycle, ORDER[ORDER.index(target) - 1])
        db.session.commit()
        cycle_id, email = cycle.id, hr.email

    clients = [app.test_client() for _ in range(CONTENDERS)]
    tokens = []
    for browser in clients:
        assert browser.login(email, PASSWORD).status_code == 302
        tokens.append(browser.csrf_token(f"/calibrations/{cycle_id}"))
    start = threading.Barrier(CONTENDERS)
    statuses: dict[int, int] = {}

    def move(i: int) -> None:
        start.wait()
        response = clients[i].post(f"/calibrations/{cycle_id}/advance",
                                   data={"target": target.value, "csrf_token": tokens[i]})
        statuses[i] = response.status_code

    threads = [threading.Thread(target=move, args=(i,)) for i in range(CONTENDERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(statuses.values()) == [302] * CONTENDERS
    with app.app_context():
        assert db.session.get(CalibrationCycle, cycle_id).state == target
        moves = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "calibration.cycle.transition",
            AuditEvent.target_id == cycle_id, AuditEvent.target_type == "CalibrationCycle")).all()
        assert [event.after["state"] for event in moves].count(target.value) == 1
        entries = db.session.scalars(select(CalibrationEntry).where(
            CalibrationEntry.cycle_id == cycle_id)).all()
        assert sorted(entry.person.name for entry in entries) == ["Cal Racer", "Hal Racer"]
        assert all(entry.originals_frozen == (target == CycleState.IN_SESSION)
                   for entry in entries)
        db.session.remove()
