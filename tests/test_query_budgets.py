"""Query budgets: the key pages send as many SQL statements for a large org as for a small one.

Team pages as a manager are covered in test_levels_views and test_pages; these add HR's view of
the whole company and pages whose content grows with a person's history.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from orgladder.extensions import db
from orgladder.people.service import assign_level

from .factories import levels_of
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
