"""Calibration content is never shown to the person it concerns, nor to anyone outside the
session and HR: on every page and in the export."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from orgladder.calibration import entries, service
from orgladder.calibration.models import CalibrationEntry
from orgladder.calibration.queries import visible_entries, visible_session_entries
from orgladder.calibration.rules import may_see_entry
from orgladder.calibration.states import CycleState
from orgladder.extensions import db

from .calibration_setup import advance_to, entry_of, entry_rows, standard_cycle
from .factories import levels_of

NOTE = "Quietly interviewing elsewhere"


def _pages(cycle, entry) -> list[tuple[str, str]]:
    return [
        ("GET", f"/calibrations/entries/{entry.id}"),
        ("POST", f"/calibrations/entries/{entry.id}"),
        ("POST", f"/calibrations/entries/{entry.id}/notes"),
        ("GET", f"/calibrations/sessions/{entry.session_id}"),
        ("GET", f"/calibrations/{cycle.id}"),
        ("GET", f"/calibrations/{cycle.id}/prepare"),
        ("GET", f"/calibrations/{cycle.id}/export.csv"),
    ]


def _secret_entry(org, cycle):
    entry = entry_of(cycle, org.emp)
    entries.save_entry(org.hr, entry, proposed_level=levels_of(org.a)["P4"], performance=1,
                       potential=3, promotion_ready=True, expected_revision=entry.revision)
    entries.add_note(org.mgr, entry, NOTE)
    db.session.commit()
    return entry


def _gets_nothing(client, cycle, entry, allowed: set[int]) -> None:
    for method, path in _pages(cycle, entry):
        if method == "POST":
            response = client.post(path, data={"csrf_token": client.csrf_token("/"),
                                               "body": "Let me in", "performance": 5})
        else:
            response = client.get(path)
        assert response.status_code in allowed, (path, response.status_code)
        body = response.get_data(as_text=True)
        body = body.split('<main', 1)[-1]  # the signed-in person's own name is in the header
        for secret in (NOTE, "Below expectations", "Principal Product Manager",
                       "Eli Employee"):
            assert secret not in body, (path, secret)


def test_the_employee_concerned_gets_nothing(client, org):
    cycle = standard_cycle(org)
    entry = _secret_entry(org, cycle)
    client.login(org.emp.email)
    _gets_nothing(client, cycle, entry, {403})
    body = client.get("/me").get_data(as_text=True)
    assert NOTE not in body and 'href="/calibrations"' not in body


def test_a_peer_manager_outside_the_session_gets_nothing(client, org):
    cycle = service.create_cycle(org.hr, name="Mona's org", ladder=org.ladder_a,
                                 population_root=org.mgr, period_start=date(2026, 1, 1),
                                 period_end=date(2026, 6, 30))
    service.add_session(org.hr, cycle, name="Mona's team", root=None, facilitator=org.hr,
                        participants=[org.mgr])
    advance_to(org.hr, cycle, CycleState.IN_SESSION)
    entry = _secret_entry(org, cycle)
    client.login(org.peer_mgr.email)
    _gets_nothing(client, cycle, entry, {403})
    assert "Mona&#39;s org" not in client.get("/calibrations").get_data(as_text=True)


def test_another_companys_hr_gets_nothing(client, org):
    cycle = standard_cycle(org)
    entry = _secret_entry(org, cycle)
    client.login(org.hr_b.email)
    _gets_nothing(client, cycle, entry, {404})


def test_a_participant_never_sees_their_own_entry(client, org):
    """Leo takes part in Mona's team's session and is in it: he sees everyone but himself."""
    cycle = standard_cycle(org)
    own = entry_of(cycle, org.lead)
    entries.add_note(org.mgr, own, "Leo is not ready for P4 yet")
    db.session.commit()
    client.login(org.lead.email)
    body = client.get(f"/calibrations/sessions/{own.session_id}").get_data(as_text=True)
    assert "Eli Employee" in body and "Ida Indirect" in body
    # Leo appears as Ida's manager and as a participant, never as someone calibrated: no row,
    # no place in the 9-box, no link to his entry.
    assert f"/calibrations/entries/{own.id}\"" not in body
    assert ">Leo Lead</a>" not in body
    assert '<p class="big">2</p><p>people</p>' in body
    assert client.get(f"/calibrations/entries/{own.id}").status_code == 403
    csv = client.get(f"/calibrations/{cycle.id}/export.csv").get_data(as_text=True)
    names = [line.split(",")[0] for line in csv.splitlines()[1:]]
    assert names == ["Eli Employee", "Ida Indirect"]
    assert "not ready for P4" not in csv


def test_hr_sees_everyone_but_themselves(client, org):
    cycle = standard_cycle(org)
    client.login(org.hr.email)
    csv = client.get(f"/calibrations/{cycle.id}/export.csv").get_data(as_text=True)
    assert "Pia Peer" in csv and "Eli Employee" in csv and "Hannah Hr" not in csv
    assert client.get(f"/calibrations/entries/{entry_of(cycle, org.hr).id}").status_code == 403


def test_the_manager_chain_prepares_and_then_hands_over_to_the_session(client, org):
    """Bea (above Mona's team, not a participant there) fills Eli's entry in preparation and
    no longer sees it once the session has started."""
    cycle = standard_cycle(org, CycleState.PREPARATION)
    entry = entry_of(cycle, org.emp)
    client.login(org.boss.email)
    page = client.get(f"/calibrations/{cycle.id}/prepare").get_data(as_text=True)
    assert entry_rows(page) == ["Eli Employee", "Ida Indirect", "Leo Lead", "Mona Manager",
                                "Pat Peermanager", "Pia Peer"]
    assert client.get(f"/calibrations/entries/{entry.id}").status_code == 200
    client.login(org.peer_mgr.email)
    assert client.get(f"/calibrations/entries/{entry.id}").status_code == 403
    service.transition(org.hr, cycle, CycleState.IN_SESSION)
    db.session.commit()
    client.login(org.boss.email)
    assert client.get(f"/calibrations/entries/{entry.id}").status_code == 403
    client.login(org.mgr.email)
    assert client.get(f"/calibrations/entries/{entry.id}").status_code == 200


@pytest.mark.parametrize("state", [CycleState.DRAFT, CycleState.PREPARATION,
                                   CycleState.IN_SESSION, CycleState.FINALIZED])
def test_the_sql_rule_and_the_python_rule_agree(org, state):
    cycle = standard_cycle(org, state)
    if state == CycleState.DRAFT:
        service.transition(org.hr, cycle, CycleState.PREPARATION)
        cycle.state = "draft"  # entries exist; only HR may see them in draft
        db.session.flush()
    every = db.session.scalars(select(CalibrationEntry).where(
        CalibrationEntry.cycle_id == cycle.id)).all()
    for actor in (org.hr, org.boss, org.mgr, org.emp, org.lead, org.emp2, org.peer_mgr,
                  org.peer, org.hr_b):
        expected = {e.id for e in every if may_see_entry(actor, e)}
        assert {e.id for e in visible_entries(actor, cycle)} == expected, actor.name
        assert all(e.person_id != actor.id for e in visible_entries(actor, cycle))
        if state != CycleState.DRAFT:
            for session in cycle.sessions:  # the session page's rows: the same rule
                in_session = {e.id for e in every
                              if e.id in expected and e.session_id == session.id}
                rows = visible_session_entries(actor, cycle, session.id)
                assert {row.id for row in rows} == in_session, (actor.name, session.name)
    assert {e.id for e in visible_entries(org.mgr, cycle)} == (
        {entry_of(cycle, p).id for p in (org.emp, org.lead, org.emp2)}
        if state in (CycleState.PREPARATION, CycleState.IN_SESSION, CycleState.FINALIZED)
        else set())


def test_reading_notes_is_audited_without_their_text(client, org):
    from orgladder.audit import AuditEvent

    cycle = standard_cycle(org)
    entry = _secret_entry(org, cycle)
    client.login(org.lead.email)
    body = client.get(f"/calibrations/entries/{entry.id}").get_data(as_text=True)
    assert NOTE in body
    event = db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == "calibration.notes.read", AuditEvent.actor_id == org.lead.id))
    assert (event.target_type, event.target_id) == ("CalibrationEntry", entry.id)
    assert event.after == {"person_id": org.emp.id, "notes": 1}
    logged = db.session.scalars(select(AuditEvent).where(
        AuditEvent.target_type == "CalibrationEntry")).all()
    assert all(NOTE not in repr((e.before, e.after)) for e in logged)
