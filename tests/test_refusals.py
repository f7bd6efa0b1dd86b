"""Every refused authorization answers 403 and leaves an access.denied event in the audit log,
though nothing else of the refused request is kept."""

from __future__ import annotations

import io

from sqlalchemy import select

from orgladder.access import Role
from orgladder.audit import AuditEvent
from orgladder.calibration.models import EntryNote
from orgladder.extensions import db
from orgladder.people.models import Person, RoleGrant

from .calibration_setup import entry_of, session_named, standard_cycle
from .factories import make_person


def denials(company) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "access.denied", AuditEvent.company_id == company.id)
        .order_by(AuditEvent.id)))


def test_a_missing_permission_is_audited(client, org):
    client.login(org.emp.email)
    assert client.get("/people").status_code == 403
    (event,) = denials(org.a)
    assert (event.actor_id, event.company_id) == (org.emp.id, org.a.id)
    assert event.after["endpoint"] == "people.index" and event.after["method"] == "GET"


def test_an_object_out_of_scope_is_audited_with_its_target(client, org):
    client.login(org.mgr.email)
    assert client.get(f"/people/{org.peer.id}").status_code == 403
    (event,) = denials(org.a)
    assert (event.target_type, event.target_id) == ("Person", org.peer.id)
    assert event.actor_id == org.mgr.id


def test_a_service_refusal_is_a_403_with_its_reason(client, org):
    """HR for one department passes the page's permission check; the import service refuses
    anyone but company-wide HR."""
    scoped = make_person(org.a, "Sol Scoped")
    db.session.add(RoleGrant(company_id=org.a.id, person_id=scoped.id, role=Role.HR.value,
                             scope_root_id=org.mgr.id))
    db.session.commit()
    client.login(scoped.email)
    response = client.post("/people/import", data={
        "csrf_token": client.csrf_token("/people/import"),
        "file": (io.BytesIO(b"email,name\nx@acmetest.test,X\n"), "people.csv")},
        content_type="multipart/form-data")
    assert response.status_code == 403
    assert "Only HR for the whole company can import people." in response.get_data(as_text=True)
    (event,) = denials(org.a)
    assert event.after["reason"] == "Only HR for the whole company can import people."
    assert event.actor_id == scoped.id
    assert db.session.scalar(select(Person).where(Person.email == "x@acmetest.test")) is None


def test_anonymous_requests_to_undeclared_endpoints_are_audited_without_a_company(
        database_url):
    from orgladder import create_app

    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_url})

    @app.get("/canary")
    def canary():
        return "never served"

    with app.app_context():
        before = db.session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1))
    assert app.test_client().get("/canary").status_code == 403
    with app.app_context():
        event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
        assert event.id != before and event.action == "access.denied"
        assert event.actor_id is None and event.company_id is None
        assert event.after["path"] == "/canary"


def test_a_refused_calibration_entry_is_audited_with_its_target(client, org):
    """Eli tries his own entry, then writes to it: both are refused and recorded, and the
    refused write leaves no note and no value."""
    cycle = standard_cycle(org)
    entry = entry_of(cycle, org.emp)
    client.login(org.emp.email)
    assert client.get(f"/calibrations/entries/{entry.id}").status_code == 403
    response = client.post(f"/calibrations/entries/{entry.id}/notes", data={
        "csrf_token": client.csrf_token("/"), "body": "I deserve P4"})
    assert response.status_code == 403
    first, second = denials(org.a)
    for event, method in ((first, "GET"), (second, "POST")):
        assert (event.actor_id, event.company_id) == (org.emp.id, org.a.id)
        assert (event.target_type, event.target_id) == ("CalibrationEntry", entry.id)
        assert event.after["method"] == method
    assert second.after["endpoint"] == "calibrate.add_note"
    assert db.session.scalar(select(EntryNote).where(EntryNote.entry_id == entry.id)) is None
    assert not db.session.scalars(select(AuditEvent).where(
        AuditEvent.company_id == org.a.id, AuditEvent.target_type == "CalibrationEntry",
        AuditEvent.action != "access.denied")).all()


def test_a_refused_calibration_session_or_cycle_is_audited_with_its_target(client, org):
    """Pat takes part in the other session: Mona's team's session page is refused, and so is
    the cycle's setup, which is HR's."""
    cycle = standard_cycle(org)
    session = session_named(cycle, "Mona's team")
    client.login(org.peer_mgr.email)
    assert client.get(f"/calibrations/sessions/{session.id}").status_code == 403
    assert client.get(f"/calibrations/{cycle.id}/edit").status_code == 403
    refused_session, refused_cycle = denials(org.a)
    assert (refused_session.target_type, refused_session.target_id) == (
        "CalibrationSession", session.id)
    assert (refused_cycle.target_type, refused_cycle.target_id) == ("CalibrationCycle", cycle.id)
    assert {refused_session.actor_id, refused_cycle.actor_id} == {org.peer_mgr.id}
