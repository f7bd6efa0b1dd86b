"""Grants and moves through the API: the ``grants`` body of a person, and the requests that
once let an HR business partner create company-wide HR or move her own scope root."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from orgladder.access import Role
from orgladder.actors import OPERATOR_CLI
from orgladder.extensions import db
from orgladder.people.grants import grant_role
from orgladder.people.hr import snapshot
from orgladder.people.models import Person

from ..factories import make_person
from ..test_grant_requests import grants_of, reload
from ..test_grant_rules import make_partner
from .conftest import assert_problem


@pytest.fixture
def partner(org) -> Person:
    return make_partner(org)


def people_count() -> int:
    return db.session.scalar(select(func.count(Person.id)))


# The reported requests


def test_a_partner_cannot_create_company_wide_hr_through_the_api(api, org, partner):
    before = people_count()
    topless = assert_problem(api(partner).post("/api/v1/people", json={
        "name": "Mallory", "email": "mallory@acmetest.test", "roles": ["hr"]}), 422)
    assert topless["errors"][0]["field"] == "manager_id"  # outside her part of the org
    placed = assert_problem(api(partner).post("/api/v1/people", json={
        "name": "Mallory", "email": "mallory@acmetest.test", "roles": ["hr"],
        "manager_id": org.emp.id}), 403, "not-allowed")
    assert "nobody grants more than they hold" in placed["detail"]
    assert people_count() == before
    made = api(partner).post("/api/v1/people", json={
        "name": "Mia Manager", "email": "mia@acmetest.test", "roles": ["manager"],
        "manager_id": org.emp.id})
    assert made.status_code == 201 and made.get_json()["roles"] == ["employee", "manager"]


def test_a_partner_cannot_move_her_scope_root(api, org, partner):
    path = f"/api/v1/people/{org.mgr.id}"
    elsewhere = assert_problem(api(partner).patch_fresh(path, {"manager_id": org.peer_mgr.id}),
                               422)
    assert elsewhere["errors"][0]["field"] == "manager_id"
    assert "your part of the company" in elsewhere["detail"]  # Pat is not revealed
    assert_problem(api(partner).patch_fresh(path, {"manager_id": None}), 403, "not-allowed")
    assert reload(org.mgr).manager_id == org.boss.id
    # leaving the manager as it was is no move, even though Bea is outside her part
    renamed = api(partner).patch_fresh(path, {"name": "Mona M.", "manager_id": org.boss.id})
    assert renamed.status_code == 200, renamed.get_data(as_text=True)


def test_a_partner_moves_people_only_within_her_part(api, client, org, partner):
    path = f"/api/v1/people/{org.emp2.id}"
    assert_problem(api(partner).patch_fresh(path, {"manager_id": org.peer_mgr.id}), 422)
    client.login(partner.email)
    response = client.post_form(f"/people/{org.emp2.id}/edit", {
        "name": org.emp2.name, "email": org.emp2.email, "manager_email": org.peer_mgr.email,
        "seen": json.dumps(snapshot(org.emp2))})
    assert response.status_code == 422
    assert "No one in your part of the company has this email address." in response.get_data(
        as_text=True)
    assert reload(org.emp2).manager_id == org.lead.id
    moved = api(partner).patch_fresh(path, {"manager_id": org.emp.id})
    assert moved.status_code == 200 and moved.get_json()["manager_id"] == org.emp.id


def test_a_partner_who_manages_a_team_elsewhere_cannot_move_it(api, org, partner):
    """She sees her own reports as their manager, but holds HR only in her part."""
    grant_role(OPERATOR_CLI, partner, Role.MANAGER)
    rita = make_person(org.a, "Rita Report", manager=partner)
    db.session.commit()
    assert api(partner).get(f"/api/v1/people/{rita.id}").status_code == 200
    assert_problem(api(partner).patch_fresh(f"/api/v1/people/{rita.id}",
                                            {"manager_id": org.emp.id}), 403, "not-allowed")


def test_a_partner_who_manages_a_team_elsewhere_does_not_administer_it(api, org, partner):
    """Her HR grant, not her manager role, decides whose record she edits."""
    grant_role(OPERATOR_CLI, partner, Role.MANAGER)
    rita = make_person(org.a, "Rita Report", manager=partner)
    db.session.commit()
    assert_problem(api(partner).patch_fresh(f"/api/v1/people/{rita.id}",
                                            {"name": "Rita Renamed"}), 403, "not-allowed")
    assert reload(rita).name == "Rita Report"


def test_nobody_moves_themselves(api, org):
    assert_problem(api(org.hr).patch_fresh(f"/api/v1/people/{org.hr.id}",
                                           {"manager_id": org.boss.id}), 403, "not-allowed")
    assert reload(org.hr).manager_id is None


# The API's grants body


def test_the_api_creates_and_replaces_scoped_grants(api, org):
    made = api(org.hr).post("/api/v1/people", json={
        "name": "Bo Partner", "email": "bo@acmetest.test", "manager_id": org.boss.id,
        "grants": [{"role": "hr", "scope_manager_id": org.mgr.id}]})
    assert made.status_code == 201, made.get_data(as_text=True)
    body = made.get_json()
    assert body["grants"] == [{"role": "hr", "scope_manager_id": org.mgr.id}]
    assert body["roles"] == ["employee", "hr"]
    path = f"/api/v1/people/{body['id']}"
    both = api(org.hr).patch_fresh(path, {"grants": [
        {"role": "hr", "scope_manager_id": org.mgr.id},
        {"role": "hr", "scope_manager_id": org.peer_mgr.id}]})
    assert [g["scope_manager_id"] for g in both.get_json()["grants"]] == sorted(
        [org.mgr.id, org.peer_mgr.id])
    cleared = api(org.hr).patch_fresh(path, {"grants": []})
    assert cleared.get_json()["grants"] == [] and cleared.get_json()["roles"] == ["employee"]


def test_the_api_grants_body_follows_the_rules(api, org, partner):
    path = f"/api/v1/people/{org.emp.id}"
    unknown = assert_problem(api(org.hr).patch_fresh(path, {"grants": [
        {"role": "hr", "scope_manager_id": org.b_person.id}]}), 422)
    assert unknown["errors"][0]["field"] == "grants.0.scope_manager_id"
    assert_problem(api(org.hr).patch_fresh(path, {"grants": [
        {"role": "manager", "scope_manager_id": org.mgr.id}]}), 422)  # only HR is scoped
    outside = assert_problem(api(partner).patch_fresh(path, {"grants": [
        {"role": "hr", "scope_manager_id": org.peer_mgr.id}]}), 422)
    assert org.peer_mgr.name not in json.dumps(outside)
    inside = api(partner).patch_fresh(path, {"grants": [
        {"role": "hr", "scope_manager_id": org.lead.id}]})
    assert inside.status_code == 200
    assert_problem(api(partner).patch_fresh(f"/api/v1/people/{partner.id}", {"grants": []}),
                   403, "not-allowed")
    assert ("hr", org.mgr.id) in grants_of(reload(partner))


def test_the_openapi_document_describes_the_grants_body(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    schemas = spec["components"]["schemas"]
    grant = schemas["ScopedGrant"]
    assert set(grant["required"]) == {"role", "scope_manager_id"}
    for name in ("PersonCreate", "PersonPatch", "PersonOut"):
        assert "grants" in schemas[name]["properties"]
    assert "nobody grants more than they hold" in json.dumps(schemas["PersonPatch"]).lower()

