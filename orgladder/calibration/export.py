"""A cycle's results as CSV: for every entry the viewer may see, what the manager prepared
beside what the session decided. Notes stay out: reading them is audited one entry at a time.

A cell starting with = + - @ would run as a formula in a spreadsheet; it gets a leading
apostrophe (``people.tabular.escape``)."""

from __future__ import annotations

import csv
import io

from .. import audit
from ..actors import require_actor
from ..ladders.service import company_levels
from ..people.models import Person
from ..spreadsheets import escape
from .models import CalibrationCycle, CalibrationEntry
from .queries import visible_entries

HEADERS = ["name", "email", "manager", "session", "current_level", "prepared_level",
           "calibrated_level", "prepared_performance", "calibrated_performance",
           "calibrated_performance_label", "prepared_potential", "calibrated_potential",
           "prepared_promotion_ready", "calibrated_promotion_ready", "changed_in_session",
           "cycle_state"]


def _yes(value: bool | None) -> str:
    return "" if value is None else "yes" if value else "no"


def export_rows(actor: Person, cycle: CalibrationCycle) -> list[list[str]]:
    require_actor(actor)
    levels = company_levels(cycle.company_id)
    sessions = {s.id: s.name for s in cycle.sessions}

    def code(level_id: int | None) -> str:
        level = levels.get(level_id)
        return level.code if level else ""

    def row(entry: CalibrationEntry) -> list[str]:
        frozen = entry.originals_frozen
        # Before the session starts, what is prepared is what is there.
        prepared = entry.originals() if frozen else entry.values()
        return [
            entry.person.name, entry.person.email,
            entry.manager.name if entry.manager else "", sessions.get(entry.session_id, ""),
            code(entry.current_level_id), code(prepared["proposed_level_id"]),
            code(entry.proposed_level_id),
            str(prepared["performance"] or ""), str(entry.performance or ""),
            cycle.rating_label(entry.performance),
            cycle.potential_label(prepared["potential"]), cycle.potential_label(entry.potential),
            _yes(prepared["promotion_ready"]), _yes(entry.promotion_ready),
            _yes(bool(entry.changed_in_session())), cycle.state,
        ]

    return [row(entry) for entry in visible_entries(actor, cycle)]


def export_csv(actor: Person, cycle: CalibrationCycle) -> bytes:
    rows = export_rows(actor, cycle)
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(HEADERS)
    for values in rows:
        writer.writerow([escape(value) for value in values])
    audit.record(actor, "calibration.export", cycle, after={"rows": len(rows)})
    return buffer.getvalue().encode("utf-8-sig")  # the BOM makes Excel read it as UTF-8
