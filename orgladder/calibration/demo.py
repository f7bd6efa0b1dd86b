"""The demo company's calibration: this half-year's cycle over Olivia's product org, in session.

Priya and Marcus prepared the Platform group, Julia the Growth group and Olivia her two
directs; in the session Hana (HR, facilitating) brought one rating down, and the notes thread
shows why. Priya rates lower and Marcus higher than the session, and Noah is proposed for a
level far above his years, so the session page has flags to discuss.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from ..extensions import db
from ..ladders.models import Ladder, Level
from ..people.models import Person
from . import entries, service
from .models import CalibrationEntry
from .states import CycleState

# person key -> (who prepares, proposed level, performance 1-5, potential 1-3, promotion ready)
PREPARED = {
    "sam": ("priya", "P3", 3, 2, False),
    "lena": ("priya", "P2", 2, 2, False),
    "tom": ("priya", "P1", 2, 2, False),
    "ivan": ("priya", "P2", 2, 1, False),
    "priya": ("marcus", "M4", 4, 3, False),
    "diego": ("marcus", "P4", 4, 2, False),
    "aisha": ("marcus", "P4", 5, 3, True),
    "kenji": ("julia", "P3", 4, 3, True),
    "emma": ("julia", "P2", 5, 2, False),
    "noah": ("julia", "P3", 4, 2, True),
    "sofia": ("julia", "P3", 3, 2, False),
    "marcus": ("olivia", "M5", 4, 2, False),
    "julia": ("olivia", "M4", 4, 3, False),
}
NOTES = [
    ("julia", "kenji", "Led the onboarding revamp end to end; ready to own a product area."),
    ("priya", "aisha", "Aisha runs the pricing work at Principal scope already: two teams "
                       "depend on her roadmap."),
    ("hana", "emma", "Calibrated from 5 to 4: a strong half, at the scope of the other 4s "
                     "in the session."),
]


def seed_demo_calibration(company_id: int, people: dict[str, Person],
                          today: date | None = None) -> None:
    today = today or date.today()
    first_half = today.month <= 6
    start = date(today.year, 1 if first_half else 7, 1)
    end = date(today.year, 6, 30) if first_half else date(today.year, 12, 31)
    hana = people["hana"]
    ladder = db.session.scalar(select(Ladder).where(Ladder.company_id == company_id))
    levels = {lv.code: lv for lv in db.session.scalars(
        select(Level).where(Level.ladder_id == ladder.id, Level.archived.is_(False)))}
    cycle = service.create_cycle(
        hana, name=f"H{1 if first_half else 2} {today.year} product calibration", ladder=ladder,
        population_root=people["olivia"], period_start=start, period_end=end,
        due_date=today - timedelta(days=7), target_distribution=[5, 20, 50, 20, 5])
    service.add_session(hana, cycle, name="Platform", root=people["marcus"], facilitator=hana,
                        participants=[people["marcus"], people["priya"]])
    service.add_session(hana, cycle, name="Growth", root=people["julia"], facilitator=hana,
                        participants=[people["julia"]])
    service.add_session(hana, cycle, name="Product leadership", root=None, facilitator=hana,
                        participants=[people["olivia"]])
    service.transition(hana, cycle, CycleState.PREPARATION)
    by_person = {e.person_id: e for e in db.session.scalars(
        select(CalibrationEntry).where(CalibrationEntry.cycle_id == cycle.id))}
    for key, (preparer, code, performance, potential, ready) in PREPARED.items():
        entry = by_person[people[key].id]
        entries.save_entry(people[preparer], entry, proposed_level=levels[code],
                           performance=performance, potential=potential,
                           promotion_ready=ready, expected_revision=entry.revision)
    service.transition(hana, cycle, CycleState.IN_SESSION)
    emma = db.session.get(CalibrationEntry, by_person[people["emma"].id].id)
    entries.save_entry(hana, emma, proposed_level=levels["P2"], performance=4, potential=2,
                       promotion_ready=False, expected_revision=emma.revision)
    for author, about, text in NOTES:
        entries.add_note(people[author], db.session.get(CalibrationEntry,
                                                        by_person[people[about].id].id), text)
