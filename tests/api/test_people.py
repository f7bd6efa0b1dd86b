"""People, /me, expectations and level assignments through the API, as every role."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from orgladder.audit import AuditEvent
from orgladder.extensions import db
from orgladder.people.service import current_assignment

from ..factories import levels_of
from .conftest import assert_problem

PERSON_FIELDS = {"id", "email", "name", "manager_id", "roles", "active", "level",
                 "years_of_experience"}


def ids(response) -> set[int]:
    return {item["id"] for item in response.get_json()["items"]}


def test_me_as_every_role(api, org):
    for person, permissions in ((org.emp, {"view_self", "view_ladder"}),
                                (org.mgr, {"assign_level", "view_people"}),
                                (org.hr, {"manage_people", "manage_ladders"})):
        body = api(person).get("/api/v1/me").get_json()
        assert set(body) >= PERSON_FIELDS
        assert body["id"] == person.id and body["company"]["slug"] == "acmetest"
        assert permissions <= set(body["permissions"])
    emp = api(org.emp).get("/api/v1/me").get_json()
    assert emp["level"]["code"] == "P2" and emp["manager_id"] == org.mgr.id
    assert emp["band"] == "above" and emp["level_since"] == "2024-01-01"  # 8+ years, P2: 2-5
    assert "manage_people" not in emp["permissions"]


def test_each_role_lists_exactly_the_people_it_may_see(api, org):
    everyone = {org.hr, org.boss, org.mgr, org.emp, org.lead, org.emp2, org.peer_mgr, org.peer}
    assert ids(api(org.hr).get("/api/v1/people")) == {p.id for p in everyone}
    assert ids(api(org.mgr).get("/api/v1/people")) == {org.mgr.id, org.emp.id, org.lead.id,
                                                       org.emp2.id}
    assert ids(api(org.hr_b).get("/api/v1/people")) == {org.hr_b.id, org.b_person.id}
    assert_problem(api(org.emp).get("/api/v1/people"), 403)


def test_people_filters(api, org):
    hr = api(org.hr)
    assert ids(hr.get(f"/api/v1/people?manager_id={org.mgr.id}")) == {org.emp.id, org.lead.id}
    p2 = levels_of(org.a)["P2"]
    assert ids(hr.get(f"/api/v1/people?level_id={p2.id}")) == {org.emp.id, org.peer.id}
    management = p2.ladder.tracks[1]
    assert ids(hr.get(f"/api/v1/people?track_id={management.id}")) == {
        org.boss.id, org.mgr.id, org.peer_mgr.id}
    hr.patch_fresh(f"/api/v1/people/{org.emp2.id}", {"active": False})
    assert ids(hr.get("/api/v1/people?active=false")) == {org.emp2.id}
    assert org.emp2.id not in ids(hr.get("/api/v1/people?active=true"))
    assert org.emp2.id in ids(hr.get("/api/v1/people"))
    assert ids(hr.get(f"/api/v1/people?manager_id={org.b_person.id}")) == set()


def test_reading_one_person_follows_scope(api, org):
    person = api(org.mgr).get(f"/api/v1/people/{org.emp2.id}").get_json()
    assert set(person) >= PERSON_FIELDS
    assert person["level"]["code"] == "P1" and person["roles"] == ["employee"]
    assert_problem(api(org.mgr).get(f"/api/v1/people/{org.peer.id}"), 403)
    assert api(org.emp).get(f"/api/v1/people/{org.emp.id}").status_code == 200
    assert_problem(api(org.emp).get(f"/api/v1/people/{org.peer.id}"), 403)
    assert_problem(api(org.hr).get(f"/api/v1/people/{org.b_person.id}"), 404)


def test_hr_adds_a_person(api, org):
    hr = api(org.hr)
    made = hr.post("/api/v1/people", json={
        "email": "New.Hire@acmetest.test", "name": "New Hire", "manager_id": org.mgr.id,
        "profession_start": "2020-03-01", "roles": ["manager"], "password": "a long password 1"})
    assert made.status_code == 201
    body = made.get_json()
    assert made.headers["Location"] == f"/api/v1/people/{body['id']}"
    assert body["email"] == "new.hire@acmetest.test" and body["manager_id"] == org.mgr.id
    assert body["roles"] == ["employee", "manager"] and body["level"] is None
    assert body["id"] in ids(api(org.mgr).get("/api/v1/people"))

    def refused(payload, field):
        problem = assert_problem(hr.post("/api/v1/people", json={
            "email": "x@acmetest.test", "name": "X", **payload}), 422)
        assert problem["errors"][0]["field"] == field, problem

    refused({"email": "new.hire@acmetest.test"}, "email")
    refused({"manager_id": org.b_person.id}, "manager_id")
    refused({"manager_id": 2_000_000_000}, "manager_id")
    refused({"profession_start": (date.today() + timedelta(days=3)).isoformat()},
            "profession_start")
    refused({"password": "short"}, "password")
    assert_problem(api(org.mgr).post("/api/v1/people", json={"email": "m@acmetest.test",
                                                             "name": "M"}), 403)


def test_hr_edits_a_person_and_the_page_rules_hold(api, client, org):
    hr = api(org.hr)
    path = f"/api/v1/people/{org.lead.id}"
    moved = hr.patch_fresh(path, {"manager_id": org.peer_mgr.id, "name": "Leo Moved"})
    assert moved.status_code == 200
    assert (moved.get_json()["manager_id"], moved.get_json()["name"]) == (org.peer_mgr.id,
                                                                          "Leo Moved")
    assert org.emp2.id in ids(api(org.peer_mgr).get("/api/v1/people"))  # the subtree moved
    assert org.emp2.id not in ids(api(org.mgr).get("/api/v1/people"))
    cycle = assert_problem(hr.patch_fresh(path, {"manager_id": org.emp2.id}), 422)
    assert cycle["errors"][0]["field"] == "manager_id" and "cycle" in cycle["detail"]
    top = hr.patch_fresh(path, {"manager_id": None, "profession_start": None})
    assert top.get_json()["manager_id"] is None and top.get_json()["years_of_experience"] is None
    roles = hr.patch_fresh(path, {"roles": ["hr"]}).get_json()["roles"]
    assert roles == ["employee", "hr"]
    own = assert_problem(hr.patch_fresh(f"/api/v1/people/{org.hr.id}", {"roles": []}), 403,
                         "not-allowed")
    assert "own roles" in own["detail"]
    taken = assert_problem(hr.patch_fresh(path, {"email": org.emp.email}), 422)
    assert taken["errors"][0]["field"] == "email"
    assert_problem(hr.patch_fresh(path, {"name": None}), 422)
    events = db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.target_type == "Person", AuditEvent.target_id == org.lead.id)).all()
    assert "person.update" in events and "person.set_manager" in events
    assert_problem(api(org.mgr).patch(f"/api/v1/people/{org.emp.id}", json={"name": "x"},
                                      headers={"If-Match": '"x"'}), 403)


def test_deactivating_through_the_api_ends_sign_in_and_tokens(api, client, org):
    hr, emp2 = api(org.hr), api(org.emp2)
    assert emp2.get("/api/v1/me").status_code == 200
    done = hr.patch_fresh(f"/api/v1/people/{org.emp2.id}", {"active": False})
    assert done.status_code == 200 and done.get_json()["active"] is False
    assert_problem(emp2.get("/api/v1/me"), 401)
    assert client.login(org.emp2.email).status_code == 422
    self_off = assert_problem(hr.patch_fresh(f"/api/v1/people/{org.hr.id}", {"active": False}),
                              403)
    assert "yourself" in self_off["detail"]


def test_expectations_of_ones_level_and_the_next_steps(api, org):
    body = api(org.emp).get(f"/api/v1/people/{org.emp.id}/expectations").get_json()
    assert body["level"]["code"] == "P2" and body["band"] == "above"
    keys = [c["key"] for c in body["competencies"]]
    assert set(body["expectations"]) == set(keys)
    steps = {step["relation"]: step for step in body["next_steps"]}
    assert steps["next"]["level"]["code"] == "P3"
    assert [row["competency"] for row in steps["next"]["gap"]] == keys
    assert any(row["changed"] for row in steps["next"]["gap"])
    assert_problem(api(org.emp).get(f"/api/v1/people/{org.peer.id}/expectations"), 403)
    nobody = api(org.hr).get(f"/api/v1/people/{org.hr.id}/expectations").get_json()
    assert nobody["level"] is None and nobody["next_steps"] == []


def test_people_read_the_published_wording_of_their_level(api, org):
    hr = api(org.hr)
    p2 = levels_of(org.a)["P2"]
    hr.patch_fresh(f"/api/v1/ladders/{org.ladder_a.id}/levels/{p2.id}",
                   {"title": "Not yet published"})
    for path in ("/api/v1/me", f"/api/v1/people/{org.emp.id}/expectations"):
        assert api(org.emp).get(path).get_json()["level"]["title"] == "Product Manager"
    listed = hr.get(f"/api/v1/people?level_id={p2.id}").get_json()["items"]
    assert {p["level"]["title"] for p in listed} == {"Product Manager"}


def test_managers_assign_levels_in_their_line(api, org):
    mgr = api(org.mgr)
    p3 = levels_of(org.a)["P3"]
    path = f"/api/v1/people/{org.emp.id}/assignments"
    made = mgr.post(path, json={"level_id": p3.id, "effective_date": date.today().isoformat(),
                                "reason": "Leads the checkout area on her own"})
    assert made.status_code == 201
    body = made.get_json()
    assert (body["level"]["code"], body["kind"], body["decided_by"]["id"]) == (
        "P3", "promotion", org.mgr.id)
    assert made.headers["Location"] == f"{path}/{body['id']}"
    assert mgr.get(made.headers["Location"]).get_json() == body
    assert current_assignment(org.emp).level.code == "P3"
    assert api(org.emp).get("/api/v1/me").get_json()["level"]["code"] == "P3"
    history = mgr.get(path).get_json()["items"]
    assert [item["level"]["code"] for item in history] == ["P3", "P2"]
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "level.assign")
                               .order_by(AuditEvent.id.desc())).first()
    assert event.actor_id == org.mgr.id and event.after["reason"].startswith("Leads")

    indirect = mgr.post(f"/api/v1/people/{org.emp2.id}/assignments", json={
        "level_id": p3.id, "effective_date": "2030-01-01", "reason": "Planned"})
    assert indirect.status_code == 201 and indirect.get_json()["scheduled"] is True


def test_assignment_refusals(api, org):
    mgr = api(org.mgr)
    levels = levels_of(org.a)
    good = {"level_id": levels["P2"].id, "effective_date": "2025-01-01", "reason": "Because"}
    assert_problem(mgr.post(f"/api/v1/people/{org.mgr.id}/assignments", json=good), 403)
    assert_problem(mgr.post(f"/api/v1/people/{org.peer.id}/assignments", json=good), 403)
    assert_problem(mgr.post(f"/api/v1/people/{org.b_person.id}/assignments", json=good), 404)
    assert_problem(api(org.emp).post(f"/api/v1/people/{org.emp2.id}/assignments", json=good),
                   403)
    path = f"/api/v1/people/{org.emp.id}/assignments"
    foreign = levels_of(org.b)["P1"]
    for payload, field in (({"level_id": foreign.id}, "level_id"),
                           ({"reason": "   "}, "reason"),
                           ({"reason": ""}, "reason"),
                           ({"effective_date": "01/02/2025"}, "effective_date"),
                           ({"effective_date": 20250101}, "effective_date")):
        problem = assert_problem(mgr.post(path, json={**good, **payload}), 422)
        assert problem["errors"][0]["field"] == field, payload
    from orgladder.ladders import editing

    level = levels["P1"]

    editing.delete_level(org.hr, level, levels["P2"], date.today())
    db.session.commit()
    gone = assert_problem(mgr.post(path, json={**good, "level_id": level.id}), 422)
    assert "removed" in gone["detail"]
    assert_problem(mgr.get(f"{path}/999999"), 404)
