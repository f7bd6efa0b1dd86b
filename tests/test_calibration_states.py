"""The life of a calibration cycle: set-up, grouping into sessions, and every move between
states, legal or not, through the services and through the pages."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from orgladder.audit import AuditEvent
from orgladder.calibration import service
from orgladder.calibration.models import CalibrationCycle, CalibrationEntry
from orgladder.calibration.states import TRANSITIONS, CycleState, check_transition
from orgladder.errors import DomainError, NotAllowed
from orgladder.extensions import db

from .calibration_setup import (
    entry_of,
    fresh,
    other_company_cycle,
    session_named,
    standard_cycle,
)
from .factories import levels_of

STATES = list(CycleState)


@pytest.mark.parametrize("current", STATES)
@pytest.mark.parametrize("target", STATES)
def test_only_the_four_moves_are_legal(current, target):
    reason = "The pay review showed two levels were set wrong."
    if (current, target) in TRANSITIONS:
        assert check_transition(current, target, reason) == TRANSITIONS[(current, target)]
        return
    with pytest.raises(DomainError) as refused:
        check_transition(current, target, reason)
    message = refused.value.message
    if current == target:
        assert "already" in message
    else:
        assert f"cannot move to {target.replace('_', ' ')}" in message


def test_an_illegal_move_names_what_is_possible():
    with pytest.raises(DomainError) as refused:
        check_transition("draft", "finalized")
    assert refused.value.message == ("A cycle in draft cannot move to finalized. From here it "
                                     "can only open preparation.")
    with pytest.raises(DomainError, match="not a state"):
        check_transition("draft", "archived")


@pytest.mark.parametrize("reason", [None, "", "   ", "because"])
def test_reopening_needs_a_written_reason(reason):
    with pytest.raises(DomainError, match="Write why the cycle is reopened") as refused:
        check_transition("finalized", "in_session", reason)
    assert refused.value.field == "reason"


def test_a_cycle_goes_through_every_state_and_each_move_is_audited(org):
    cycle = standard_cycle(org, CycleState.DRAFT)
    assert db.session.scalar(select(CalibrationEntry.id).where(
        CalibrationEntry.cycle_id == cycle.id)) is None  # entries are made when preparation opens
    for target in (CycleState.PREPARATION, CycleState.IN_SESSION, CycleState.FINALIZED):
        service.transition(org.hr, cycle, target)
    service.transition(org.hr, cycle, CycleState.IN_SESSION,
                       reason="Pia's level was calibrated against the wrong track.")
    db.session.commit()
    events = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "calibration.cycle.transition", AuditEvent.target_id == cycle.id)
        .order_by(AuditEvent.id)).all()
    assert [(e.before["state"], e.after["state"]) for e in events] == [
        ("draft", "preparation"), ("preparation", "in_session"), ("in_session", "finalized"),
        ("finalized", "in_session")]
    assert all(e.actor_id == org.hr.id for e in events)
    assert events[0].after["entries"] == 8
    assert events[-1].after["reason"] == "Pia's level was calibrated against the wrong track."


@pytest.mark.parametrize(("start", "target"), [
    ("draft", "in_session"), ("draft", "finalized"), ("preparation", "finalized"),
    ("preparation", "draft"), ("in_session", "preparation"), ("finalized", "draft"),
])
def test_illegal_moves_are_refused_and_change_nothing(org, start, target):
    cycle = standard_cycle(org, start)
    with pytest.raises(DomainError, match=f"cannot move to {target.replace('_', ' ')}"):
        service.transition(org.hr, cycle, target)
    db.session.rollback()
    assert fresh(CalibrationCycle, cycle.id).state == start


def test_only_hr_moves_a_cycle(org):
    cycle = standard_cycle(org, CycleState.PREPARATION)
    for actor in (org.mgr, org.boss, org.emp, org.hr_b):
        with pytest.raises(NotAllowed):
            service.transition(actor, cycle, CycleState.IN_SESSION)


def test_preparation_snapshots_levels_and_groups_by_closest_session_root(org):
    cycle = standard_cycle(org, CycleState.PREPARATION)
    levels = levels_of(org.a)
    emp = entry_of(cycle, org.emp)
    assert emp.current_level_id == emp.proposed_level_id == levels["P2"].id
    assert emp.manager_id == org.mgr.id
    assert entry_of(cycle, org.hr).current_level_id is None
    assert entry_of(cycle, org.emp2).session.name == "Mona's team"  # indirect, below Leo
    assert entry_of(cycle, org.mgr).session.name == "Everyone else"  # not in their own session
    assert entry_of(cycle, org.peer).session.name == "Everyone else"
    assert entry_of(cycle, org.b_person) is None


def test_a_subtree_population_leaves_out_its_root_and_everyone_else(org):
    cycle = service.create_cycle(org.hr, name="Mona's org", ladder=org.ladder_a,
                                 population_root=org.mgr, period_start=date(2026, 1, 1),
                                 period_end=date(2026, 6, 30))
    service.add_session(org.hr, cycle, name="All", root=None, facilitator=org.hr,
                        participants=[org.mgr])
    service.transition(org.hr, cycle, CycleState.PREPARATION)
    people = set(db.session.scalars(select(CalibrationEntry.person_id).where(
        CalibrationEntry.cycle_id == cycle.id)))
    assert people == {org.emp.id, org.lead.id, org.emp2.id}


def test_the_session_cannot_start_while_people_are_in_no_session(org):
    cycle = service.create_cycle(org.hr, name="Partial", ladder=org.ladder_a,
                                 population_root=None, period_start=date(2026, 1, 1),
                                 period_end=date(2026, 6, 30))
    service.add_session(org.hr, cycle, name="Mona's team", root=org.mgr, facilitator=org.hr,
                        participants=[])
    service.transition(org.hr, cycle, CycleState.PREPARATION)
    with pytest.raises(DomainError, match="5 people are in no session yet"):
        service.transition(org.hr, cycle, CycleState.IN_SESSION)
    db.session.rollback()
    service.add_session(org.hr, cycle, name="Rest", root=None, facilitator=org.hr,
                        participants=[])
    service.transition(org.hr, cycle, CycleState.IN_SESSION)
    assert cycle.state == "in_session"


def test_session_start_keeps_the_prepared_values_beside_the_calibrated_ones(org):
    from orgladder.calibration.entries import save_entry

    cycle = standard_cycle(org, CycleState.PREPARATION)
    levels = levels_of(org.a)
    entry = entry_of(cycle, org.emp)
    save_entry(org.mgr, entry, proposed_level=levels["P3"], performance=4, potential=3,
               promotion_ready=True, expected_revision=entry.revision)
    service.transition(org.hr, cycle, CycleState.IN_SESSION)
    entry = entry_of(cycle, org.emp)
    assert entry.originals_frozen
    assert entry.originals() == {"proposed_level_id": levels["P3"].id, "performance": 4,
                                 "potential": 3, "promotion_ready": True}
    save_entry(org.hr, entry, proposed_level=levels["P2"], performance=3, potential=3,
               promotion_ready=False, expected_revision=entry.revision)
    assert entry.changed_in_session() == ["proposed_level_id", "performance", "promotion_ready"]
    assert entry.original_performance == 4


def test_sessions_are_regrouped_when_one_is_removed_and_frozen_once_in_session(org):
    cycle = standard_cycle(org, CycleState.PREPARATION)
    team = session_named(cycle, "Mona's team")
    service.delete_session(org.hr, team)
    assert entry_of(cycle, org.emp).session.name == "Everyone else"
    service.transition(org.hr, cycle, CycleState.IN_SESSION)
    with pytest.raises(DomainError, match="before the session starts"):
        service.add_session(org.hr, cycle, name="Late", root=org.mgr, facilitator=org.hr,
                            participants=[])


@pytest.mark.parametrize(("settings", "field", "message"), [
    ({"name": " "}, "name", "Give the cycle a name"),
    ({"period_end": date(2025, 1, 1)}, "period_end", "ends before it starts"),
    ({"rating_scale": ["Only one"]}, "rating_scale", "2 to 10 steps"),
    ({"potential_scale": ["Low", "low"]}, "potential_scale", "its own label"),
    ({"target_distribution": [10, 20, 30, 40]}, "target_distribution", "each of the 5 ratings"),
    ({"target_distribution": [10, 20, 30, 20, 10]}, "target_distribution", "add up to 90"),
])
def test_cycle_settings_are_checked(org, settings, field, message):
    values = dict(name="Checked", ladder=org.ladder_a, population_root=None,
                  period_start=date(2026, 1, 1), period_end=date(2026, 6, 30))
    values.update(settings)
    with pytest.raises(DomainError, match=message) as refused:
        service.create_cycle(org.hr, **values)
    assert refused.value.field == field


def test_a_cycle_name_is_unique_and_another_companys_ladder_is_refused(org):
    standard_cycle(org, CycleState.DRAFT)
    with pytest.raises(DomainError, match="already called"):
        service.create_cycle(org.hr, name="H2 2026", ladder=org.ladder_a, population_root=None,
                             period_start=date(2026, 7, 1), period_end=date(2026, 12, 31))
    with pytest.raises(DomainError, match="ladder of your company"):
        service.create_cycle(org.hr, name="Other", ladder=org.ladder_b, population_root=None,
                             period_start=date(2026, 7, 1), period_end=date(2026, 12, 31))


def test_participants_must_be_managers_or_hr_of_the_company(org):
    cycle = standard_cycle(org, CycleState.DRAFT)
    with pytest.raises(DomainError, match="neither a manager nor HR"):
        service.update_session(org.hr, session_named(cycle, "Mona's team"), name="Mona's team",
                               facilitator=org.hr, participants=[org.emp])
    with pytest.raises(DomainError, match="people of your company"):
        service.update_session(org.hr, session_named(cycle, "Mona's team"), name="Mona's team",
                               facilitator=org.hr_b, participants=[])


# --- through the pages ------------------------------------------------------------------------

def test_hr_sets_up_a_cycle_and_runs_it_through_the_pages(client, org):
    client.login(org.hr.email)
    response = client.post_form("/calibrations/new", {
        "name": "Q3 review", "ladder": org.ladder_a.id, "population": 0,
        "period_start": "2026-07-01", "period_end": "2026-09-30", "due_date": "2026-10-10",
        "rating_scale": "Low\nSolid\nStrong", "potential_scale": "Low\nHigh",
        "target_distribution": "20, 60, 20"})
    assert response.status_code == 302, response.get_data(as_text=True)
    cycle = db.session.scalar(select(CalibrationCycle).where(CalibrationCycle.name == "Q3 review"))
    assert cycle.rating_scale == ["Low", "Solid", "Strong"]
    assert cycle.target_distribution == [20, 60, 20]
    response = client.post_form(f"/calibrations/{cycle.id}/sessions/new", {
        "name": "Everyone", "root": 0, "facilitator": org.hr.id,
        "participants": [org.mgr.id, org.peer_mgr.id]})
    assert response.status_code == 302
    for target in ("preparation", "in_session"):
        response = client.post_form(f"/calibrations/{cycle.id}/advance", {"target": target},
                                    token_from=f"/calibrations/{cycle.id}")
        assert response.status_code == 302
    body = client.get(f"/calibrations/{cycle.id}").get_data(as_text=True)
    assert "Q3 review is in session: what the managers prepared is kept" in body
    assert "Finalize…" in body


def test_an_illegal_move_through_the_page_shows_why(client, org):
    cycle = standard_cycle(org, CycleState.DRAFT)
    client.login(org.hr.email)
    response = client.post_form(f"/calibrations/{cycle.id}/advance", {"target": "finalized"},
                                token_from=f"/calibrations/{cycle.id}", follow_redirects=True)
    body = response.get_data(as_text=True)
    assert "A cycle in draft cannot move to finalized. From here it can only open preparation." \
        in body
    assert fresh(CalibrationCycle, cycle.id).state == "draft"


def test_reopen_without_a_reason_is_a_form_error(client, org):
    cycle = standard_cycle(org, CycleState.FINALIZED)
    client.login(org.hr.email)
    response = client.post_form(f"/calibrations/{cycle.id}/reopen", {"reason": "oops"})
    assert response.status_code == 422
    assert "Field must be between 10 and 2000 characters long." in response.get_data(as_text=True)
    response = client.post_form(f"/calibrations/{cycle.id}/reopen",
                                {"reason": "Two levels were keyed in wrong."})
    assert response.status_code == 302
    assert fresh(CalibrationCycle, cycle.id).state == "in_session"


@pytest.mark.parametrize("data", [
    {"name": "", "rating_scale": "A\nB"},
    {"name": "X", "period_start": "2026-13-01"},
    {"name": "X", "target_distribution": "lots"},
    {"name": "X", "population": 99999999999},
    {"name": "X", "rating_scale": "\n".join(f"Step {i}" for i in range(12))},
])
def test_bad_cycle_forms_answer_422_with_field_errors(client, org, data):
    client.login(org.hr.email)
    form = {"name": "X", "ladder": org.ladder_a.id, "population": 0,
            "period_start": "2026-07-01", "period_end": "2026-09-30",
            "rating_scale": "Low\nHigh", "potential_scale": "Low\nHigh"}
    form.update(data)
    response = client.post_form("/calibrations/new", form)
    assert response.status_code == 422
    assert 'class="field-error"' in response.get_data(as_text=True)


def test_a_stale_settings_save_is_refused(client, org):
    cycle = standard_cycle(org, CycleState.DRAFT)
    client.login(org.hr.email)
    form = {"name": "Renamed", "ladder": org.ladder_a.id, "population": 0,
            "period_start": "2026-07-01", "period_end": "2026-12-31",
            "rating_scale": "Low\nHigh", "potential_scale": "Low\nHigh",
            "revision": cycle.revision}
    service.update_cycle(org.hr, cycle, expected_revision=cycle.revision, name="Moved on",
                         ladder=org.ladder_a, population_root=None,
                         period_start=date(2026, 7, 1), period_end=date(2026, 12, 31),
                         due_date=None, rating_scale=cycle.rating_scale,
                         potential_scale=cycle.potential_scale, target_distribution=None)
    db.session.commit()
    response = client.post_form(f"/calibrations/{cycle.id}/edit", form)
    assert response.status_code == 409
    assert "nothing was overwritten" in response.get_data(as_text=True)
    assert fresh(CalibrationCycle, cycle.id).name == "Moved on"


def test_other_company_cycles_stay_apart(org):
    ours = standard_cycle(org, CycleState.DRAFT)
    theirs = other_company_cycle(org, CycleState.PREPARATION)
    assert ours.company_id != theirs.company_id
    people = set(db.session.scalars(select(CalibrationEntry.person_id).where(
        CalibrationEntry.cycle_id == theirs.id)))
    assert people == {org.hr_b.id, org.b_person.id}
