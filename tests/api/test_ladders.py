"""Ladders through the API, as HR, a manager and an employee, on the studio's services."""

from __future__ import annotations

import yaml
from sqlalchemy import select

from orgladder.audit import AuditEvent
from orgladder.extensions import db

from .conftest import assert_problem

LEVEL_FIELDS = {"id", "code", "title", "track_id", "position", "min_years", "max_years",
                "summary", "responsibilities", "skills", "expectations"}


def audited(action: str) -> list[AuditEvent]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)
                                  .order_by(AuditEvent.id)))


def test_a_ladder_has_the_documented_fields(api, org):
    body = api(org.emp).get(f"/api/v1/ladders/{org.ladder_a.id}").get_json()
    assert {"id", "name", "tracks", "competencies", "equivalences", "version"} <= set(body)
    assert body["state"] == "published" and body["version"] == 1
    ic, management = body["tracks"]
    assert {"id", "name", "kind", "levels"} <= set(ic)
    assert (ic["kind"], management["kind"]) == ("ic", "management")
    level = ic["levels"][3]
    assert set(level) >= LEVEL_FIELDS
    assert level["code"] == "P4" and level["track_id"] == ic["id"]
    keys = {c["key"] for c in body["competencies"]}
    assert set(level["expectations"]) <= keys and level["expectations"]
    assert management["levels"][-1]["max_years"] is None  # open-ended
    p4, m4 = level["id"], management["levels"][0]["id"]
    assert {"grade": 4, "level_ids": [p4, m4]} in body["equivalences"]


def test_everyone_reads_the_published_ladder_and_only_hr_the_draft(api, org):
    hr, mgr = api(org.hr), api(org.mgr)
    level = org.ladder_a.tracks[0].levels[0]
    path = f"/api/v1/ladders/{org.ladder_a.id}"
    assert hr.patch_fresh(f"{path}/levels/{level.id}", {"title": "Draft title"}).status_code == 200
    assert hr.get(f"{path}/levels/{level.id}").get_json()["title"] == "Draft title"
    draft = hr.get(path).get_json()
    assert draft["state"] == "draft" and draft["version"] == 1
    published = hr.get(f"{path}?view=published").get_json()
    assert published["tracks"][0]["levels"][0]["title"] != "Draft title"
    for reader in (mgr, api(org.emp)):
        assert reader.get(f"{path}/levels/{level.id}").get_json()["title"] != "Draft title"
        assert_problem(reader.get(f"{path}?view=draft"), 403)
    assert_problem(api(org.emp).get(f"/api/v1/ladders/{org.ladder_b.id}?view=draft"), 404)


def test_hr_creates_ladders_that_others_see_once_published(api, org):
    hr, emp = api(org.hr), api(org.emp)
    made = hr.post("/api/v1/ladders", json={"name": "Design", "source": "empty"})
    assert made.status_code == 201 and made.headers["ETag"]
    ladder = made.get_json()
    assert made.headers["Location"] == f"/api/v1/ladders/{ladder['id']}"
    assert (ladder["name"], ladder["tracks"], ladder["version"]) == ("Design", [], None)
    names = [item["name"] for item in hr.get("/api/v1/ladders").get_json()["items"]]
    assert names == ["Design", "Product Management"]
    assert [i["name"] for i in emp.get("/api/v1/ladders").get_json()["items"]] == [
        "Product Management"]
    assert_problem(emp.get(f"/api/v1/ladders/{ladder['id']}"), 404)

    copy = hr.post("/api/v1/ladders", json={"name": "PM copy", "source": "copy",
                                            "copy_from": org.ladder_a.id}).get_json()
    assert len(copy["tracks"]) == 2
    taken = assert_problem(hr.post("/api/v1/ladders", json={"name": "Design"}), 422)
    assert taken["errors"][0]["field"] == "name"
    foreign = hr.post("/api/v1/ladders", json={"name": "Stolen", "source": "copy",
                                               "copy_from": org.ladder_b.id})
    assert assert_problem(foreign, 422)["errors"][0]["field"] == "copy_from"
    assert_problem(api(org.mgr).post("/api/v1/ladders", json={"name": "Nope"}), 403)
    assert [e.after["name"] for e in audited("ladder.create")][-2:] == ["Design", "PM copy"]


def test_hr_edits_the_draft_through_the_studio_rules(api, org):
    hr = api(org.hr)
    base = f"/api/v1/ladders/{org.ladder_a.id}"
    renamed = hr.patch_fresh(base, {"description": "Our PM ladder"})
    assert renamed.status_code == 200 and renamed.get_json()["description"] == "Our PM ladder"
    track = org.ladder_a.tracks[1]
    changed = hr.patch_fresh(f"{base}/tracks/{track.id}", {"name": "People leaders"})
    assert changed.get_json()["name"] == "People leaders"
    assert changed.get_json()["kind"] == "management"
    level = org.ladder_a.tracks[0].levels[1]
    edited = hr.patch_fresh(f"{base}/levels/{level.id}", {
        "min_years": 3, "max_years": None, "responsibilities": [" Own a roadmap ", " "]})
    body = edited.get_json()
    assert (body["min_years"], body["max_years"]) == (3, None)
    assert body["responsibilities"] == ["Own a roadmap"]
    assert body["code"] == level.code  # untouched fields stay
    update = audited("level.update")[-1]
    assert update.actor_id == org.hr.id and update.after["changed"]["min_years"] == 3

    backwards = assert_problem(hr.patch_fresh(f"{base}/levels/{level.id}",
                                              {"min_years": 9, "max_years": 4}), 422)
    assert backwards["errors"][0]["field"] == "max_years"
    other = org.ladder_a.tracks[0].levels[0]
    clash = assert_problem(hr.patch_fresh(f"{base}/levels/{level.id}", {"code": other.code}),
                           422)
    assert clash["errors"][0]["field"] == "code"
    blank = assert_problem(hr.patch_fresh(f"{base}/levels/{level.id}", {"title": "  "}), 422)
    assert blank["errors"][0]["field"] == "title"
    assert_problem(hr.patch_fresh(f"{base}/tracks/{track.id}", {"kind": "wizard"}), 422)
    assert_problem(hr.patch(f"{base}/levels/999999", json={"title": "x"},
                            headers={"If-Match": '"x"'}), 404)
    foreign = org.ladder_b
    assert_problem(hr.patch(f"/api/v1/ladders/{foreign.id}", json={"name": "Mine"},
                            headers={"If-Match": '"x"'}), 404)
    assert_problem(api(org.mgr).patch(base, json={"name": "x"}, headers={"If-Match": '"x"'}),
                   403)


def test_a_level_patch_sets_expectations_through_the_competency_edit(api, org):
    hr = api(org.hr)
    level = org.ladder_a.tracks[0].levels[2]
    path = f"/api/v1/ladders/{org.ladder_a.id}/levels/{level.id}"
    before = hr.get(path).get_json()["expectations"]
    first, second = sorted(before)[:2]
    patched = hr.patch_fresh(path, {"expectations": {first: " Writes the strategy memo ",
                                                     second: ""}})
    assert patched.status_code == 200
    after = patched.get_json()["expectations"]
    assert after[first] == "Writes the strategy memo" and second not in after
    assert {k: v for k, v in after.items() if k != first} == {
        k: v for k, v in before.items() if k not in (first, second)}
    events = audited("competency.update")[-2:]
    assert {e.actor_id for e in events} == {org.hr.id}
    assert [e.after["changed"] for e in events] == [
        {f"expectation at {level.code}": "Writes the strategy memo"},
        {f"expectation at {level.code}": ""}]
    other = org.ladder_a.tracks[0].levels[1]
    untouched = hr.get(f"/api/v1/ladders/{org.ladder_a.id}/levels/{other.id}").get_json()
    assert untouched["expectations"][first] != "Writes the strategy memo"
    unknown = assert_problem(hr.patch_fresh(path, {"expectations": {"nonsense": "x"}}), 422)
    assert unknown["errors"] == [{"field": "expectations.nonsense",
                                  "message": "names no competency"}]


def test_publishing_shows_the_draft_to_everyone(api, org):
    hr, emp = api(org.hr), api(org.emp)
    base = f"/api/v1/ladders/{org.ladder_a.id}"
    level = org.ladder_a.tracks[0].levels[0]
    hr.patch_fresh(f"{base}/levels/{level.id}", {"title": "Junior PM"})
    nothing = hr.post(f"{base}/publish", json={"summary": ""})
    assert_problem(nothing, 422)
    published = hr.post(f"{base}/publish", json={"summary": "Rename P1"})
    assert published.status_code == 201
    version = published.get_json()
    assert version["number"] == 2 and version["published_by"]["id"] == org.hr.id
    assert published.headers["Location"] == f"{base}/versions/2"
    assert emp.get(f"{base}/levels/{level.id}").get_json()["title"] == "Junior PM"
    same = assert_problem(hr.post(f"{base}/publish", json={"summary": "again"}), 422)
    assert "nothing to publish" in same["detail"]
    assert_problem(emp.post(f"{base}/publish", json={"summary": "x"}), 403)

    listed = hr.get(f"{base}/versions").get_json()
    assert [v["number"] for v in listed["items"]] == [2, 1]
    old = hr.get(f"{base}/versions/1").get_json()
    assert old["ladder"]["tracks"][0]["levels"][0]["title"] != "Junior PM"
    assert_problem(hr.get(f"{base}/versions/3"), 404)
    assert_problem(emp.get(f"{base}/versions"), 403)


def test_export_and_import_round_trip(api, org):
    hr = api(org.hr)
    base = f"/api/v1/ladders/{org.ladder_a.id}"
    as_json = hr.get(f"{base}/export?format=json")
    assert as_json.mimetype == "application/json"
    document = as_json.get_json()
    as_yaml = hr.get(f"{base}/export?format=yaml&version=1")
    assert as_yaml.mimetype == "application/yaml"
    assert yaml.safe_load(as_yaml.get_data(as_text=True))["name"] == document["name"]
    assert hr.get(f"{base}/export?format=csv").get_data(as_text=True).startswith("track,kind")
    assert_problem(hr.get(f"{base}/export?version=7"), 404)
    assert_problem(hr.get(f"{base}/export?format=pdf"), 400)

    clash = assert_problem(hr.post("/api/v1/ladders/import", json=document), 422,
                           "invalid-document")
    assert clash["errors"][0]["field"] == "name"
    document["name"] = "Imported PM"
    made = hr.post("/api/v1/ladders/import", json=document)
    assert made.status_code == 201
    imported = made.get_json()
    assert imported["state"] == "draft" and imported["id"] != org.ladder_a.id
    assert [t["name"] for t in imported["tracks"]] == [t["name"] for t in document["tracks"]]

    text = as_yaml.get_data(as_text=True).replace("name: Product Management", "name: From YAML",
                                                  1)
    from_yaml = hr.open("POST", "/api/v1/ladders/import", data=text,
                        content_type="application/yaml")
    assert from_yaml.status_code == 201 and from_yaml.get_json()["name"] == "From YAML"


def test_a_faulty_document_lists_every_fault_and_changes_nothing(api, org):
    hr = api(org.hr)
    before = hr.get("/api/v1/ladders").get_json()["total"]
    faulty = {"format": "orgladder.ladder", "format_version": 1, "name": "Faulty",
              "tracks": [{"name": "IC", "kind": "wizard",
                          "levels": [{"code": "X1", "title": "One", "min_years": -1},
                                     {"code": "X1", "title": "Two", "grade": 1000}]}]}
    refused = assert_problem(hr.post("/api/v1/ladders/import", json=faulty), 422)
    fields = {e["field"] for e in refused["errors"]}
    assert fields == {"tracks[0].kind", "tracks[0].levels[0].min_years",
                      "tracks[0].levels[1].code", "tracks[0].levels[1].grade"}
    bad_yaml = hr.open("POST", "/api/v1/ladders/import", data="name: [unclosed",
                       content_type="application/yaml")
    assert "line" in assert_problem(bad_yaml, 422)["errors"][0]["message"]
    missing = hr.open("POST", "/api/v1/ladders/import", data="name: No format\n",
                      content_type="application/yaml")
    assert {e["field"] for e in assert_problem(missing, 422)["errors"]} >= {"format"}
    assert hr.get("/api/v1/ladders").get_json()["total"] == before
