"""Only HR editing a draft sees the draft: a draft-only rename and a draft-only level reach no
page a manager or an employee reads (the people table and its filters, the level chart, the
assign form, the person page, My level, the ladder pages), nor the API; a draft-only level
cannot be assigned."""

from __future__ import annotations

from datetime import date

import pytest

from orgladder.extensions import db
from orgladder.ladders import editing
from orgladder.ladders.models import Level
from orgladder.people.models import LevelAssignment, Person
from orgladder.people.service import current_assignment

from .factories import levels_of, retitle

RENAMED = "Draftonly Retitle"
NEW_CODE, NEW_TITLE, NEW_SUMMARY = "P9", "Draftonly Level", "Draftonly summary text"
DRAFT_WORDS = (RENAMED, NEW_TITLE, NEW_SUMMARY)


@pytest.fixture
def draft(org) -> Level:
    """HR retitles P2 (Eli's and Pia's level) and adds P9 in the draft, publishing neither."""
    levels = levels_of(org.a)
    retitle(org.hr, levels["P2"], RENAMED)
    top = levels["P4"]
    values = {field: getattr(top, field) for field in editing.LEVEL_FIELDS}
    new = editing.add_level(org.hr, top.track, {**values, "code": NEW_CODE, "title": NEW_TITLE,
                                               "summary": NEW_SUMMARY, "grade": 9}, top)
    db.session.commit()
    return new


def assert_no_draft(page: str, where: str) -> None:
    for words in DRAFT_WORDS:
        assert words not in page, f"{words!r} shows on {where}"


def test_managers_pages_show_the_published_ladder(client, org, draft):
    client.login(org.mgr.email)
    for path in ("/people", f"/people?level={levels_of(org.a)['P2'].id}", "/people/levels",
                 f"/people/levels?manager={org.mgr.id}", f"/people/{org.emp.id}",
                 f"/people/{org.emp.id}/level", f"/ladders/{org.ladder_a.id}", "/ladders", "/me"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert_no_draft(response.get_data(as_text=True), path)
    table = client.get("/people").get_data(as_text=True)
    assert "P2</span> Product Manager<" in table  # P2 under its published title
    assert f'value="{draft.id}"' not in client.get(f"/people/{org.emp.id}/level").get_data(
        as_text=True)


def test_an_employee_reads_the_published_level(client, org, draft):
    client.login(org.emp.email)
    for path in ("/me", f"/ladders/{org.ladder_a.id}", "/ladders"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert_no_draft(response.get_data(as_text=True), path)


def test_hr_sees_the_draft_in_the_studio_only(client, org, draft):
    client.login(org.hr.email)
    studio = client.get(f"/ladders/{org.ladder_a.id}/draft").get_data(as_text=True)
    assert RENAMED in studio and NEW_TITLE in studio
    assert_no_draft(client.get("/people").get_data(as_text=True), "HR's people table")
    assert_no_draft(client.get("/people/levels").get_data(as_text=True), "HR's level chart")


def test_a_draft_only_level_cannot_be_assigned_on_the_page(client, org, draft):
    client.login(org.mgr.email)
    response = client.post_form(f"/people/{org.emp.id}/level", {
        "level": draft.id, "effective_date": date.today().isoformat(), "reason": "Try"})
    assert response.status_code == 422  # not among the choices: the published levels
    db.session.expire_all()
    assert current_assignment(db.session.get(Person, org.emp.id)).level.code == "P2"


def test_a_level_held_before_it_was_published_shows_nothing_of_the_draft(client, org, draft):
    """Held from a time the rule was not kept (or by hand): My level and the person page show
    no draft text, and the next step of a published level is never a draft-only one."""
    db.session.add(LevelAssignment(company_id=org.a.id, person_id=org.emp.id, level_id=draft.id,
                                   effective_date=date.today(), reason="Before the rule"))
    db.session.commit()
    client.login(org.emp.email)
    assert_no_draft(client.get("/me").get_data(as_text=True), "My level")
    client.login(org.mgr.email)
    assert_no_draft(client.get(f"/people/{org.emp.id}").get_data(as_text=True), "person page")
    assert_no_draft(client.get("/people").get_data(as_text=True), "people table")


def test_publishing_shows_the_draft_to_everyone(client, org, draft):
    from orgladder.ladders import versions

    versions.publish(org.hr, org.ladder_a, "P2 retitled, P9 added")
    db.session.commit()
    client.login(org.mgr.email)
    assert RENAMED in client.get("/people").get_data(as_text=True)
    assert f'value="{draft.id}"' in client.get(f"/people/{org.emp.id}/level").get_data(
        as_text=True)



def test_a_people_file_cannot_assign_a_draft_only_level(org, draft):
    from orgladder.people.importer import dry_run

    data = (f"email,name,manager_email,level\nnew@acmetest.test,Nia New,{org.mgr.email},"
            f"{NEW_CODE}\n").encode()
    _, plan, batch = dry_run(org.hr, "people.csv", data)
    assert batch is None
    assert any(issue.column == "level" and "not published yet" in issue.message
               for issue in plan.issues)
