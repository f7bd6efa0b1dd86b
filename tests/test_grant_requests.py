"""Grants as people make them on the pages: the person page's HR grants, and the requests
that once let an HR business partner make herself company-wide HR."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from orgladder.access import Role
from orgladder.audit import AuditEvent
from orgladder.extensions import db
from orgladder.people.grants import find_grant
from orgladder.people.hr import snapshot
from orgladder.people.models import Person, RoleGrant

from .test_grant_rules import make_partner


@pytest.fixture
def partner(org) -> Person:
    return make_partner(org)


def reload(person: Person) -> Person:
    db.session.expire_all()
    return db.session.get(Person, person.id)


def grants_of(person: Person) -> list[tuple[str, int | None]]:
    return sorted(tuple(row) for row in db.session.execute(
        select(RoleGrant.role, RoleGrant.scope_root_id).where(RoleGrant.person_id == person.id)))


# The reported requests


def test_a_partner_cannot_make_herself_company_wide_hr_on_her_page(client, org, partner):
    client.login(partner.email)
    response = client.post_form(f"/people/{partner.id}/edit", {
        "name": partner.name, "email": partner.email, "manager_email": org.boss.email,
        "roles": ["hr"], "seen": json.dumps(snapshot(partner))})
    assert response.status_code == 403
    assert grants_of(reload(partner)) == [("employee", None), ("hr", org.mgr.id)]
    # saving her own record without touching her roles still works
    response = client.post_form(f"/people/{partner.id}/edit", {
        "name": "Hedda P.", "email": partner.email, "manager_email": org.boss.email,
        "seen": json.dumps(snapshot(partner))})
    assert response.status_code == 302 and reload(partner).name == "Hedda P."


def test_a_partner_cannot_give_company_wide_hr_to_anyone(client, org, partner):
    client.login(partner.email)
    response = client.post_form(f"/people/{org.emp.id}/edit", {
        "name": org.emp.name, "email": org.emp.email, "manager_email": org.mgr.email,
        "roles": ["hr"], "seen": json.dumps(snapshot(org.emp))})
    assert response.status_code == 403
    assert ("hr", None) not in grants_of(reload(org.emp))


# The person page's HR grants


def test_hr_grants_and_removes_a_scoped_hr_grant_on_the_person_page(client, org):
    client.login(org.hr.email)
    page = client.get(f"/people/{org.emp.id}/edit").get_data(as_text=True)
    assert "HR grants" in page and "Grant HR for this part of the org" in page
    response = client.post_form(f"/people/{org.emp.id}/grants",
                                {"scope_email": org.mgr.email.upper()},
                                token_from=f"/people/{org.emp.id}/edit")
    assert response.status_code == 302
    assert grants_of(reload(org.emp)) == [("employee", None), ("hr", org.mgr.id)]
    page = client.get(f"/people/{org.emp.id}/edit").get_data(as_text=True)
    assert f"hr for the part of the org under Mona Manager &lt;{org.mgr.email}&gt;" in page
    grant_id = find_grant(reload(org.emp), Role.HR, org.mgr).id
    response = client.post_form(f"/people/{org.emp.id}/grants/revoke",
                                {"grant_id": grant_id}, token_from=f"/people/{org.emp.id}/edit")
    assert response.status_code == 302
    assert grants_of(reload(org.emp)) == [("employee", None)]
    actions = db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.target_id == org.emp.id, AuditEvent.actor_id == org.hr.id)).all()
    assert {"person.grant", "person.revoke"} <= set(actions)
    # a second click on the same button finds nothing to remove
    again = client.post_form(f"/people/{org.emp.id}/grants/revoke", {"grant_id": grant_id},
                             token_from=f"/people/{org.emp.id}/edit")
    assert again.status_code == 302


def test_the_grant_form_shows_its_errors_and_keeps_what_was_typed(client, org, partner):
    client.login(org.hr.email)
    response = client.post_form(f"/people/{org.emp.id}/grants",
                                {"scope_email": "nobody@acmetest.test"},
                                token_from=f"/people/{org.emp.id}/edit")
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "No one in your company has this email address." in body
    assert 'value="nobody@acmetest.test"' in body and 'aria-invalid="true"' in body
    assert f'value="{org.emp.email}"' in body  # the record's form is still filled in
    response = client.post_form(f"/people/{org.emp.id}/grants", {"scope_email": "not an email"},
                                token_from=f"/people/{org.emp.id}/edit")
    assert response.status_code == 422
    # a partner grants HR inside her part only; outside it, the manager is unknown to her
    client.login(partner.email)
    outside = client.post_form(f"/people/{org.emp.id}/grants",
                               {"scope_email": org.peer_mgr.email},
                               token_from=f"/people/{org.emp.id}/edit")
    assert outside.status_code == 422 and org.peer_mgr.name not in outside.get_data(True)
    inside = client.post_form(f"/people/{org.emp.id}/grants", {"scope_email": org.lead.email},
                              token_from=f"/people/{org.emp.id}/edit")
    assert inside.status_code == 302
    assert ("hr", org.lead.id) in grants_of(reload(org.emp))


def test_nobody_changes_their_own_grants_on_the_page(client, org, partner):
    client.login(partner.email)
    page = client.get(f"/people/{partner.id}/edit").get_data(as_text=True)
    assert "Your own grants are changed by another HR." in page and "Remove" not in page
    response = client.post_form(f"/people/{partner.id}/grants", {"scope_email": org.mgr.email},
                                token_from=f"/people/{partner.id}/edit")
    assert response.status_code == 403
    grant = find_grant(partner, Role.HR, org.mgr)
    response = client.post_form(f"/people/{partner.id}/grants/revoke", {"grant_id": grant.id},
                                token_from=f"/people/{partner.id}/edit")
    assert response.status_code == 403
    assert grants_of(reload(partner)) == [("employee", None), ("hr", org.mgr.id)]
