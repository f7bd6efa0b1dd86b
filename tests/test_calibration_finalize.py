"""Finalizing: every accepted level change becomes a level decision with the cycle as its
reason, every entry locks, and when any assignment fails nothing at all is applied."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from orgladder.access import Role
from orgladder.audit import AuditEvent
from orgladder.calibration import entries, service
from orgladder.calibration.finalizing import pending_changes
from orgladder.calibration.models import CalibrationCycle, CalibrationEntry
from orgladder.calibration.states import CycleState
from orgladder.errors import DomainError, NotAllowed
from orgladder.extensions import db
from orgladder.people import service as people_service
from orgladder.people.models import LevelAssignment
from orgladder.tenancy import Company

from .calibration_setup import entry_of, fresh, standard_cycle
from .factories import levels_of, make_person


def propose(actor, cycle, person, code: str | None, performance: int = 3):
    """Save ``person``'s entry with the level ``code`` proposed, as ``actor``."""
    entry = entry_of(cycle, person)
    levels = levels_of(db.session.get(Company, cycle.company_id))
    entries.save_entry(actor, entry, proposed_level=levels[code] if code else None,
                       performance=performance, potential=2, promotion_ready=False,
                       expected_revision=entry.revision)
    return entry


def cycle_assignments(cycle) -> list[LevelAssignment]:
    return list(db.session.scalars(select(LevelAssignment).where(
        LevelAssignment.reason == cycle.name).order_by(LevelAssignment.person_id)))


@pytest.fixture
def calibrated(org):
    """In session, with Eli proposed P2 -> P3 and Ida P1 -> P2; everyone else unchanged."""
    cycle = standard_cycle(org)
    propose(org.hr, cycle, org.emp, "P3", 4)
    propose(org.hr, cycle, org.emp2, "P2", 4)
    db.session.commit()
    return cycle


def test_finalizing_applies_the_accepted_changes_and_locks_every_entry(org, calibrated):
    cycle = calibrated
    changes = pending_changes(cycle, date(2026, 12, 31))
    assert [(c.person.name, c.held.code, c.proposed.code) for c in changes] == [
        ("Eli Employee", "P2", "P3"), ("Ida Indirect", "P1", "P2")]
    service.transition(org.hr, cycle, CycleState.FINALIZED, effective_date=date(2026, 12, 31))
    db.session.commit()
    applied = cycle_assignments(cycle)
    assert [(a.person_id, a.level.code, a.effective_date, a.decided_by_id) for a in applied] == \
        sorted([(org.emp.id, "P3", date(2026, 12, 31), org.hr.id),
                (org.emp2.id, "P2", date(2026, 12, 31), org.hr.id)])
    cycle = fresh(CalibrationCycle, cycle.id)
    assert cycle.state == "finalized" and cycle.finalized_at is not None
    assert db.session.scalar(select(func.count(CalibrationEntry.id)).where(
        CalibrationEntry.cycle_id == cycle.id, CalibrationEntry.locked_at.is_(None))) == 0
    event = db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == "calibration.cycle.transition",
        AuditEvent.target_id == cycle.id).order_by(AuditEvent.id.desc()).limit(1))
    assert event.after == {"state": "finalized", "level_changes": 2,
                           "effective_date": "2026-12-31"}
    entry = entry_of(cycle, org.emp)
    with pytest.raises(DomainError, match="finalized: its entries are read-only"):
        entries.save_entry(org.hr, entry, proposed_level=None, performance=1, potential=1,
                           promotion_ready=False, expected_revision=entry.revision)
    with pytest.raises(DomainError, match="read-only"):
        entries.add_note(org.hr, entry, "Too late")


def _fail_on_second_call(monkeypatch, error: Exception):
    real = people_service.apply_calibrated_level
    calls = []

    def apply_calibrated_level(*args, **kwargs):
        calls.append(args[1].name)
        if len(calls) == 2:
            raise error
        return real(*args, **kwargs)

    monkeypatch.setattr(people_service, "apply_calibrated_level", apply_calibrated_level)
    return calls


def _nothing_applied(org, cycle) -> None:
    cycle = fresh(CalibrationCycle, cycle.id)
    assert cycle.state == "in_session" and cycle.finalized_at is None
    assert cycle_assignments(cycle) == []
    assert db.session.scalar(select(func.count(CalibrationEntry.id)).where(
        CalibrationEntry.cycle_id == cycle.id, CalibrationEntry.locked_at.is_not(None))) == 0
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(
        AuditEvent.action == "level.assign", AuditEvent.target_id.in_([org.emp.id,
                                                                       org.emp2.id]))) == 2
    # (the two level.assign events are the factory's initial levels)


def test_a_failing_assignment_through_the_page_applies_nothing(client, org, calibrated,
                                                                monkeypatch):
    calls = _fail_on_second_call(monkeypatch, DomainError("The level is no longer offered."))
    client.login(org.hr.email)
    response = client.post_form(f"/calibrations/{calibrated.id}/finalize",
                                {"effective_date": "2026-12-31"})
    assert calls == ["Eli Employee", "Ida Indirect"]  # the first one was written, then undone
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert ("Nothing was applied, and the cycle stays in session. Ida Indirect: The level is no "
            "longer offered.") in body
    _nothing_applied(org, calibrated)


def test_an_unexpected_error_mid_finalization_applies_nothing(org, calibrated, monkeypatch):
    _fail_on_second_call(monkeypatch, RuntimeError("database went away"))
    with pytest.raises(RuntimeError):
        service.transition(org.hr, calibrated, CycleState.FINALIZED,
                           effective_date=date(2026, 12, 31))
    db.session.commit()  # whatever the service left behind would be written now
    _nothing_applied(org, calibrated)


def test_hr_in_the_population_finalizes_and_their_own_change_is_applied(org, calibrated):
    """The cycle decides Hannah's level; her pressing finalize only carries it out, so her own
    change is recorded as the system's (finalize), never as hers. Refusing her would tell her
    that her own level changes."""
    other_hr = make_person(org.a, "Olga Otherhr", roles=[Role.HR])
    propose(other_hr, calibrated, org.hr, "P1")  # Hannah's own level, set by a colleague
    db.session.commit()
    service.transition(org.hr, calibrated, CycleState.FINALIZED,
                       effective_date=date(2026, 12, 31))
    db.session.commit()
    applied = {(a.person_id, a.level.code, a.decided_by_id)
               for a in cycle_assignments(calibrated)}
    assert applied == {(org.emp.id, "P3", org.hr.id), (org.emp2.id, "P2", org.hr.id),
                       (org.hr.id, "P1", None)}
    own = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "level.assign", AuditEvent.target_id == org.hr.id)).all()
    assert [(e.actor_id, e.actor_name) for e in own] == [(None, "System (finalize)")]


def test_finalizing_still_refuses_anyone_outside_the_finalizers_scope(org, calibrated):
    with pytest.raises(NotAllowed):
        people_service.apply_calibrated_level(org.mgr, org.emp, levels_of(org.a)["P3"],
                                              date(2026, 12, 31), calibrated.name)
    with pytest.raises(NotAllowed):
        people_service.apply_calibrated_level(org.hr, org.b_person, levels_of(org.b)["P3"],
                                              date(2026, 12, 31), calibrated.name)
    with pytest.raises(NotAllowed, match="Nobody assigns their own level"):
        people_service.assign_level(org.hr, org.hr, levels_of(org.a)["P3"],
                                    date(2026, 12, 31), "Outside a cycle")


def test_reopening_then_finalizing_again_applies_only_what_changed(org, calibrated):
    service.transition(org.hr, calibrated, CycleState.FINALIZED, effective_date=date.today())
    service.transition(org.hr, calibrated, CycleState.IN_SESSION,
                       reason="Leo's promotion was agreed after the meeting.")
    assert entry_of(calibrated, org.lead).locked_at is None
    propose(org.hr, calibrated, org.lead, "P4")
    service.transition(org.hr, calibrated, CycleState.FINALIZED, effective_date=date.today())
    db.session.commit()
    assert sorted((a.person_id, a.level.code) for a in cycle_assignments(calibrated)) == sorted(
        [(org.emp.id, "P3"), (org.emp2.id, "P2"), (org.lead.id, "P4")])


def test_the_finalize_page_lists_the_changes_and_the_employee_sees_the_result(client, org,
                                                                               calibrated):
    entries.add_note(org.mgr, entry_of(calibrated, org.emp), "Eli carried the launch alone.")
    db.session.commit()
    client.login(org.hr.email)
    body = client.get(f"/calibrations/{calibrated.id}/finalize").get_data(as_text=True)
    assert "2 level changes" in body and "Eli Employee" in body and "Ida Indirect" in body
    response = client.post_form(f"/calibrations/{calibrated.id}/finalize",
                                {"effective_date": date.today().isoformat()})
    assert response.status_code == 302
    client.login(org.emp.email)
    body = client.get("/me").get_data(as_text=True)
    assert '<span class="code">P3</span> Senior Product Manager' in body
    assert "Decided by Hannah Hr: H2 2026" in body
    for secret in ("Eli carried the launch alone", "Exceeds expectations", 'href="/calibrations'):
        assert secret not in body


def test_finalize_and_reopen_pages_only_open_in_the_right_state(client, org):
    cycle = standard_cycle(org, CycleState.PREPARATION)
    client.login(org.hr.email)
    response = client.get(f"/calibrations/{cycle.id}/finalize", follow_redirects=True)
    assert "Only a cycle in session can be finalized." in response.get_data(as_text=True)
    response = client.get(f"/calibrations/{cycle.id}/reopen", follow_redirects=True)
    assert "Only a finalized cycle can be reopened." in response.get_data(as_text=True)
