"""The API reads the published ladder for everyone but HR asking for the draft, and refuses
to assign a level that is not published."""

from __future__ import annotations

import json
from datetime import date

from ..test_draft_visibility import DRAFT_WORDS, draft  # noqa: F401 (a fixture)
from .conftest import assert_problem


def assert_no_draft(response, where: str) -> None:
    assert response.status_code == 200, (where, response.get_data(as_text=True))
    text = json.dumps(response.get_json())
    for words in DRAFT_WORDS:
        assert words not in text, f"{words!r} in {where}"


def test_people_levels_and_ladders_read_the_published_version(api, org, draft):  # noqa: F811
    ladder = org.ladder_a
    manager, employee = api(org.mgr), api(org.emp)
    for where in ("/api/v1/people", f"/api/v1/people/{org.emp.id}",
                  f"/api/v1/people/{org.emp.id}/assignments",
                  f"/api/v1/people/{org.emp.id}/expectations", f"/api/v1/ladders/{ladder.id}",
                  "/api/v1/ladders"):
        assert_no_draft(manager.get(where), where)
    assert_no_draft(employee.get(f"/api/v1/ladders/{ladder.id}"), "the employee's ladder")
    assert_no_draft(employee.get("/api/v1/me"), "/api/v1/me")
    level = ladder.tracks[0].levels[1]
    assert_no_draft(manager.get(f"/api/v1/ladders/{ladder.id}/levels/{level.id}"), "a level")
    # HR reads the draft when asking for it, and the published version otherwise
    assert "Draftonly Retitle" in json.dumps(api(org.hr).get(
        f"/api/v1/ladders/{ladder.id}?view=draft").get_json())
    assert_no_draft(api(org.hr).get(f"/api/v1/ladders/{ladder.id}?view=published"), "HR")


def test_assigning_a_draft_only_level_is_refused(api, org, draft):  # noqa: F811
    response = api(org.mgr).post(f"/api/v1/people/{org.emp.id}/assignments", json={
        "level_id": draft.id, "effective_date": date.today().isoformat(), "reason": "Try"})
    body = assert_problem(response, 422)
    assert "not published yet" in json.dumps(body)
