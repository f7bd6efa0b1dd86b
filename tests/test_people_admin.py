"""HR's person pages and managers' level assignments, driven through the pages."""

from __future__ import annotations

import json
from datetime import date, timedelta

from sqlalchemy import func, select

from orgladder.audit import AuditEvent
from orgladder.extensions import db
from orgladder.people.hr import snapshot
from orgladder.people.models import LevelAssignment, Person

from .factories import levels_of


def reload(person: Person) -> Person:
    db.session.expire_all()
    return db.session.get(Person, person.id)


def test_hr_adds_a_person_who_can_sign_in(client, org):
    client.login(org.hr.email)
    response = client.post_form("/people/new", {
        "name": "Nina New", "email": "Nina@Acmetest.example", "manager_email": org.mgr.email,
        "profession_start": "2020-05-01", "roles": ["manager"],
        "password": "a long enough password",
    })
    assert response.status_code == 302
    nina = db.session.scalar(select(Person).where(Person.email == "nina@acmetest.example"))
    assert nina.manager_id == org.mgr.id and nina.path == f"{org.mgr.path}{nina.id}/"
    assert nina.roles == ["employee", "manager"]
    client.post_form("/logout", token_from="/")
    assert client.login("nina@acmetest.example", "a long enough password").status_code == 302


def test_add_person_errors_stay_beside_the_field(client, org):
    client.login(org.hr.email)
    response = client.post_form("/people/new", {
        "name": "Dup", "email": "dup@acmetest.example",
        "manager_email": "nobody@acmetest.example"})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "No one in your company has this email address." in body
    assert 'aria-invalid="true"' in body and 'value="Dup"' in body
    # another company's person is not a manager one can pick, and not revealed either
    response = client.post_form("/people/new", {
        "name": "X", "email": "x@acmetest.example", "manager_email": org.b_person.email})
    assert response.status_code == 422 and org.b_person.name not in response.get_data(True)


def test_hr_edits_manager_and_roles_and_refuses_a_cycle(client, org):
    client.login(org.hr.email)
    form = {"name": "Mona M.", "email": org.mgr.email, "manager_email": org.emp2.email,
            "roles": ["manager"], "seen": json.dumps(snapshot(org.mgr))}
    # emp2 is below mgr: moving mgr under emp2 would make a cycle
    response = client.post_form(f"/people/{org.mgr.id}/edit", form)
    assert response.status_code == 422
    assert "reporting cycle" in response.get_data(as_text=True)
    assert reload(org.mgr).manager_id == org.boss.id
    form["manager_email"] = org.peer_mgr.email
    response = client.post_form(f"/people/{org.mgr.id}/edit", form)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    mgr = reload(org.mgr)
    assert mgr.name == "Mona M." and mgr.manager_id == org.peer_mgr.id
    # the whole subtree moved with her
    assert reload(org.emp2).path.startswith(mgr.path)
    form["roles"] = []
    form["seen"] = json.dumps(snapshot(mgr))
    assert client.post_form(f"/people/{org.mgr.id}/edit", form).status_code == 302
    assert reload(org.mgr).roles == ["employee"]
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(
        AuditEvent.action == "person.update", AuditEvent.target_id == org.mgr.id)) == 2


def test_a_stale_edit_is_refused_with_what_changed(client, org):
    client.login(org.hr.email)
    seen = snapshot(org.emp)
    org.emp.name = "Eli Renamed Meanwhile"
    db.session.commit()
    response = client.post_form(f"/people/{org.emp.id}/edit", {
        "name": "Eli Mine", "email": "eli@acmetest.example", "roles": [],
        "seen": json.dumps(seen)})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "changed this person while you were editing" in body
    assert "Eli Renamed Meanwhile" in body
    assert reload(org.emp).name == "Eli Renamed Meanwhile"


def test_deactivated_people_keep_history_and_cannot_sign_in(client, org, app):
    employee = app.test_client()
    assert employee.login(org.emp2.email).status_code == 302
    client.login(org.hr.email)
    # lead still has emp2 as an active report: refused
    response = client.post_form(f"/people/{org.lead.id}/deactivate", token_from="/people")
    assert response.status_code == 302 and reload(org.lead).active
    assert "active direct report" in client.get(f"/people/{org.lead.id}").get_data(True)
    response = client.post_form(f"/people/{org.emp2.id}/deactivate", token_from="/people")
    assert response.status_code == 302
    assert not reload(org.emp2).active
    assert employee.get("/me").status_code == 302  # the open session ended
    assert employee.login(org.emp2.email).status_code == 422  # sign-in refused
    assert db.session.scalar(select(func.count(LevelAssignment.id)).where(
        LevelAssignment.person_id == org.emp2.id)) == 1
    assert "P1" in client.get(f"/people/{org.emp2.id}").get_data(as_text=True)
    client.post_form(f"/people/{org.emp2.id}/reactivate", token_from="/people")
    assert reload(org.emp2).active


def test_hr_cannot_deactivate_themselves_or_drop_their_hr_role(client, org):
    client.login(org.hr.email)
    client.post_form(f"/people/{org.hr.id}/deactivate", token_from="/people")
    assert reload(org.hr).active
    response = client.post_form(f"/people/{org.hr.id}/edit", {
        "name": "Hannah", "email": org.hr.email, "roles": []})
    # nobody changes their own roles, not even company-wide HR: a refusal, not a form error
    assert response.status_code == 403
    assert "Nobody changes their own roles" in response.get_data(as_text=True)
    assert "hr" in reload(org.hr).roles and reload(org.hr).name == "Hannah Hr"


def test_manager_assigns_a_level_in_their_subtree(client, org):
    client.login(org.mgr.email)
    p2 = levels_of(org.a)["P2"]
    response = client.post_form(f"/people/{org.emp2.id}/level", {
        "level": p2.id, "effective_date": date.today().isoformat(),
        "reason": "Owns the onboarding flow end to end"})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    page = client.get(f"/people/{org.emp2.id}").get_data(as_text=True)
    assert "Promotion" in page and "Owns the onboarding flow end to end" in page
    assert "Decided by Mona Manager" in page
    assert client.get(f"/people/{org.peer.id}/level").status_code == 403
    assert client.get(f"/people/{org.mgr.id}/level").status_code == 403


def test_assigning_needs_a_reason_and_a_level_of_the_company(client, org):
    client.login(org.hr.email)
    foreign = levels_of(org.b)["P4"]
    response = client.post_form(f"/people/{org.emp.id}/level", {
        "level": foreign.id, "effective_date": date.today().isoformat(), "reason": ""})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "Not a valid choice" in body and "This field is required" in body


def test_future_assignment_takes_effect_on_its_date(client, org):
    client.login(org.hr.email)
    m4 = levels_of(org.a)["M4"]
    later = date.today() + timedelta(days=30)
    client.post_form(f"/people/{org.lead.id}/level", {
        "level": m4.id, "effective_date": later.isoformat(),
        "reason": "Takes over the team next month"})
    page = client.get(f"/people/{org.lead.id}").get_data(as_text=True)
    assert "takes effect on this date" in page
    # today the current level is still P3 ...
    assert 'id="current-level"><span class="code">P3' in page
    # ... and on its date M4 is, recognisable as a switch at an equivalent grade? P3 is grade 3
    from orgladder.people.profile import level_profile
    profile = level_profile(org.hr, reload(org.lead), today=later)
    assert profile.level.code == "M4"
    assert profile.history[0].kind in ("track_switch", "track_change")
