"""HR who are themselves calibrated: Hana Reyes, company-wide HR in a company-wide cycle, whose
entry Hannah (the other HR) changed. She manages the cycle and never reads her own entry: not
in the audit log (page, CSV, API), the finalize preview or its errors, nor the progress counts.
Her entry is counted, never shown; she may finalize, and finalizing applies her change."""

from __future__ import annotations

import csv
import io
from datetime import date

from sqlalchemy import select

from orgladder import audit
from orgladder.access import Role
from orgladder.audit import AuditEvent
from orgladder.calibration.finalizing import HIDDEN_FAILURE
from orgladder.calibration.rules import may_read_event, readable_events_clause
from orgladder.calibration.states import CycleState
from orgladder.extensions import db
from orgladder.people.models import LevelAssignment

from .calibration_setup import entry_rows, fresh, standard_cycle
from .factories import make_person, make_token
from .subject_hr import (
    LEVEL_CODE,
    LEVEL_TITLE,
    NOTE,
    change_her_entry,
    make_hana,
    marker_level,
    subject_hr,
)


def about_her_entry(subject, events) -> list:
    return [e for e in events if e["target_type"] == "CalibrationEntry"
            and e["target_id"] == subject.entry.id]


def bearer(person) -> dict:
    return {"Authorization": f"Bearer {make_token(person)}"}


def test_the_api_audit_log_by_calibration_entry_leaves_her_entry_out(client, org):
    subject = subject_hr(org)
    path = "/api/v1/audit?target_type=CalibrationEntry&per_page=100"
    hers = client.get(path, headers=bearer(subject.hana)).get_json()
    colleague = client.get(path, headers=bearer(org.hr)).get_json()
    hidden = about_her_entry(subject, colleague["items"])
    assert {e["action"] for e in hidden} == {"calibration.entry.update", "calibration.note.add",
                                             "calibration.notes.read"}
    assert about_her_entry(subject, hers["items"]) == []
    # the count is of what she is shown: no total betrays the hidden events
    assert hers["total"] == len(hers["items"]) == colleague["total"] - len(hidden)
    one = client.get(f"/api/v1/audit?target_type=CalibrationEntry&target_id={subject.entry.id}",
                     headers=bearer(subject.hana)).get_json()
    assert (one["items"], one["total"], one["pages"]) == ([], 0, 1)


def audit_rows(body: str) -> int:
    return body.count('<th scope="row">')


def test_the_audit_page_leaves_her_entry_out_and_counts_what_it_shows(client, org):
    subject = subject_hr(org)
    client.login(subject.hana.email)
    body = client.get(f"/audit?target_type=CalibrationEntry&target_id={subject.entry.id}"
                      ).get_data(as_text=True)
    assert "No event matches these filters." in body and "· 0 events" in body
    body = client.get(f"/audit?actor={org.hr.email}&action=calibration.entry.update"
                      ).get_data(as_text=True)
    assert f"CalibrationEntry #{subject.entry.id}" not in body
    assert f"· {audit_rows(body)} event" in body
    client.login(org.hr.email)  # the other HR reads it
    assert f"CalibrationEntry #{subject.entry.id}" in client.get(
        f"/audit?actor={org.hr.email}&action=calibration.entry.update").get_data(as_text=True)


def test_the_audit_export_leaves_her_entry_out(client, org):
    subject = subject_hr(org)

    def exported(person) -> list[dict]:
        client.login(person.email)
        body = client.get("/audit.csv?target_type=CalibrationEntry").get_data(as_text=True)
        return list(csv.DictReader(io.StringIO(body.lstrip("\ufeff"))))

    assert [r for r in exported(org.hr) if r["target_id"] == str(subject.entry.id)]
    assert [r for r in exported(subject.hana) if r["target_id"] == str(subject.entry.id)] == []


def test_the_audit_filters_offer_nothing_only_her_entry_has(client, org):
    """Hannah's notes exist only on Hana's entry: the action list does not offer them."""
    subject = subject_hr(org)
    client.login(subject.hana.email)
    body = client.get("/audit").get_data(as_text=True)
    assert 'value="calibration.note.add"' not in body
    client.login(org.hr.email)
    assert 'value="calibration.note.add"' in client.get("/audit").get_data(as_text=True)


def test_the_finalize_page_says_her_entry_is_not_shown_and_does_not_list_it(client, org):
    subject = subject_hr(org)
    client.login(subject.hana.email)
    body = client.get(f"/calibrations/{subject.cycle.id}/finalize").get_data(as_text=True)
    assert "1 entry about you is not shown; another HR reviews it." in body
    assert "Hana Reyes" not in body.split("<main", 1)[-1] and LEVEL_TITLE not in body
    assert "0 level changes among the entries you may see" in body
    assert "Finalize and apply the level changes" in body  # no count that includes hers
    client.login(org.hr.email)
    body = client.get(f"/calibrations/{subject.cycle.id}/finalize").get_data(as_text=True)
    assert entry_rows(body) == ["Hana Reyes"] and LEVEL_TITLE in body
    assert "1 entry about you is not shown" in body  # Hannah is in the population too


def test_the_notice_does_not_depend_on_whether_her_level_changes(client, org):
    """Shown whenever she is in the population, so it never tells her that her level moves."""
    subject = subject_hr(org, changed=False)
    client.login(subject.hana.email)
    body = client.get(f"/calibrations/{subject.cycle.id}/finalize").get_data(as_text=True)
    assert "1 entry about you is not shown; another HR reviews it." in body


def test_a_failure_on_her_entry_is_reported_without_her_name_or_values(client, org):
    subject = subject_hr(org)
    subject.level.archived = True  # her proposed level is removed before finalizing
    db.session.commit()
    client.login(subject.hana.email)
    response = client.post_form(f"/calibrations/{subject.cycle.id}/finalize",
                                {"effective_date": "2026-12-31"})
    assert response.status_code == 422
    body = response.get_data(as_text=True).split("<main", 1)[-1]
    assert HIDDEN_FAILURE.replace("'", "&#39;") in body
    for secret in ("Hana Reyes", LEVEL_CODE, LEVEL_TITLE, "was removed from the ladder"):
        assert secret not in body
    api = client.post(f"/api/v1/calibrations/{subject.cycle.id}/transition",
                      json={"to": "finalized", "effective_date": "2026-12-31"},
                      headers=bearer(subject.hana))
    assert api.status_code >= 400 and HIDDEN_FAILURE in api.get_data(as_text=True)
    assert "Hana Reyes" not in api.get_data(as_text=True)
    assert fresh(type(subject.cycle), subject.cycle.id).state == CycleState.IN_SESSION
    # Hannah may see the entry: she is told whose and why.
    client.login(org.hr.email)
    response = client.post_form(f"/calibrations/{subject.cycle.id}/finalize",
                                {"effective_date": "2026-12-31"})
    assert f"Hana Reyes: {LEVEL_CODE} was removed from the ladder" in response.get_data(
        as_text=True)


def test_the_progress_counts_her_entry_and_never_says_whether_it_is_prepared(client, org):
    hana, level = make_hana(org), marker_level(org)
    db.session.commit()
    cycle = standard_cycle(org, CycleState.PREPARATION)
    client.login(hana.email)
    before = client.get(f"/calibrations/{cycle.id}").get_data(as_text=True)
    assert "9 people in the population · 0 of 9 prepared." in before
    assert "your own entry is counted here and handled by another HR" in before
    change_her_entry(org, hana, cycle, level)  # Hannah prepares Hana's entry
    after = client.get(f"/calibrations/{cycle.id}").get_data(as_text=True)
    assert "0 of 9 prepared." in after and "(0 prepared, yours not shown)" in after
    progress = client.get(f"/api/v1/calibrations/{cycle.id}",
                          headers=bearer(hana)).get_json()["progress"]
    assert (progress["population"], progress["prepared"], progress["withheld"]) == (9, 0, 1)
    client.login(org.hr.email)
    assert "1 of 9 prepared." in client.get(f"/calibrations/{cycle.id}").get_data(as_text=True)


def test_she_may_finalize_and_her_entrys_change_is_applied(client, org):
    subject = subject_hr(org)
    client.login(subject.hana.email)
    response = client.post_form(f"/calibrations/{subject.cycle.id}/finalize",
                                {"effective_date": date.today().isoformat()})
    assert response.status_code == 302
    applied = db.session.scalar(select(LevelAssignment).where(
        LevelAssignment.person_id == subject.hana.id, LevelAssignment.reason == "H2 2026"))
    # The cycle decided it, so the system is its decider, never Hana herself.
    assert (applied.level_id, applied.decided_by_id) == (subject.level.id, None)
    # Once decided, her new level is hers to see, with the cycle as its reason and no note.
    log = client.get(f"/api/v1/audit?action=level.assign&target_id={subject.hana.id}"
                     "&target_type=Person", headers=bearer(subject.hana)).get_json()["items"]
    assert log[0]["after"]["code"] == LEVEL_CODE and log[0]["after"]["reason"] == "H2 2026"
    assert NOTE not in str(log)


def test_the_python_rule_and_the_sql_rule_agree_on_every_event(org):
    subject = subject_hr(org, CycleState.FINALIZED)
    olga = make_person(org.a, "Olga Otherhr", roles=[Role.HR])
    # Events without a target, and calibration events naming a person on another target: the
    # rule reads them as its twin does (a NULL in SQL must not drop an event).
    audit.record(org.hr, "audit.export", None, after={"action": "level.assign"})
    audit.record(org.hr, "calibration.digest", None, company_id=org.a.id,
                 after={"person_id": subject.hana.id})
    audit.record(org.hr, "calibration.digest", subject.cycle, after={"person_id": org.emp.id})
    audit.record(None, "auth.login_failed", None, company_id=org.a.id)
    db.session.commit()
    events = db.session.scalars(select(AuditEvent).where(
        AuditEvent.company_id == org.a.id)).all()
    for reader in (subject.hana, org.hr, olga, org.emp, org.mgr):
        readable = set(db.session.scalars(select(AuditEvent.id).where(
            AuditEvent.company_id == org.a.id, readable_events_clause(reader))))
        assert readable == {e.id for e in events if may_read_event(reader, e)}, reader.name
    hidden = {e.action for e in events if not may_read_event(subject.hana, e)}
    assert hidden == {"calibration.entry.update", "calibration.note.add",
                      "calibration.notes.read", "calibration.digest"}
    assert all(may_read_event(subject.hana, e) for e in events if e.target_type is None
               and not e.action.startswith("calibration."))


def test_cycle_events_carry_counts_never_one_persons_values(org):
    """What keeps the cycle's own events readable by everyone who reads the log: no person
    ids, no values of an entry (a finalization says how many levels changed, not whose)."""
    subject = subject_hr(org, CycleState.FINALIZED)
    cycle_events = db.session.scalars(select(AuditEvent).where(
        AuditEvent.target_type == "CalibrationCycle",
        AuditEvent.target_id == subject.cycle.id)).all()
    assert cycle_events
    for event in cycle_events:
        assert "person" not in repr((event.before, event.after)), event.action
        if event.action == "calibration.cycle.transition":
            assert set(event.after) <= {"state", "entries", "level_changes", "effective_date",
                                        "reason"}, event.after
