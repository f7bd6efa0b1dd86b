"""Calibrations through the API, as every role: the cycles one takes part in, entries filled
in and calibrated with If-Match, notes (each read audited), HR moving a cycle through its
states; nobody gets anything about themselves, and another company's cycle does not exist."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select

from orgladder.audit import AuditEvent
from orgladder.calibration import entries, service
from orgladder.calibration.states import CycleState
from orgladder.extensions import db
from orgladder.people.service import current_assignment

from ..calibration_setup import entry_of, other_company_cycle, session_named, standard_cycle
from ..factories import levels_of
from .conftest import assert_problem

NOTE = "Quietly interviewing elsewhere"


def base(cycle) -> str:
    return f"/api/v1/calibrations/{cycle.id}"


def entry_path(cycle, person, suffix: str = "") -> str:
    return f"{base(cycle)}/entries/{entry_of(cycle, person).id}{suffix}"


def names(response) -> list[str]:
    assert response.status_code == 200, response.get_data(as_text=True)
    return [item["person"]["name"] for item in response.get_json()["items"]]


def events(org, action: str) -> list[AuditEvent]:
    """The test companies' events: companies committed by other tests are not ours to count."""
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == action, AuditEvent.company_id.in_([org.a.id, org.b.id]))
        .order_by(AuditEvent.id)))


def secret_entry(org, cycle):
    """Eli's entry, rated low with a note only the session may read."""
    entry = entry_of(cycle, org.emp)
    entries.save_entry(org.hr, entry, proposed_level=levels_of(org.a)["P4"], performance=1,
                       potential=3, promotion_ready=True, expected_revision=entry.revision)
    entries.add_note(org.mgr, entry, NOTE)
    db.session.commit()
    return entry


def test_hr_reads_the_cycle_they_manage_with_its_progress(api, org):
    cycle = standard_cycle(org)
    hr = api(org.hr)
    listed = hr.get("/api/v1/calibrations").get_json()
    assert listed["total"] == 1 and "Link" in hr.get("/api/v1/calibrations").headers
    item = listed["items"][0]
    assert item["id"] == cycle.id and item["state"] == "in_session" and item["manages"]
    assert {s["name"] for s in item["sessions"]} == {"Mona's team", "Everyone else"}
    assert item["next_steps"] == [{"to": "finalized", "verb": "finalize"}]
    assert "progress" not in item  # counted on the single cycle only
    one = hr.get(base(cycle))
    assert one.headers["ETag"]
    body = one.get_json()
    assert body["progress"]["population"] == 8
    assert body["rating_scale"][0] == "Below expectations"
    assert hr.get(base(cycle), headers={"If-None-Match": one.headers["ETag"]}).status_code == 304
    # HR sees every entry of the population but their own
    everyone = names(hr.get(f"{base(cycle)}/entries"))
    assert len(everyone) == 7 and "Hannah Hr" not in everyone
    assert everyone == sorted(everyone)


def test_a_manager_sees_the_sessions_they_take_part_in_and_never_their_own_entry(api, org):
    cycle = standard_cycle(org)
    mona, leo = api(org.mgr), api(org.lead)
    item = mona.get("/api/v1/calibrations").get_json()["items"][0]
    assert not item["manages"] and item["next_steps"] == []
    assert [s["name"] for s in item["sessions"]] == ["Mona's team"]
    assert mona.get(base(cycle)).get_json()["progress"] is None
    assert names(mona.get(f"{base(cycle)}/entries")) == ["Eli Employee", "Ida Indirect",
                                                         "Leo Lead"]
    # Leo takes part in the session that calibrates him: he sees the others, never himself.
    assert names(leo.get(f"{base(cycle)}/entries")) == ["Eli Employee", "Ida Indirect"]
    assert_problem(leo.get(entry_path(cycle, org.lead)), 403)
    assert_problem(leo.get(entry_path(cycle, org.lead, "/notes")), 403)
    assert_problem(mona.get(entry_path(cycle, org.mgr)), 403)  # hers is in the other session
    assert_problem(mona.get(entry_path(cycle, org.peer)), 403)
    everyone_else = session_named(cycle, "Everyone else").id
    assert names(mona.get(f"{base(cycle)}/entries?session_id={everyone_else}")) == []
    # Pat takes part in the other session only
    pat = api(org.peer_mgr)
    assert names(pat.get(f"{base(cycle)}/entries")) == ["Bea Boss", "Hannah Hr", "Mona Manager",
                                                        "Pia Peer"]
    assert_problem(pat.get(entry_path(cycle, org.emp)), 403)


def test_in_preparation_a_manager_fills_in_their_reporting_line(api, org):
    cycle = standard_cycle(org, CycleState.PREPARATION)
    mona = api(org.mgr)
    item = mona.get("/api/v1/calibrations").get_json()["items"][0]
    assert item["to_prepare"] == 3 and item["sessions"] == []
    assert names(mona.get(f"{base(cycle)}/entries")) == ["Eli Employee", "Ida Indirect",
                                                         "Leo Lead"]
    saved = mona.patch_fresh(entry_path(cycle, org.emp2), {"performance": 4})
    assert saved.status_code == 200 and saved.get_json()["prepared_by_id"] == org.mgr.id
    assert saved.get_json()["prepared"] is None  # kept when the session starts
    assert names(api(org.peer_mgr).get(f"{base(cycle)}/entries")) == ["Pia Peer"]
    assert_problem(api(org.peer_mgr).get(entry_path(cycle, org.emp)), 403)


def test_the_employee_gets_nothing_about_themselves(api, org):
    cycle = standard_cycle(org)
    entry = secret_entry(org, cycle)
    eli = api(org.emp)
    calls = [("GET", "/api/v1/calibrations", None), ("GET", base(cycle), None),
             ("GET", f"{base(cycle)}/entries", None),
             ("GET", entry_path(cycle, org.emp), None),
             ("GET", entry_path(cycle, org.emp, "/notes"), None),
             ("PATCH", entry_path(cycle, org.emp), {"performance": 5}),
             ("POST", entry_path(cycle, org.emp, "/notes"), {"body": "Let me in"}),
             ("POST", "/api/v1/calibrations", {}),
             ("POST", f"{base(cycle)}/transition", {"to": "finalized"})]
    reads = len(events(org, "calibration.notes.read"))
    for method, path, body in calls:
        response = eli.open(method, path, json=body, headers={"If-Match": '"r1-0"'})
        assert_problem(response, 403)
        text = response.get_data(as_text=True)
        for secret in (NOTE, "Below expectations", "Eli Employee", "P4"):
            assert secret not in text, (path, secret)
    assert len(events(org, "calibration.notes.read")) == reads
    assert entry_of(cycle, org.emp).performance == 1  # unchanged
    assert len(entries.read_notes(org.hr, entry)) == 1
    refused = events(org, "access.denied")
    assert len(refused) == len(calls) and {e.actor_id for e in refused} == {org.emp.id}
    assert [(e.target_type, e.target_id) for e in refused[1:3]] == [
        ("CalibrationCycle", cycle.id), ("CalibrationCycle", cycle.id)]
    assert (refused[3].target_type, refused[3].target_id) == ("CalibrationEntry", entry.id)


def test_another_companys_cycle_does_not_exist(api, org):
    ours, theirs = standard_cycle(org), other_company_cycle(org)
    zora = api(org.hr_b)
    assert [c["id"] for c in zora.get("/api/v1/calibrations").get_json()["items"]] == [theirs.id]
    for method, path, body in [
        ("GET", base(ours), None), ("GET", f"{base(ours)}/entries", None),
        ("GET", entry_path(ours, org.emp), None),
        ("GET", entry_path(ours, org.emp, "/notes"), None),
        ("PATCH", entry_path(ours, org.emp), {"performance": 5}),
        ("POST", entry_path(ours, org.emp, "/notes"), {"body": "Hello"}),
        ("POST", f"{base(ours)}/transition", {"to": "finalized"}),
    ]:
        response = zora.open(method, path, json=body, headers={"If-Match": '"r1-0"'})
        assert "Eli Employee" not in assert_problem(response, 404).get("detail", "")
    # an entry reached through another cycle's path is not there either
    hannah = api(org.hr)
    assert_problem(hannah.get(f"{base(theirs)}/entries/{entry_of(ours, org.emp).id}"), 404)
    assert_problem(zora.get(f"{base(theirs)}/entries/{entry_of(ours, org.emp).id}"), 404)
    assert names(zora.get(f"{base(theirs)}/entries")) == ["Zed Foreigner"]


def test_an_entry_is_calibrated_with_if_match_and_a_stale_save_is_refused(api, org):
    cycle = standard_cycle(org)
    mona, hannah = api(org.mgr), api(org.hr)
    path = entry_path(cycle, org.emp)
    read = mona.get(path)
    etag = read.headers["ETag"]
    assert re.fullmatch(r'"r1-[0-9a-f]{16}"', etag) and read.get_json()["editable"]
    assert_problem(mona.patch(path, json={"performance": 4}), 428, "precondition-required")
    p3 = levels_of(org.a)["P3"]
    saved = mona.patch(path, json={"performance": 4, "proposed_level_id": p3.id},
                       headers={"If-Match": etag})
    assert saved.status_code == 200, saved.get_json()
    body = saved.get_json()
    assert body["performance"] == 4 and body["performance_label"] == "Exceeds expectations"
    assert body["proposed_level"]["code"] == "P3" and body["revision"] == 2
    assert body["changed_in_session"] == ["proposed_level_id", "performance"]
    assert body["prepared"]["performance"] is None  # what was prepared stays beside it
    assert saved.headers["ETag"] != etag
    # Hannah read before Mona saved: her save is refused, with what changed, and nothing lost
    stale = hannah.patch(path, json={"performance": 2}, headers={"If-Match": etag})
    problem = assert_problem(stale, 412, "stale")
    assert problem["changes"] == ["Mona Manager changed proposed level from P2 Product "
                                  "Manager to P3 Senior Product Manager.",
                                  "Mona Manager changed performance from (none) to 4 "
                                  "(Exceeds expectations)."]
    assert problem["current_etag"] == hannah.get(path).headers["ETag"]
    assert_problem(hannah.patch(path, json={"performance": 2},
                                headers={"If-Match": '"not-ours"'}), 412, "stale")
    assert entry_of(cycle, org.emp).performance == 4
    again = hannah.patch(path, json={"performance": 2},
                         headers={"If-Match": problem["current_etag"]})
    assert again.status_code == 200 and again.get_json()["proposed_level"]["code"] == "P3"
    saves = events(org, "calibration.entry.update")
    assert [e.actor_id for e in saves] == [org.mgr.id, org.hr.id]
    assert saves[-1].after["changed"] == {"performance": 2}


def test_bad_entry_values_are_field_errors(api, org):
    cycle = standard_cycle(org)
    hannah = api(org.hr)
    path = entry_path(cycle, org.emp)
    problem = assert_problem(hannah.patch_fresh(path, {"potential": 4}), 422, "invalid-input")
    assert problem["errors"][0]["field"] == "potential"
    other_ladder = org.ladder_b.tracks[0].levels[0]
    for level_id in (other_ladder.id, 999_999):
        problem = assert_problem(hannah.patch_fresh(path, {"proposed_level_id": level_id}), 422)
        assert problem["errors"][0]["field"] == "proposed_level_id"
    problem = assert_problem(hannah.patch_fresh(path, {"performance": 0}), 422)
    assert problem["errors"][0]["field"] == "performance"
    assert entry_of(cycle, org.emp).revision == 1


def test_notes_are_added_and_each_read_is_audited(api, org):
    cycle = standard_cycle(org)
    mona, leo = api(org.mgr), api(org.lead)
    path = entry_path(cycle, org.emp, "/notes")
    added = mona.post(path, json={"body": "  Led the billing discovery.  "})
    assert added.status_code == 201 and added.headers["ETag"]
    assert added.get_json()["body"] == "Led the billing discovery."
    assert added.get_json()["author"] == {"id": org.mgr.id, "name": "Mona Manager"}
    assert_problem(mona.post(path, json={"body": "   "}), 422, "invalid-input")
    # lists never carry notes: reading them is one audited request per entry
    assert "billing" not in leo.get(f"{base(cycle)}/entries").get_data(as_text=True)
    assert "billing" not in leo.get(entry_path(cycle, org.emp)).get_data(as_text=True)
    before = len(events(org, "calibration.notes.read"))
    thread = leo.get(path)
    assert [n["body"] for n in thread.get_json()["items"]] == ["Led the billing discovery."]
    read = events(org, "calibration.notes.read")[before:]
    assert [(e.actor_id, e.target_id, e.after["notes"]) for e in read] == [
        (org.lead.id, entry_of(cycle, org.emp).id, 1)]
    assert "billing" not in str(read[0].after)  # who read which notes, never their text


def test_a_finalized_cycle_is_read_only(api, org):
    cycle = standard_cycle(org, CycleState.FINALIZED)
    hannah = api(org.hr)
    path = entry_path(cycle, org.emp)
    body = hannah.get(path).get_json()
    assert body["locked"] and not body["editable"]
    assert "finalized" in assert_problem(hannah.patch_fresh(path, {"performance": 3}), 409,
                                         "conflict")["detail"]
    assert_problem(hannah.post(f"{path}/notes", json={"body": "Late thought"}), 409)
    assert hannah.get(f"{path}/notes").status_code == 200  # still readable


def test_hr_sets_up_a_cycle_and_moves_it_through_its_states(api, org):
    hannah = api(org.hr)
    made = hannah.post("/api/v1/calibrations", json={
        "name": "H1 2027", "ladder_id": org.ladder_a.id, "population_root_id": org.mgr.id,
        "period_start": "2027-01-01", "period_end": "2027-06-30",
        "rating_scale": ["Low", "Solid", "Strong"], "target_distribution": [20, 60, 20]})
    assert made.status_code == 201, made.get_json()
    cycle = made.get_json()
    assert made.headers["Location"] == f"/api/v1/calibrations/{cycle['id']}"
    assert cycle["state"] == "draft" and cycle["potential_scale"] == ["Low", "Medium", "High"]
    assert [e.after["name"] for e in events(org, "calibration.cycle.create")] == ["H1 2027"]
    path = f"/api/v1/calibrations/{cycle['id']}/transition"
    illegal = assert_problem(hannah.post(path, json={"to": "finalized"}), 409, "conflict")
    assert illegal["detail"] == ("A cycle in draft cannot move to finalized. From here it can "
                                 "only open preparation.")
    stray = assert_problem(hannah.post(path, json={"to": "preparation", "reason": "Because"}),
                           422)
    assert stray["errors"][0]["field"] == "reason"
    moved = hannah.post(path, json={"to": "preparation"})
    assert moved.status_code == 200 and moved.get_json()["state"] == "preparation"
    assert moved.get_json()["progress"]["population"] == 3
    from orgladder.calibration.models import CalibrationCycle

    model = db.session.get(CalibrationCycle, cycle["id"])
    service.add_session(org.hr, model, name="Mona's team", root=None, facilitator=org.hr,
                        participants=[org.mgr])
    db.session.commit()
    assert api(org.mgr).patch_fresh(f"/api/v1/calibrations/{cycle['id']}/entries/"
                                    f"{entry_of(model, org.emp).id}",
                                    {"proposed_level_id": levels_of(org.a)["P3"].id}
                                    ).status_code == 200
    assert hannah.post(path, json={"to": "in_session"}).get_json()["state"] == "in_session"
    assert_problem(api(org.mgr).post(path, json={"to": "finalized"}), 403)
    finalized = hannah.post(path, json={"to": "finalized", "effective_date": "2027-07-01"})
    assert finalized.get_json()["state"] == "finalized" and finalized.get_json()["finalized_at"]
    held = current_assignment(org.emp, date(2027, 7, 1))
    assert held.level.code == "P3" and held.reason == "H1 2027"
    reopen = assert_problem(hannah.post(path, json={"to": "in_session"}), 422)
    assert reopen["errors"][0]["field"] == "reason"
    again = hannah.post(path, json={"to": "in_session", "reason": "Two levels were wrong."})
    assert again.get_json()["state"] == "in_session"
    moves = events(org, "calibration.cycle.transition")
    assert moves[-1].after == {"state": "in_session", "reason": "Two levels were wrong."}
    assert moves[-2].after["effective_date"] == "2027-07-01"


def test_a_cycle_that_breaks_a_rule_is_refused_by_field(api, org):
    hannah = api(org.hr)
    valid = {"name": "H2", "ladder_id": org.ladder_a.id, "period_start": "2027-01-01",
             "period_end": "2027-06-30"}
    for change, field in [({"ladder_id": org.ladder_b.id}, "ladder_id"),
                          ({"population_root_id": org.b_person.id}, "population_root_id"),
                          ({"period_end": "2026-01-01"}, "period_end"),
                          ({"target_distribution": [50, 50]}, "target_distribution"),
                          ({"rating_scale": ["Same", "same"]}, "rating_scale"),
                          ({"name": " "}, "name")]:
        problem = assert_problem(hannah.post("/api/v1/calibrations", json={**valid, **change}),
                                 422)
        assert problem["errors"][0]["field"] == field, (change, problem)
    assert events(org, "calibration.cycle.create") == []
    assert_problem(api(org.mgr).post("/api/v1/calibrations", json=valid), 403)
