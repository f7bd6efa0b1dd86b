"""The ladder studio driven through its pages as HR: editing, validation, conflicts, audit."""

from __future__ import annotations

from sqlalchemy import select

from orgladder.audit import AuditEvent
from orgladder.extensions import db
from orgladder.ladders.models import Expectation, Ladder, Level, Track
from orgladder.people.service import current_assignment

from .factories import levels_of


def level_data(level: Level, **changes) -> dict:
    data = {
        "code": level.code, "title": level.title, "grade": level.grade or "",
        "min_years": level.min_years,
        "max_years": "" if level.max_years is None else level.max_years,
        "summary": level.summary, "responsibilities": "\n".join(level.responsibilities),
        "skills": "\n".join(level.skills), "revision": level.revision,
    }
    data.update(changes)
    return data


def fresh(model, object_id):
    db.session.expire_all()
    return db.session.get(model, object_id)


def ladder_events(ladder_id: int, action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(
        AuditEvent.target_type == "Ladder", AuditEvent.target_id == ladder_id,
        AuditEvent.action == action)))


def test_hr_renames_a_level_and_changes_its_years(client, org):
    level = levels_of(org.a)["P2"]
    path = f"/ladders/{level.ladder_id}/levels/{level.id}"
    client.login(org.hr.email)
    response = client.post_form(path, level_data(level, title="Product Manager II",
                                                 min_years=3, max_years=""))
    assert response.status_code == 302
    saved = fresh(Level, level.id)
    assert (saved.title, saved.min_years, saved.max_years) == ("Product Manager II", 3, None)
    event = ladder_events(level.ladder_id, "level.update")[-1]
    assert event.actor_id == org.hr.id
    assert event.before["changed"] == {"title": "Product Manager", "min_years": 2, "max_years": 5}
    assert event.after["changed"]["title"] == "Product Manager II"
    trail = client.get(f"/ladders/{level.ladder_id}/audit").get_data(as_text=True)
    assert "level.update" in trail and "Product Manager II" in trail and "Hannah Hr" in trail


def test_bad_years_and_duplicate_codes_are_field_errors(client, org):
    levels = levels_of(org.a)
    level = levels["P2"]
    path = f"/ladders/{level.ladder_id}/levels/{level.id}"
    client.login(org.hr.email)
    for changes, message in [
        ({"min_years": -1}, "Number must be between 0 and 60."),
        ({"min_years": 6, "max_years": 4}, "The most years must be at least the fewest years."),
        ({"code": "P3"}, "Another level of this ladder has the code P3."),
        ({"title": "Senior Product Manager"}, "Another level of this track is called"),
        ({"min_years": "many"}, "Not a valid integer value"),
    ]:
        response = client.post_form(path, level_data(level, **changes))
        body = response.get_data(as_text=True)
        assert response.status_code == 422, changes
        assert message in body and 'aria-invalid="true"' in body
    assert fresh(Level, level.id).code == "P2"


def test_overlapping_bands_are_warned_about(client, org):
    level = levels_of(org.a)["P3"]
    client.login(org.hr.email)
    client.post_form(f"/ladders/{level.ladder_id}/levels/{level.id}",
                     level_data(level, min_years=1))
    body = client.get(f"/ladders/{level.ladder_id}/draft").get_data(as_text=True)
    assert "P3 starts at fewer years (1) than P2 (2)" in body


def test_a_stale_save_is_refused_and_shows_what_changed(client, org, app):
    level = levels_of(org.a)["P1"]
    path = f"/ladders/{level.ladder_id}/levels/{level.id}"
    stale = level_data(level, summary="My own summary")
    client.login(org.hr.email)
    first = client.post_form(path, level_data(level, title="Junior Product Manager"))
    assert first.status_code == 302
    second = client.post_form(path, stale)
    body = second.get_data(as_text=True)
    assert second.status_code == 409
    assert "Hannah Hr changed title from &#39;Associate Product Manager&#39; to " \
           "&#39;Junior Product Manager&#39;" in body
    assert "My own summary" in body  # the user's edit is kept in the form, not lost
    saved = fresh(Level, level.id)
    assert saved.title == "Junior Product Manager" and saved.summary != "My own summary"
    # Saving again from the refreshed form is a deliberate choice and goes through.
    token_revision = saved.revision
    again = client.post_form(path, {**stale, "revision": token_revision})
    assert again.status_code == 302
    assert fresh(Level, level.id).summary == "My own summary"


def test_add_reorder_and_delete_levels(client, org):
    ladder = org.ladder_a
    ic = ladder.tracks[0]
    p4 = levels_of(org.a)["P4"]
    client.login(org.hr.email)
    response = client.post_form(f"/ladders/{ladder.id}/tracks/{ic.id}/levels/new", {
        "code": "P5", "title": "Distinguished Product Manager", "grade": 5, "min_years": 12,
        "max_years": "", "summary": "Shapes the industry.", "responsibilities": "Sets direction",
        "skills": "Vision", "after": p4.id})
    assert response.status_code == 302
    p5 = fresh(Ladder, ladder.id).tracks[0].levels[-1]
    assert (p5.code, p5.position) == ("P5", 4)
    draft = f"/ladders/{ladder.id}/draft"
    client.post_form(f"/ladders/{ladder.id}/levels/{p5.id}/move", {"direction": "down"},
                     token_from=draft)
    assert [lv.code for lv in fresh(Ladder, ladder.id).tracks[0].levels][-2:] == ["P5", "P4"]
    # P5 is empty: deleted at once, kept archived for history.
    response = client.post_form(f"/ladders/{ladder.id}/levels/{p5.id}/delete", {})
    assert response.status_code == 302
    assert fresh(Level, p5.id).archived
    assert "P5" not in [lv.code for lv in fresh(Ladder, ladder.id).tracks[0].levels]
    assert ladder_events(ladder.id, "level.delete")


def test_a_level_people_hold_moves_them_in_one_step(client, org):
    levels = levels_of(org.a)
    p2, p3 = levels["P2"], levels["P3"]
    path = f"/ladders/{p2.ladder_id}/levels/{p2.id}/delete"
    client.login(org.hr.email)
    page = client.get(path).get_data(as_text=True)
    assert "2 people hold this level" in page
    refused = client.post_form(path, {"move_to": 0})
    assert refused.status_code == 422
    assert not fresh(Level, p2.id).archived
    done = client.post_form(path, {"move_to": p3.id})
    assert done.status_code == 302
    assert fresh(Level, p2.id).archived
    db.session.expire_all()
    assert current_assignment(org.emp).level_id == p3.id
    assert current_assignment(org.peer).level_id == p3.id


def test_competency_grid_add_rename_reorder_retire(client, org):
    ladder = org.ladder_a
    client.login(org.hr.email)
    response = client.post_form(f"/ladders/{ladder.id}/competencies/new",
                                {"name": "Writing", "description": "Clear documents"})
    assert response.status_code == 302
    ladder = fresh(Ladder, ladder.id)
    writing = ladder.competencies[-1]
    levels = [lv for track in ladder.tracks for lv in track.levels]
    path = f"/ladders/{ladder.id}/competencies/{writing.id}"
    cells = {f"cell-{lv.id}": f"Writes at {lv.code} level" for lv in levels}
    response = client.post_form(path, {"name": "Written communication", "description": "Docs",
                                       "revision": writing.revision, **cells})
    assert response.status_code == 302
    texts = dict(db.session.execute(select(Expectation.level_id, Expectation.text).where(
        Expectation.competency_id == writing.id)).all())
    assert texts == {lv.id: f"Writes at {lv.code} level" for lv in levels}
    # A second HR tab still holding the old grid is refused.
    stale = client.post_form(path, {"name": "Writing", "description": "", "revision":
                                    writing.revision, **cells})
    assert stale.status_code == 409 and "expectation at P1" in stale.get_data(as_text=True)
    draft = f"/ladders/{ladder.id}/draft"
    client.post_form(f"{path}/move", {"direction": "up"}, token_from=draft)
    assert [c.name for c in fresh(Ladder, ladder.id).competencies][-2:] == [
        "Written communication", "Execution"]
    client.post_form(f"{path}/retire", {}, token_from=draft)
    assert fresh(Ladder, ladder.id).competencies[-2].retired


def test_rename_ladder_and_track(client, org):
    ladder = org.ladder_a
    track = ladder.tracks[1]
    client.login(org.hr.email)
    assert client.post_form(f"/ladders/{ladder.id}/draft", {
        "name": "Product", "description": "Ours", "revision": ladder.revision}).status_code == 302
    assert client.post_form(f"/ladders/{ladder.id}/tracks/{track.id}", {
        "name": "People leadership", "kind": "management",
        "revision": track.revision}).status_code == 302
    ladder = fresh(Ladder, ladder.id)
    assert (ladder.name, ladder.tracks[1].name) == ("Product", "People leadership")
    # Employees keep seeing the published version until HR publishes.
    client._cookies.clear()
    client.login(org.emp.email)
    body = client.get(f"/ladders/{ladder.id}").get_data(as_text=True)
    assert "Product Management" in body and "People leadership" not in body


def test_stale_ladder_and_track_saves_are_refused_too(client, org):
    ladder = org.ladder_a
    track = ladder.tracks[0]
    client.login(org.hr.email)
    for path, opened, mine, theirs in (
        (f"/ladders/{ladder.id}/draft", ladder.revision,
         {"name": "PM ladder (mine)", "description": ""},
         {"name": "PM ladder (theirs)", "description": ""}),
        (f"/ladders/{ladder.id}/tracks/{track.id}", track.revision,
         {"name": "Makers", "kind": "ic"}, {"name": "Builders", "kind": "ic"}),
    ):
        assert client.post_form(path, {**theirs, "revision": opened}).status_code == 302
        stale = client.post_form(path, {**mine, "revision": opened})
        body = stale.get_data(as_text=True)
        assert stale.status_code == 409, path
        assert "Hannah Hr changed name" in body and mine["name"] in body
    assert fresh(Ladder, ladder.id).name == "PM ladder (theirs)"
    assert fresh(Track, track.id).name == "Builders"
