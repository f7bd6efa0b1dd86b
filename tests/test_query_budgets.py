"""Query budgets: the key pages and API lists send as many SQL statements for a large org as
for a small one.

Team pages as a manager are covered in test_levels_views and test_pages; these add HR's view of
the whole company, pages whose content grows with a person's history, and the API's people and
calibration entry lists.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import select

from orgladder.access import Role
from orgladder.calibration import service
from orgladder.calibration.states import CycleState
from orgladder.extensions import db
from orgladder.ladders.models import Ladder
from orgladder.people.service import assign_level

from .calibration_setup import grow_reports, rate_everyone
from .factories import levels_of, make_company, make_person, make_token
from .test_levels_views import _count, _grow_team

HR_PAGES = ("/", "/people", "/people?page=2", "/people/levels", "/people?q=report")


def test_hr_pages_cost_the_same_for_10_and_1000_people(client, org, queries):
    client.login(org.hr.email)
    _grow_team(org.hr, org.boss, 60)  # two pages of the people table from the start
    small = {path: _count(client, queries, path) for path in HR_PAGES}
    before = head_count(client)
    _grow_team(org.hr, org.emp2, 940, prefix="s")
    large = {path: _count(client, queries, path) for path in HR_PAGES}
    assert small == large
    assert head_count(client) == before + 940 > 1000


def head_count(client) -> int:
    page = client.get("/people").get_data(as_text=True)
    return int(re.search(r"· (\d+) people", page).group(1))


def test_history_pages_cost_the_same_for_2_and_30_level_changes(client, org, queries):
    levels = levels_of(org.a)
    person_page, own_page = f"/people/{org.emp.id}", "/me"

    def add_history(count: int, start: date) -> None:
        for i in range(count):
            code = ["P1", "P2", "P3", "M4"][i % 4]
            assign_level(org.hr, org.emp, levels[code], start + timedelta(days=i), f"Step {i}")
        db.session.commit()

    add_history(2, date(2015, 1, 1))
    client.login(org.mgr.email)
    small_person = _count(client, queries, person_page)
    client.login(org.emp.email)
    small_own = _count(client, queries, own_page)

    add_history(28, date(2016, 1, 1))
    client.login(org.mgr.email)
    large_person = _count(client, queries, person_page)
    assert "Step 27" in client.get(person_page).get_data(as_text=True)
    client.login(org.emp.email)
    assert (small_person, small_own) == (large_person, _count(client, queries, own_page))


def _api_counts(client, queries, paths, secret: str) -> dict[str, int]:
    """Statements per API call, each measured after a first call (which may note the token's
    last use: a write once a minute, not what is measured)."""
    headers = {"Authorization": f"Bearer {secret}"}
    counts = {}
    for path in paths:
        client.get(path, headers=headers)
        with queries() as q:
            response = client.get(path, headers=headers)
        assert response.status_code == 200, response.get_data(as_text=True)
        counts[path] = len(q)
    return counts


def test_the_api_people_list_costs_the_same_for_10_and_1000_people(client, org, queries):
    paths = ("/api/v1/people", "/api/v1/people?page=2&per_page=20",
             "/api/v1/people?per_page=200", f"/api/v1/people?manager_id={org.boss.id}")
    secret = make_token(org.hr)
    _grow_team(org.hr, org.boss, 60)  # every path shows a full page from the start
    small = _api_counts(client, queries, paths, secret)
    _grow_team(org.hr, org.emp2, 940, prefix="s")
    large = _api_counts(client, queries, paths, secret)
    assert small == large
    listed = client.get("/api/v1/people?per_page=200",
                        headers={"Authorization": f"Bearer {secret}"}).get_json()
    assert listed["total"] > 1000 and len(listed["items"]) == 200
    assert all(item["level"] for item in listed["items"] if item["name"].startswith("Report"))


def test_the_api_entry_list_costs_the_same_for_10_and_1000_entries(client, queries):
    counts = []
    for size in (10, 1000):
        company = make_company(f"apical{size}")
        hr = make_person(company, "Harper Hr", roles=[Role.HR])
        manager = make_person(company, "Grace Manager", roles=[Role.MANAGER], level="M4")
        grow_reports(company, manager, size, levels_of(company))
        ladder = db.session.scalar(select(Ladder).where(Ladder.company_id == company.id))
        cycle = service.create_cycle(hr, name="Big", ladder=ladder, population_root=manager,
                                     period_start=date(2026, 1, 1), period_end=date(2026, 6, 30))
        service.add_session(hr, cycle, name="All", root=None, facilitator=hr,
                            participants=[manager])
        service.transition(hr, cycle, CycleState.PREPARATION)
        rate_everyone(cycle)
        service.transition(hr, cycle, CycleState.IN_SESSION)
        db.session.commit()
        base = f"/api/v1/calibrations/{cycle.id}/entries"
        paths = (base, f"{base}?per_page=200", f"{base}?page=2&per_page=5")
        counts.append({who: list(_api_counts(client, queries, paths,
                                             make_token(person)).values())
                       for who, person in (("manager", manager), ("hr", hr))})
        listed = client.get(f"{base}?per_page=200",
                            headers={"Authorization": f"Bearer {make_token(manager)}"})
        assert listed.get_json()["total"] == size
        assert len(listed.get_json()["items"]) == min(size, 200)
    assert counts[0] == counts[1], counts
