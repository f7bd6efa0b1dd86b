"""Draft and publish, compare, restore, tracks, several ladders, and ladders as files."""

from __future__ import annotations

import io
import json

import yaml
from sqlalchemy import select

from orgladder.extensions import db
from orgladder.ladders.models import Ladder, LadderVersion, Level
from orgladder.ladders.versions import draft_document

from .factories import levels_of
from .test_ladder_studio import fresh, level_data


def publish(client, ladder_id: int, summary: str):
    return client.post_form(f"/ladders/{ladder_id}/publish", {"summary": summary},
                            token_from=f"/ladders/{ladder_id}/draft")


def test_publish_compare_and_restore(client, org):
    level = levels_of(org.a)["P2"]
    ladder_id = level.ladder_id
    client.login(org.hr.email)
    assert publish(client, ladder_id, "No change").status_code == 422  # same as version 1
    client.post_form(f"/ladders/{ladder_id}/levels/{level.id}", level_data(
        level, title="Product Manager II", max_years=6,
        summary=level.summary.replace("end to end", "from start to finish")))
    # Employees still read version 1.
    assert publish(client, ladder_id, "").status_code == 422
    assert publish(client, ladder_id, "Renamed P2, widened its band").status_code == 302
    history = client.get(f"/ladders/{ladder_id}/versions").get_data(as_text=True)
    assert "Renamed P2, widened its band" in history and "Hannah Hr" in history
    diff = client.get(f"/ladders/{ladder_id}/compare?a=1&b=2").get_data(as_text=True)
    assert "Product Manager → Product Manager II" in diff
    assert "2–5 years → 2–6 years" in diff
    assert "<del>end</del> <ins>from start</ins> <span>to</span> <del>end,</del> " \
           "<ins>finish,</ins>" in diff
    # Restore version 1 into the draft: same level row, old title back.
    assert client.post_form(f"/ladders/{ladder_id}/versions/1/restore", {},
                            token_from=f"/ladders/{ladder_id}/versions").status_code == 302
    restored = fresh(Level, level.id)
    assert (restored.title, restored.max_years) == ("Product Manager", 5)
    assert fresh(Ladder, ladder_id).name == "Product Management"
    versions = db.session.scalars(select(LadderVersion.number).where(
        LadderVersion.ladder_id == ladder_id)).all()
    assert sorted(versions) == [1, 2]


def test_employees_see_the_published_version_only(client, org):
    level = levels_of(org.a)["P2"]
    client.login(org.hr.email)
    client.post_form(f"/ladders/{level.ladder_id}/levels/{level.id}",
                     level_data(level, title="Product Manager II"))
    client._cookies.clear()
    client.login(org.emp.email)
    assert "Product Manager II" not in client.get("/me").get_data(as_text=True)
    client._cookies.clear()
    client.login(org.hr.email)
    publish(client, level.ladder_id, "Rename")
    client._cookies.clear()
    client.login(org.emp.email)
    assert "Product Manager II" in client.get("/me").get_data(as_text=True)
    assert "Product Manager II" in client.get(f"/ladders/{level.ladder_id}").get_data(as_text=True)


def test_add_a_management_track_beside_a_level(client, org):
    ladder = org.ladder_a
    p3 = levels_of(org.a)["P3"]
    client.login(org.hr.email)
    response = client.post_form(f"/ladders/{ladder.id}/tracks/new", {
        "name": "Technical PM", "kind": "specialist", "start_level": p3.id,
        "code": "T3", "title": "Senior Technical PM"})
    assert response.status_code == 302
    track = fresh(Ladder, ladder.id).tracks[-1]
    assert (track.name, track.levels[0].grade) == ("Technical PM", p3.grade)
    publish(client, ladder.id, "Technical PM track")
    page = client.get(f"/ladders/{ladder.id}").get_data(as_text=True)
    row = page[page.index("P3"):page.index("T3")]
    assert "ladder-row" not in row  # T3 sits on P3's row: equivalent by grade


def test_several_ladders_from_template_copy_or_empty(client, org):
    client.login(org.hr.email)
    for name, source, copy_from in [("Design", "default", 0),
                                    ("Product copy", "copy", org.ladder_a.id),
                                    ("Data", "empty", 0)]:
        response = client.post_form("/ladders/new", {"name": name, "source": source,
                                                     "copy_from": copy_from})
        assert response.status_code == 302, name
    ladders = {lad.name: lad for lad in db.session.scalars(
        select(Ladder).where(Ladder.company_id == org.a.id))}
    assert len(ladders["Design"].tracks) == 2
    assert [lv.code for lv in ladders["Product copy"].tracks[0].levels][:2] == ["P1", "P2"]
    assert ladders["Data"].tracks == []
    refused = client.post_form("/ladders/new", {"name": "Design", "source": "empty"})
    assert refused.status_code == 422 and "already has a ladder" in refused.get_data(as_text=True)


def upload(client, path, text: str, filename: str):
    token = client.csrf_token(path)
    return client.post(path, data={"csrf_token": token,
                                   "file": (io.BytesIO(text.encode()), filename)},
                       content_type="multipart/form-data")


def test_export_import_round_trip(client, org):
    ladder = org.ladder_a
    client.login(org.hr.email)
    exported = {}
    for fmt in ("yaml", "json"):
        response = client.get(f"/ladders/{ladder.id}/export.{fmt}?version=1")
        assert response.status_code == 200
        exported[fmt] = response.get_data(as_text=True)
    csv = client.get(f"/ladders/{ladder.id}/export.csv").get_data(as_text=True)
    assert csv.splitlines()[0].startswith("track,kind,code,title") and ",P4," in csv
    for fmt, name in (("yaml", "Imported YAML"), ("json", "Imported JSON")):
        doc = yaml.safe_load(exported[fmt])
        doc["name"] = name
        text = yaml.safe_dump(doc) if fmt == "yaml" else json.dumps(doc)
        response = upload(client, "/ladders/import", text, f"ladder.{fmt}")
        assert response.status_code == 302
        new = db.session.scalar(select(Ladder).where(Ladder.name == name))
        again = draft_document(new)
        original = yaml.safe_load(exported[fmt])
        assert strip(again) == strip({**original, "name": name})
    # Into the draft of the same ladder: levels matched by id, nothing changes.
    before = draft_document(fresh(Ladder, ladder.id))
    response = upload(client, f"/ladders/{ladder.id}/import", exported["yaml"], "ladder.yaml")
    assert response.status_code == 302
    assert draft_document(fresh(Ladder, ladder.id)) == before


def strip(document):
    from orgladder.ladders.document import without_ids
    return without_ids(document)


def test_a_broken_file_is_refused_whole_with_its_lines(client, org):
    ladder = org.ladder_a
    client.login(org.hr.email)
    text = client.get(f"/ladders/{ladder.id}/export.yaml").get_data(as_text=True)
    doc = yaml.safe_load(text)
    doc["name"] = "Changed name"
    doc["tracks"][0]["levels"][1]["min_years"] = -2
    doc["tracks"][0]["levels"][2]["code"] = "P1"
    doc["tracks"][1]["levels"][0]["expectations"]["nonsense"] = "x"
    broken = yaml.safe_dump(doc, sort_keys=False)
    before = draft_document(fresh(Ladder, ladder.id))
    response = upload(client, f"/ladders/{ladder.id}/import", broken, "ladder.yaml")
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    line = next(i for i, row in enumerate(broken.splitlines(), 1) if "min_years: -2" in row)
    assert f"line {line}, tracks[0].levels[1].min_years: must be a whole number" in body
    assert "tracks[0].levels[2].code: &#39;P1&#39; is already used" in body
    assert "tracks[1].levels[0].expectations.nonsense: names no competency" in body
    assert draft_document(fresh(Ladder, ladder.id)) == before
    for text, filename, message in [("{not json", "x.json", "line 1"),
                                     ("name: [unclosed", "x.yaml", "not valid YAML"),
                                     ("- just a list", "x.yaml", "must be a mapping")]:
        response = upload(client, "/ladders/import", text, filename)
        assert response.status_code == 422 and message in response.get_data(as_text=True)


def test_import_refuses_to_drop_a_level_people_hold(client, org):
    ladder = org.ladder_a
    client.login(org.hr.email)
    doc = yaml.safe_load(client.get(f"/ladders/{ladder.id}/export.yaml").get_data(as_text=True))
    del doc["tracks"][0]["levels"][1]  # P2, held by two people
    response = upload(client, f"/ladders/{ladder.id}/import", yaml.safe_dump(doc), "l.yaml")
    assert response.status_code == 422 and "People hold P2" in response.get_data(as_text=True)
    assert not fresh(Level, levels_of(org.a)["P2"].id).archived


def test_ladder_page_queries_do_not_grow_with_the_ladder(client, org, queries):
    ladder = org.ladder_a
    client.login(org.emp.email)
    with queries() as small:
        assert client.get(f"/ladders/{ladder.id}").status_code == 200
    client._cookies.clear()
    client.login(org.hr.email)
    track = ladder.tracks[0]
    for n in range(6, 10):
        client.post_form(f"/ladders/{ladder.id}/tracks/{track.id}/levels/new", {
            "code": f"P{n}", "title": f"Level {n}", "grade": n, "min_years": n * 2,
            "max_years": "", "summary": "s", "after": 0})
    for n in range(3):
        client.post_form(f"/ladders/{ladder.id}/competencies/new", {"name": f"Extra {n}"})
    publish(client, ladder.id, "Bigger")
    client._cookies.clear()
    client.login(org.emp.email)
    with queries() as big:
        body = client.get(f"/ladders/{ladder.id}").get_data(as_text=True)
    assert "P9" in body and "Extra 2" in body
    assert len(big) == len(small)
    assert "P9" in body


def test_draft_page_queries_do_not_grow_with_the_ladder(client, org, queries):
    ladder = org.ladder_a
    client.login(org.hr.email)
    with queries() as small:
        assert client.get(f"/ladders/{ladder.id}/draft").status_code == 200
    track = ladder.tracks[0]
    for n in range(6, 9):
        client.post_form(f"/ladders/{ladder.id}/tracks/{track.id}/levels/new", {
            "code": f"P{n}", "title": f"Level {n}", "grade": n, "min_years": n * 2,
            "max_years": "", "after": 0})
        client.post_form(f"/ladders/{ladder.id}/competencies/new", {"name": f"Extra {n}"})
    with queries() as big:
        body = client.get(f"/ladders/{ladder.id}/draft").get_data(as_text=True)
    assert "P8" in body and "Extra 8" in body
    assert len(big) == len(small)


def test_csv_export_writes_no_formula_a_spreadsheet_would_run(client, org):
    level = levels_of(org.a)["P2"]
    level.title = '=HYPERLINK("http://attacker.example","PM")'
    level.summary = "+1 for clarity"
    db.session.commit()
    client.login(org.hr.email)
    csv = client.get(f"/ladders/{org.ladder_a.id}/export.csv").get_data(as_text=True)
    assert "'=HYPERLINK" in csv and "'+1 for clarity" in csv
    assert ',=HYPERLINK' not in csv and ',"=HYPERLINK' not in csv
