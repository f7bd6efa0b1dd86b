"""My level (gap view, history), the distribution chart, and constant query counts."""

from __future__ import annotations

import io
import re
from datetime import date

from orgladder.computed import EXTENSION as COMPUTED
from orgladder.extensions import db
from orgladder.ladders import versions
from orgladder.people.importer import confirm, dry_run
from orgladder.people.service import assign_level

from .factories import levels_of, retitle


def test_my_level_shows_gap_to_next_and_equivalent_levels_and_history(client, org):
    levels = levels_of(org.a)
    assign_level(org.mgr, org.emp, levels["P3"], date(2025, 1, 1), "Leads discovery alone")
    db.session.commit()
    client.login(org.emp.email)
    page = client.get("/me").get_data(as_text=True)
    assert 'id="current-level"><span class="code">P3' in page
    assert "Next on the Individual contributor track" in page and "P4" in page
    assert "Equivalent on the" in page and "M3" in page or "Way into the" in page
    assert "What changes from P3 to P4" in page
    assert "<ins>" in page  # words the next level adds
    assert "Your level history" in page
    assert "Promotion" in page and "Leads discovery alone" in page
    assert "Decided by Mona Manager" in page
    assert "typical band" in page


def test_track_switch_is_recognisable(ctx, org):
    from orgladder.people.history import level_history

    levels = levels_of(org.a)
    p4, equivalent = levels["P4"], None
    for level in levels.values():
        if level.grade == p4.grade and level.track_id != p4.track_id:
            equivalent = level
    assign_level(org.hr, org.emp, p4, date(2025, 1, 1), "Principal")
    assign_level(org.hr, org.emp, equivalent, date(2025, 6, 1), "Took over a team")
    kinds = [entry.kind for entry in level_history(org.emp)]
    assert kinds[:2] == ["track_switch", "promotion"]


def test_distribution_chart_and_band_flags(client, org):
    client.login(org.mgr.email)
    page = client.get("/people/levels").get_data(as_text=True)
    assert "<svg class=\"distribution\"" in page
    # mgr sees emp (P2), lead (P3), emp2 (P1): three people, each one bar
    assert "3 active people" in page
    assert "P2 Product Manager: 1 (1 outside the typical years band)" in page
    assert page.count('<rect class="bar-within') == 8  # every level of the ladder has a row
    assert org.peer.name not in page
    # everyone started in 2018: P1 (0-2 years) is below... above the band
    assert "Outside the typical years band" in page
    assert re.search(r"Ida Indirect</a></th>.*?above band", page, re.S)
    team = client.get(f"/people/levels?manager={org.lead.id}").get_data(as_text=True)
    assert "Leo Lead's team" in team and "1 active person" in team


def _grow_team(hr, manager, count: int, prefix: str = "r") -> None:
    rows = "\n".join(f"{prefix}{i}@acmetest.test,Report {i},{manager.email},P{1 + i % 4},2019-01-01"
                     for i in range(count))
    data = f"email,name,manager_email,level,profession_start\n{rows}\n".encode()
    _, plan, batch = dry_run(hr, "team.csv", data)
    assert batch is not None, plan.issues[:3]
    confirm(hr, batch)
    db.session.commit()


def _count(client, queries, path: str) -> tuple[int, int]:
    """Statements of a page: computed, as the first view after a change of the company's
    data, and then with what it keeps (``orgladder.computed``)."""
    # Warm up first: what a process does once (building a published ladder's view) is not
    # what grows with the org.
    assert client.get(path).status_code == 200
    client.application.extensions[COMPUTED].clear()
    counts = []
    for _ in range(2):
        with queries() as q:
            assert client.get(path).status_code == 200
        counts.append(len(q))
    return counts[0], counts[1]


def test_team_pages_cost_the_same_for_10_and_1000_reports(client, org, queries):
    client.login(org.lead.email)
    _grow_team(org.hr, org.lead, 10)
    small = {p: _count(client, queries, p) for p in ("/people", "/people/levels")}
    _grow_team(org.hr, org.emp2, 990, prefix="s")  # indirect reports of the lead
    large = {p: _count(client, queries, p) for p in ("/people", "/people/levels")}
    assert small == large
    body = client.get("/people").get_data(as_text=True)
    assert "1001 people" in body, body[body.index("<hgroup"):][:300]


def test_export_xlsx_is_a_workbook(client, org):
    from openpyxl import load_workbook

    client.login(org.hr.email)
    response = client.get("/people/export.xlsx")
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("email", "name", "manager_email") and len(rows) == 9
    assert client.get("/people/export.pdf").status_code == 404


def test_the_manager_filter_lists_managers_while_the_list_is_short(app, client, org,
                                                                     monkeypatch):
    from orgladder.people import directory

    client.login(org.hr.email)
    page = client.get("/people").get_data(as_text=True)
    offered = f'<option value="{org.lead.id}" >{org.lead.name}</option>'
    assert offered in page  # a short list: every manager offered
    monkeypatch.setattr(directory, "MANAGER_CHOICES", 2)
    app.extensions[COMPUTED].clear()  # the list was kept; a new limit comes with a restart
    page = client.get("/people").get_data(as_text=True)
    assert offered not in page
    assert "choose their name in the Manager column" in page
    # The Manager column links to that manager's reports, and the choice is kept on the form.
    link = f'href="/people?manager={org.lead.id}"'
    assert link in page
    # ... keeping the other filters, from the first page.
    searched = client.get("/people?q=i&page=1").get_data(as_text=True)
    assert f'href="/people?q=i&amp;manager={org.lead.id}"' in searched
    submitted = client.get("/people?q=&level=&manager=&page=1").get_data(as_text=True)
    assert f'href="/people?q=&amp;level=&amp;manager={org.lead.id}"' in submitted
    team = client.get(f"/people?manager={org.lead.id}&page=1").get_data(as_text=True)
    assert f'<input type="hidden" name="manager" value="{org.lead.id}">' in team
    assert "Ida Indirect" in team and "Eli Employee" not in team
    # Another company's manager is no filter at all.
    foreign = client.get(f"/people?manager={org.hr_b.id}").get_data(as_text=True)
    assert org.hr_b.name not in foreign


def test_the_people_filters_are_kept_and_show_a_change_at_once(client, org, queries):
    """The manager and level filters are kept between views of the table until the company's
    data changes: a person given a report and a level retitled show on the next view."""
    from orgladder.people import hr

    client.login(org.hr.email)
    eli = f'<option value="{org.emp.id}" >{org.emp.name}</option>'
    assert eli not in client.get("/people").get_data(as_text=True)  # Eli manages no one
    with queries() as statements:
        client.get("/people")
    assert not [s for s in statements if "FROM ladders" in s], statements

    hr.update_person(org.hr, org.peer, name=org.peer.name, email=org.peer.email,
                     manager=org.emp, profession_start=org.peer.profession_start,
                     roles=hr.company_roles(org.peer))
    level = levels_of(org.a)["P3"]
    retitle(org.hr, level, "Senior PM")
    db.session.commit()
    page = client.get("/people").get_data(as_text=True)
    assert eli in page
    # A draft's retitle is the studio's alone; published, it shows at once.
    assert "P3 Senior Product Manager</option>" in page and "P3 Senior PM</option>" not in page
    versions.publish(org.hr, org.ladder_a, "Retitled P3")
    db.session.commit()
    page = client.get("/people").get_data(as_text=True)
    assert "P3 Senior PM</option>" in page and "P3 Senior Product Manager</option>" not in page
