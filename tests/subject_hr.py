"""A company-wide HR who is herself calibrated: Hana Reyes, in the standard cycle's "Everyone
else" session, whose entry Hannah (the other company-wide HR) fills in with markers found
nowhere else: a note, and a level of its own that nobody else holds or is proposed.

``leaks`` says in which ways a response shows Hana something of her own calibration.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from datetime import date

from orgladder.access import Role
from orgladder.actors import SYSTEM_SETUP
from orgladder.calibration import entries, service
from orgladder.calibration.models import CalibrationCycle, CalibrationEntry, EntryNote
from orgladder.calibration.states import CycleState
from orgladder.extensions import db
from orgladder.ladders.models import Level
from orgladder.ladders.versions import publish
from orgladder.people.models import Person

from .calibration_setup import advance_to, entry_of, session_named, standard_cycle
from .factories import Org, levels_of, make_person

NOTE = "Marker-7c1e: Hana is weighing an offer from a rival"
LEVEL_TITLE = "Quokka Principal 7351"
LEVEL_CODE = "Q9"


@dataclass
class Subject:
    org: Org
    hana: Person
    cycle: CalibrationCycle
    entry: CalibrationEntry
    note: EntryNote
    level: Level

    @property
    def other_hr(self) -> Person:
        return self.org.hr

    def session(self, name: str = "Everyone else"):
        return session_named(self.cycle, name)


def marker_level(org: Org) -> Level:
    """A level on ladder A's track of P2, nobody's and named only here; made directly, so no
    ladder event names it in the audit log, and published (only a published level can be
    assigned) as the setup of a company would."""
    p2 = levels_of(org.a)["P2"]
    level = Level(company_id=org.a.id, ladder_id=p2.ladder_id, track_id=p2.track_id,
                  position=99, code=LEVEL_CODE, title=LEVEL_TITLE, min_years=0)
    db.session.add(level)
    db.session.flush()
    publish(SYSTEM_SETUP, level.ladder, "A level for the calibration")
    return level


def make_hana(org: Org) -> Person:
    return make_person(org.a, "Hana Reyes", roles=[Role.HR], level="P2")


def change_her_entry(org: Org, hana: Person, cycle: CalibrationCycle, level: Level,
                     note: str = NOTE) -> EntryNote:
    """Hannah, the other HR, fills Hana's entry in, writes a note about her and reads it."""
    entry = entry_of(cycle, hana)
    entries.save_entry(org.hr, entry, proposed_level=level, performance=1, potential=3,
                       promotion_ready=True, expected_revision=entry.revision)
    made = entries.add_note(org.hr, entry, note)
    entries.read_notes(org.hr, entry)
    db.session.commit()
    return made


def subject_hr(org: Org, state: str = CycleState.IN_SESSION, *, changed: bool = True,
               effective: date | None = None) -> Subject:
    """Hana in the standard cycle, taken to ``state``; her entry changed by Hannah while in
    preparation unless ``changed`` is False (then the caller changes it)."""
    hana = make_hana(org)
    level = marker_level(org)
    db.session.commit()
    cycle = standard_cycle(org, CycleState.PREPARATION)
    note = change_her_entry(org, hana, cycle, level) if changed else None
    if state == CycleState.FINALIZED:
        advance_to(org.hr, cycle, CycleState.IN_SESSION)
        service.transition(org.hr, cycle, CycleState.FINALIZED,
                           effective_date=effective or date.today())
    else:
        advance_to(org.hr, cycle, state)
    db.session.commit()
    return Subject(org, hana, cycle, entry_of(cycle, hana), note, level)


# --- what a leak looks like ----------------------------------------------------------------

def _about_her(item: dict, subject: Subject) -> bool:
    """An audit event (the API's or a CSV row made a dict) about Hana's calibration."""
    if item.get("target_type") == "CalibrationEntry" and item.get("target_id") == subject.entry.id:
        return True
    if (item.get("target_type") == "EntryNote" and subject.note is not None
            and item.get("target_id") == subject.note.id):
        return True
    if str(item.get("action", "")).startswith("calibration."):
        return any(isinstance(side, dict) and side.get("person_id") == subject.hana.id
                   for side in (item.get("before"), item.get("after")))
    return False


def _walk(value, subject: Subject) -> list[str]:
    found = []
    if isinstance(value, dict):
        if _about_her(value, subject):
            found.append(f"audit event {value.get('id')} about her entry")
        person = value.get("person")
        if isinstance(person, dict) and person.get("id") == subject.hana.id:
            found.append("an entry of hers")
        for inner in value.values():
            found += _walk(inner, subject)
    elif isinstance(value, list):
        for inner in value:
            found += _walk(inner, subject)
    return found


def _csv_rows(body: str) -> list[dict]:
    rows = list(csv.DictReader(io.StringIO(body.lstrip("\ufeff"))))
    for row in rows:
        row["target_id"] = int(row["target_id"]) if row["target_id"].isdigit() else None
        for key in ("before", "after"):
            row[key] = json.loads(row[key]) if row[key].startswith("{") else None
    return rows


def leaks(body: str, subject: Subject, *, names_her: bool = True) -> list[str]:
    """The ways ``body`` shows Hana her own calibration: the markers, a link to her entry, an
    audit event about it (HTML, CSV or JSON), an entry of hers in a list, and (where
    ``names_her`` is False, on pages that would name her only for her entry) her name."""
    found = [marker for marker in (NOTE, LEVEL_TITLE) if marker in body]
    entry_id = subject.entry.id
    if re.search(rf'href="[^"]*/entries/{entry_id}(?![\d])', body):
        found.append("a link to her entry")
    if re.search(rf"CalibrationEntry #{entry_id}(?!\d)", body):
        found.append("an audit row about her entry")
    if re.search(rf'"person_id": {subject.hana.id}(?!\d)', body):
        found.append("an event naming her as the person calibrated")
    stripped = body.lstrip("\ufeff")
    if stripped.startswith("id,time_utc,"):
        found += [f"audit CSV row {row['id']}" for row in _csv_rows(body)
                  if _about_her(row, subject)]
    elif stripped.startswith(("{", "[")):
        found += _walk(json.loads(stripped), subject)
    if not names_her and "Hana Reyes" in body.split("<main", 1)[-1]:
        found.append("her name")
    return found
