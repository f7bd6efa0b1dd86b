"""The first pages, as each kind of user sees them."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from orgladder.access import Role
from orgladder.actors import SYSTEM_SEED
from orgladder.extensions import db
from orgladder.people.service import assign_level

from .factories import levels_of, make_company, make_person
from .test_levels_views import _count

ROW_NAME = re.compile(r'<th scope="row"><a href="/people/\d+">([^<]+)</a>')


def names_in_table(body: str) -> set[str]:
    return set(ROW_NAME.findall(body))


def text_of(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def test_home_differs_by_role(client, org):
    client.login(org.emp.email)
    body = text_of(client.get("/"))
    assert "P2" in body and "Product Manager" in body
    assert "Your team" not in body and 'href="/people"' not in body
    client.post_form("/logout", token_from="/")

    client.login(org.mgr.email)
    body = text_of(client.get("/"))
    assert "Your team" in body and "3 people" in body

    client.post_form("/logout", token_from="/")
    client.login(org.hr.email)
    body = text_of(client.get("/"))
    assert "The company" in body and "7 people" in body and "1 without a level" not in body


def test_team_summary_counts_who_has_no_level_in_force(client, org):
    make_person(org.a, "Nora Nolevel", manager=org.mgr)
    later = make_person(org.a, "Finn Future", manager=org.mgr)
    assign_level(org.hr, later, levels_of(org.a)["P1"], date.today() + timedelta(days=30),
                 "Starts next month")
    db.session.commit()
    client.login(org.mgr.email)
    body = text_of(client.get("/"))
    assert "5 people" in body and "2 without a level" in body


def test_my_level_shows_level_expectations_band_and_next_steps(client, org):
    client.login(org.lead.email)  # P3, Senior PM, started 2018
    body = text_of(client.get("/me"))
    assert "Senior Product Manager" in body
    assert "Expectations by competency" in body
    for competency in ["Communication", "Analytical thinking", "Customer empathy", "Leadership",
                       "Strategic thinking", "Technical acumen", "Execution"]:
        assert competency in body
    assert "5–8 years" in body
    assert "Next on the Individual contributor track" in body
    assert "Principal Product Manager" in body
    assert "Way into the Management track" in body and "Group Product Manager" in body


def test_my_level_at_an_equivalent_grade_offers_the_other_track(client, org):
    assign_level(SYSTEM_SEED, org.emp, levels_of(org.a)["P4"], date.today(), "Promoted")
    db.session.commit()
    client.login(org.emp.email)
    body = text_of(client.get("/me"))
    assert "Equivalent on the Management track" in body
    assert "Group Product Manager" in body
    assert "Next on the" not in body  # P4 is the top of the IC track


def test_my_level_without_a_level(client, org):
    client.login(org.hr.email)
    assert "You have no level yet" in text_of(client.get("/me"))


def test_future_assignment_is_not_yet_current(client, org):
    assign_level(SYSTEM_SEED, org.emp, levels_of(org.a)["P3"], date.today() + timedelta(days=30),
                 "Next")
    db.session.commit()
    client.login(org.emp.email)
    body = text_of(client.get("/me"))
    assert "<span class=\"code\">P2</span> Product Manager" in body


def test_years_band_position(client, org):
    org.emp.profession_start = date.today() - timedelta(days=int(365.25 * 9))
    db.session.commit()
    client.login(org.emp.email)
    body = text_of(client.get("/me"))
    assert "above the typical band of 2–5 years" in body


def test_ladder_page_aligns_equivalent_levels(client, org):
    client.login(org.emp.email)
    body = text_of(client.get(f"/ladders/{org.ladder_a.id}"))
    rows = body.split('class="ladder-row"')[1:]
    principal_row = next(row for row in rows if "Principal Product Manager" in row)
    assert "Group Product Manager" in principal_row
    assert "Senior Product Manager" not in principal_row
    grid = body[body.index('class="ladder"'):]
    assert grid.index("Chief Product Officer") < grid.index("Associate Product Manager")


def test_people_table_lists_the_subtree_with_levels(client, org):
    client.login(org.mgr.email)
    body = text_of(client.get("/people"))
    assert names_in_table(body) == {"Eli Employee", "Leo Lead", "Ida Indirect"}
    assert "Zed Foreigner" not in body


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "ida"}, {"Ida Indirect"}),
        ({"q": "LEO.LEAD@"}, {"Leo Lead"}),
        ({"manager": "lead"}, {"Ida Indirect"}),
        ({"level": "P1"}, {"Ida Indirect"}),
        ({"track": "Management"}, {"Mona Manager", "Pat Peermanager", "Bea Boss"}),
    ],
)
def test_people_filters(client, org, params, expected):
    query = dict(params)
    if "manager" in query:
        query["manager"] = org.lead.id
    if "level" in query:
        query["level"] = levels_of(org.a)[query["level"]].id
    if "track" in query:
        query["track"] = next(t.id for t in org.ladder_a.tracks if t.name == query["track"])
    client.login(org.hr.email)
    assert names_in_table(text_of(client.get("/people", query_string=query))) == expected


@pytest.mark.parametrize("query", [{"page": "-3"}, {"page": "99999999999999999999"},
                                   {"level": "abc"}, {"manager": "1e99"}, {"q": "%_\\'\""},
                                   {"track": "0"}])
def test_people_filters_never_fail_on_odd_input(client, org, query):
    client.login(org.hr.email)
    assert client.get("/people", query_string=query).status_code == 200


def test_deactivated_people_are_hidden_unless_asked(client, org):
    org.emp2.active = False
    db.session.commit()
    client.login(org.mgr.email)
    assert "Ida Indirect" not in names_in_table(text_of(client.get("/people")))
    body = text_of(client.get("/people", query_string={"inactive": "1"}))
    assert "Ida Indirect" in body and "deactivated" in body


def test_people_table_pages(app, client, org):
    app.config["PEOPLE_PAGE_SIZE"] = 3
    try:
        client.login(org.hr.email)
        first = text_of(client.get("/people"))
        assert "Page 1 of 3" in first
        last = text_of(client.get("/people", query_string={"page": 3}))
        assert "Page 3 of 3" in last and 'rel="next"' not in last
        # The count comes with a page's rows; a page with none counts on its own.
        counted = re.search(r"· (\d+) people", first).group(1)
        assert int(counted) > 6
        for beyond in (4, 99):
            past = text_of(client.get("/people", query_string={"page": beyond}))
            assert f"· {counted} people" in past and "No one matches" in past
    finally:
        app.config["PEOPLE_PAGE_SIZE"] = 50


def test_person_page_for_a_report(client, org):
    client.login(org.mgr.email)
    body = text_of(client.get(f"/people/{org.emp2.id}"))
    assert "Ida Indirect" in body and "Associate Product Manager" in body
    assert "reports to Leo Lead" in body


def _grow_team(company, manager, size: int) -> None:
    levels = levels_of(company)
    for i in range(size):
        make_person(company, f"Report {i}", manager=manager, level=["P1", "P2", "P3"][i % 3],
                    password=None)
    db.session.commit()
    del levels


@pytest.mark.parametrize("path", ["/people", "/", "/me", "/ladders"])
def test_page_queries_do_not_grow_with_the_org(app, client, ctx, queries, path):
    counts = []
    for size in (3, 40):
        company = make_company(f"grow{size}")
        manager = make_person(company, "Grace Manager", roles=[Role.MANAGER], level="M4")
        _grow_team(company, manager, size)
        client.login(manager.email)
        counts.append(_count(client, queries, path))
        client.post_form("/logout", token_from="/")
    assert counts[0] == counts[1], counts


def test_ladder_page_queries_do_not_grow_with_levels(app, client, org, queries):
    from orgladder.ladders.models import Expectation, Level
    from orgladder.ladders.versions import publish

    client.login(org.emp.email)
    ladder = org.ladder_a
    path = f"/ladders/{ladder.id}"
    client.get(path)
    with queries() as before:
        client.get(path)
    track = ladder.tracks[0]
    competencies = ladder.competencies
    for i in range(10):
        level = Level(company_id=org.a.id, ladder=ladder, code=f"X{i}", title=f"Extra {i}",
                      position=100 + i, min_years=0)
        track.all_levels.append(level)
        for competency in competencies:
            level.expectations.append(Expectation(company_id=org.a.id, competency=competency,
                                                  text=f"Extra expectation {i}"))
    publish(org.hr, ladder, "Ten more levels")
    db.session.commit()
    # The first reader of a new version has the process build it; the next are counted.
    assert "Extra 9" in client.get(path).get_data(as_text=True)
    with queries() as after:
        body = client.get(path).get_data(as_text=True)
    assert "Extra 9" in body
    assert len(after) == len(before)
