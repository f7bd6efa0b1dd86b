"""What every operation shares: problem+json errors, ETags and If-Match, pagination with Link
headers, rate limits per token, and no 500 for anything a client can send."""

from __future__ import annotations

import uuid

import pytest

from orgladder import create_app
from orgladder.extensions import db

from ..conftest import Client
from ..factories import make_person, make_token
from .conftest import Api, assert_problem


def level_path(org, index: int = 0) -> str:
    level = org.ladder_a.tracks[0].levels[index]
    return f"/api/v1/ladders/{org.ladder_a.id}/levels/{level.id}"


def test_every_error_is_a_problem(api, client, org):
    hr = api(org.hr)
    assert_problem(client.get("/api/v1/me"), 401)
    assert_problem(api(org.emp).get("/api/v1/audit"), 403)
    assert_problem(hr.get("/api/v1/no-such-thing"), 404)
    assert_problem(hr.get(f"/api/v1/people/{org.b_person.id}"), 404)
    assert_problem(hr.get("/api/v1/people/99999999999"), 404)  # past any id: not a 500
    assert_problem(hr.open("DELETE", "/api/v1/me"), 405)
    assert "GET" in hr.open("DELETE", "/api/v1/me").headers["Allow"]
    bad_query = assert_problem(hr.get("/api/v1/people?per_page=1000&manager_id=x"), 400,
                               "invalid-query")
    assert {e["field"] for e in bad_query["errors"]} == {"per_page", "manager_id"}
    assert_problem(hr.get("/api/v1/people?manager_id=%00"), 400)
    conflict = assert_problem(hr.patch_fresh(f"/api/v1/people/{org.mgr.id}",
                                             {"active": False}), 409, "conflict")
    assert "direct report" in conflict["detail"]


def test_invalid_bodies_are_refused_with_field_errors(api, org):
    hr = api(org.hr)
    not_json = hr.open("POST", "/api/v1/people", data="{nope", content_type="application/json")
    assert_problem(not_json, 400, "invalid-json")
    a_form = hr.open("POST", "/api/v1/people", data={"email": "x@acmetest.test"})
    assert_problem(a_form, 415, "unsupported-media-type")
    too_big = hr.open("POST", "/api/v1/people", data="[" + "1," * 600_000 + "1]",
                      content_type="application/json")
    assert_problem(too_big, 413)
    wrong = assert_problem(hr.post("/api/v1/people", json={
        "email": 7, "name": "", "roles": ["king"], "manager_id": "3", "extra": True,
    }), 422, "invalid-input")
    assert {e["field"] for e in wrong["errors"]} >= {"email", "name", "roles.0", "manager_id",
                                                     "extra"}
    assert_problem(hr.post("/api/v1/people", json=[1, 2]), 422)
    nul = assert_problem(hr.post("/api/v1/people", json={"email": "n@acmetest.test",
                                                         "name": "Nu\x00l"}), 422)
    assert nul["errors"] == [{"field": "name", "message": "contains a NUL character"}]
    service = assert_problem(hr.post("/api/v1/people", json={
        "email": "not-an-address", "name": "X"}), 422, "invalid-input")
    assert service["errors"][0]["field"] == "email"


def test_every_single_resource_has_an_etag_and_answers_304(api, org):
    hr = api(org.hr)
    paths = ["/api/v1/me", f"/api/v1/ladders/{org.ladder_a.id}", level_path(org),
             f"/api/v1/ladders/{org.ladder_a.id}/tracks/{org.ladder_a.tracks[0].id}",
             f"/api/v1/ladders/{org.ladder_a.id}/versions/1",
             f"/api/v1/ladders/{org.ladder_a.id}/export?format=json",
             f"/api/v1/people/{org.emp.id}", f"/api/v1/people/{org.emp.id}/expectations"]
    for path in paths:
        first = hr.get(path)
        assert first.status_code == 200, path
        etag = first.headers["ETag"]
        assert hr.get(path).headers["ETag"] == etag, path  # stable while nothing changes
        again = hr.get(path, headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.headers["ETag"] == etag, path


def test_patch_needs_if_match_and_refuses_a_stale_one(api, org):
    hr = api(org.hr)
    path = level_path(org)
    assert_problem(hr.patch(path, json={"title": "No precondition"}), 428,
                   "precondition-required")
    assert_problem(hr.patch(path, json={"title": "Any"}, headers={"If-Match": "*"}), 428)
    etag = hr.get(path).headers["ETag"]
    first = hr.patch(path, json={"summary": "First writer"}, headers={"If-Match": etag})
    assert first.status_code == 200 and first.headers["ETag"] != etag
    assert first.headers["ETag"] == hr.get(path).headers["ETag"]
    stale = assert_problem(hr.patch(path, json={"summary": "Second writer"},
                                    headers={"If-Match": etag}), 412, "stale")
    assert stale["current_etag"] == first.headers["ETag"]
    assert hr.get(path).get_json()["summary"] == "First writer"  # nothing overwritten


def test_a_page_edit_makes_an_api_etag_stale(api, client, org):
    """The pages and the API guard the same record: an HR edit on the person form after a
    script read the person refuses the script's PATCH."""
    hr = api(org.hr)
    path = f"/api/v1/people/{org.emp.id}"
    etag = hr.get(path).headers["ETag"]
    client.login(org.hr.email, "correct horse battery")
    edit = f"/people/{org.emp.id}/edit"
    form = {"name": "Eli Edited", "email": org.emp.email, "manager_email": org.mgr.email,
            "profession_start": "2018-01-01", "seen": ""}
    assert client.post_form(edit, form).status_code == 302
    assert_problem(hr.patch(path, json={"name": "Eli Scripted"}, headers={"If-Match": etag}),
                   412)
    assert hr.get(path).get_json()["name"] == "Eli Edited"


def test_a_save_racing_past_the_check_is_refused_as_stale(api, org, monkeypatch):
    """Between the If-Match check and the write, another save lands: the version counter
    catches it and the answer is 412, as for any stale edit."""
    from orgladder.ladders import editing

    hr = api(org.hr)
    path = level_path(org)
    real = editing.update_level

    def racing(actor, level, values, revision):
        db.session.execute(db.update(type(level)).where(type(level).id == level.id)
                           .values(revision=level.revision + 1))
        return real(actor, level, values, revision)

    monkeypatch.setattr(editing, "update_level", racing)
    raced = hr.patch_fresh(path, {"summary": "Lost the race"})
    assert_problem(raced, 412, "stale")


def test_lists_are_paginated_with_link_headers_in_a_stable_order(api, org):
    hr = api(org.hr)
    first = hr.get("/api/v1/people?per_page=3&active=true")
    body = first.get_json()
    assert (body["page"], body["per_page"], body["total"], body["pages"]) == (1, 3, 8, 3)
    links = first.headers["Link"]
    assert 'rel="first"' in links and 'rel="next"' in links and 'rel="last"' in links
    assert 'rel="prev"' not in links and "active=true" in links
    seen = [p["id"] for p in body["items"]]
    for page in (2, 3):
        response = hr.get(f"/api/v1/people?per_page=3&active=true&page={page}")
        assert 'rel="prev"' in response.headers["Link"]
        seen += [p["id"] for p in response.get_json()["items"]]
    assert 'rel="next"' not in response.headers["Link"]
    assert len(seen) == len(set(seen)) == 8
    names = [p["name"] for p in [*body["items"]]]
    assert names == sorted(names)
    beyond = hr.get("/api/v1/people?page=9").get_json()
    assert beyond["items"] == [] and beyond["total"] == 8


def test_no_input_makes_a_500(api, org):
    hr = api(org.hr)
    weird = ["/api/v1/people?page=0", "/api/v1/people?page=99999999999999",
             "/api/v1/people?active=perhaps", "/api/v1/audit?since=2024-02-30",
             "/api/v1/audit?until=9999-12-31&since=0001-01-01",
             "/api/v1/audit?target_type=Robert');DROP", f"/api/v1/ladders/{org.ladder_a.id}"
             "?view=sideways", f"/api/v1/ladders/{org.ladder_a.id}/export?format=exe",
             f"/api/v1/ladders/{org.ladder_a.id}/export?version=0",
             f"/api/v1/ladders/{org.ladder_a.id}/versions/2147483647"]
    for path in weird:
        assert hr.get(path).status_code < 500, path
    bodies = [{"level_id": 2**40, "effective_date": "2024-01-01", "reason": "r"},
              {"level_id": 1, "effective_date": "0000-01-01", "reason": "r"},
              {"level_id": 1, "effective_date": "2024-01-01", "reason": "r" * 3000}]
    for body in bodies:
        response = hr.post(f"/api/v1/people/{org.emp.id}/assignments", json=body)
        assert response.status_code == 422, body
    huge = hr.patch_fresh(level_path(org), {"min_years": 10**30})
    assert_problem(huge, 422)


@pytest.fixture
def limited(app, org):
    """An app with a tiny API limit, sharing the test's database transaction."""
    with app.app_context():
        connection = db.engines[None]
    limited = create_app("testing", {
        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://",
        "RATELIMIT_KEY_PREFIX": f"test-{uuid.uuid4().hex}", "API_RATE_LIMIT": "3 per minute",
    })
    limited.test_client_class = Client
    with limited.app_context():
        engines = db.engines
        original, engines[None] = engines[None], connection
        try:
            yield limited
        finally:
            engines[None] = original


def test_the_api_is_rate_limited_per_token(limited, org):
    client = limited.test_client()
    hr, emp = Api(client, make_token(org.hr)), Api(client, make_token(org.emp))
    assert [hr.get("/api/v1/me").status_code for _ in range(3)] == [200, 200, 200]
    refused = assert_problem(hr.get("/api/v1/me"), 429)
    assert "wait" in refused["detail"]
    assert "Retry-After" in hr.get("/api/v1/me").headers
    assert emp.get("/api/v1/me").status_code == 200  # another token, its own allowance
    anonymous = Api(client, None)
    assert [anonymous.get("/api/v1/me").status_code for _ in range(4)] == [401, 401, 401, 429]


def test_people_list_costs_the_same_queries_whatever_the_org_size(api, org, queries):
    hr = api(org.hr)
    hr.get("/api/v1/people")  # warm up
    with queries() as small:
        assert hr.get("/api/v1/people").status_code == 200
    for n in range(30):
        make_person(org.a, f"Extra Person{n}", manager=org.mgr,
                    level=["P1", "P2", "P3", "M4"][n % 4])
    db.session.commit()
    # Warm again: the writes above dropped the results kept for the company (the published
    # ladder among them), which costs a constant query once, whatever the org's size.
    hr.get("/api/v1/people")
    with queries() as large:
        assert len(hr.get("/api/v1/people").get_json()["items"]) == 38
    assert len(large) == len(small)
