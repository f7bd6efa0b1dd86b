"""The session page (charts, 9-box, flags, table) and the lists, as users see them; and the
session page's query count at 10 and 1,000 entries."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from orgladder.access import Role
from orgladder.actors import SYSTEM_SEED
from orgladder.calibration import entries, service
from orgladder.calibration.models import CalibrationSession
from orgladder.calibration.scales import band
from orgladder.calibration.states import CycleState
from orgladder.extensions import db
from orgladder.ladders.models import Ladder
from orgladder.people import hr
from orgladder.people.models import Person
from orgladder.people.service import assign_level

from .calibration_setup import (
    advance_to,
    entry_of,
    entry_rows,
    form_of,
    fresh,
    grow_reports,
    rate_everyone,
    session_named,
    standard_cycle,
    without_tokens,
)
from .factories import levels_of, make_company, make_person


def fill(org, cycle, person, code, performance, potential, ready=False):
    entry = entry_of(cycle, person)
    entries.save_entry(org.hr, entry, proposed_level=levels_of(org.a)[code],
                       performance=performance, potential=potential, promotion_ready=ready,
                       expected_revision=entry.revision)


@pytest.fixture
def session_cycle(org):
    """Everyone else's session filled in: Bea's reports rated high, Pat's low."""
    cycle = standard_cycle(org, CycleState.PREPARATION, target=[10, 20, 40, 20, 10])
    fill(org, cycle, org.mgr, "M4", 5, 3)
    fill(org, cycle, org.peer_mgr, "M4", 5, 2)
    fill(org, cycle, org.peer, "P2", 1, 1)
    fill(org, cycle, org.boss, "M5", 3, 2)
    service.transition(org.hr, cycle, CycleState.IN_SESSION)
    db.session.commit()
    return cycle


def test_the_session_page_shows_distribution_nine_box_and_table(client, org, session_cycle):
    session = session_named(session_cycle, "Everyone else")
    client.login(org.hr.email)
    body = client.get(f"/calibrations/sessions/{session.id}").get_data(as_text=True)
    assert 'role="img"' in body and "Performance ratings against the target" in body
    assert "5 · Far exceeds expectations" in body and "2 (50%)" in body and "target 10%" in body
    assert "M4 Group Product Manager" in body  # proposed-level chart
    nine_box = body[body.index('class="nine-box"'):body.index("Flags to discuss")]
    high_high = re.search(r'box-p2-q2".*?</td>', nine_box, re.S).group(0)
    assert "Mona Manager" in high_high and "Pat Peermanager" not in high_high
    assert "Pia Peer" in re.search(r'box-p0-q0".*?</td>', nine_box, re.S).group(0)
    assert entry_rows(body) == ["Bea Boss", "Mona Manager", "Pat Peermanager", "Pia Peer"]


@pytest.mark.parametrize(("query", "names"), [
    ({"sort": "performance"}, ["Pia Peer", "Bea Boss", "Mona Manager", "Pat Peermanager"]),
    ({"sort": "performance", "dir": "desc"},
     ["Pat Peermanager", "Mona Manager", "Bea Boss", "Pia Peer"]),
    ({"sort": "proposed"}, ["Pia Peer", "Mona Manager", "Pat Peermanager", "Bea Boss"]),
    ({"rating": "5"}, ["Mona Manager", "Pat Peermanager"]),
    ({"manager": "peer_mgr"}, ["Pia Peer"]),
    ({"level": "M4"}, ["Mona Manager", "Pat Peermanager"]),
    ({"track": "Management"}, ["Bea Boss", "Mona Manager", "Pat Peermanager"]),
    ({"sort": "nonsense", "rating": "x", "manager": "-1"},
     ["Bea Boss", "Mona Manager", "Pat Peermanager", "Pia Peer"]),
])
def test_the_table_sorts_and_filters(client, org, session_cycle, query, names):
    query = dict(query)
    if query.get("manager") == "peer_mgr":
        query["manager"] = org.peer_mgr.id
    if query.get("level") == "M4":
        query["level"] = levels_of(org.a)["M4"].id
    if query.get("track") == "Management":
        query["track"] = next(t.id for t in org.ladder_a.tracks if t.name == "Management")
    client.login(org.hr.email)
    session = session_named(session_cycle, "Everyone else")
    response = client.get(f"/calibrations/sessions/{session.id}", query_string=query)
    assert response.status_code == 200
    assert entry_rows(response.get_data(as_text=True)) == names


def test_the_table_pages_keeping_the_sort_and_filters(app, client, org, session_cycle):
    """Three to a page, sorted by performance: the pages follow the sort, the links keep it,
    and the charts still count the whole session."""
    app.config["PEOPLE_PAGE_SIZE"] = 3
    try:
        client.login(org.hr.email)
        session = session_named(session_cycle, "Everyone else")
        path = f"/calibrations/sessions/{session.id}"
        first = client.get(path, query_string={"sort": "performance"}).get_data(as_text=True)
        assert entry_rows(first) == ["Pia Peer", "Bea Boss", "Mona Manager"]
        assert "1–3 of 4 people" in first and "2 (50%)" in first  # the chart counts all four
        following = re.search(r'<a href="([^"]+)" rel="next">', first).group(1)
        assert "sort=performance" in following and "page=2" in following
        second = client.get(following.replace("&amp;", "&")).get_data(as_text=True)
        assert entry_rows(second) == ["Pat Peermanager"] and "4–4 of 4 people" in second
        assert 'rel="prev"' in second and 'rel="next"' not in second
        # A page past the end shows the last one; a filter counts what matches.
        assert entry_rows(client.get(path, query_string={"page": 99}).get_data(
            as_text=True)) == ["Pia Peer"]
        rated_five = client.get(path, query_string={"rating": 5}).get_data(as_text=True)
        assert "2 matching (of 4)" in rated_five and 'rel="next"' not in rated_five
        for nonsense in ("abc", "-3", "0", "9" * 30, ""):  # typed into the address bar
            response = client.get(path, query_string={"page": nonsense})
            assert response.status_code == 200 and entry_rows(response.get_data(as_text=True))
        # Sorting starts again from the first page.
        sort_link = re.search(r'<a href="([^"]+)">Potential', second).group(1)
        assert "page=" not in sort_link
    finally:
        app.config["PEOPLE_PAGE_SIZE"] = 50


def test_outliers_are_flagged(client, org, session_cycle):
    """Bea's reports average 5.0 against a session average of 3.5; Pia, two years in, is
    proposed for a level typically reached after twelve; and Eli, promoted two months ago,
    is proposed for another promotion."""
    fill(org, session_cycle, org.peer, "M5", 1, 1)
    org.peer.profession_start = date.today() - timedelta(days=2 * 365)
    assign_level(SYSTEM_SEED, org.emp, levels_of(org.a)["P3"], date.today() - timedelta(days=60),
                 "Promoted")
    db.session.commit()
    client.login(org.hr.email)
    body = client.get(f"/calibrations/sessions/{session_named(session_cycle, 'Everyone else').id}"
                      ).get_data(as_text=True)
    assert "Bea Boss&#39;s 2 reports average 5.0; the session averages 3.5." in body
    assert "Pia Peer: M5 proposed (typically 12+ years) with 2.0 years of experience." in body
    team = session_named(session_cycle, "Mona's team")
    # Promoted two months ago but proposed to stay: nothing to flag.
    body = client.get(f"/calibrations/sessions/{team.id}").get_data(as_text=True)
    assert "Eli Employee" in body and "last promoted" not in body
    entry = entry_of(session_cycle, org.emp)
    entries.save_entry(org.hr, entry, proposed_level=levels_of(org.a)["P4"], performance=4,
                       potential=3, promotion_ready=True, expected_revision=entry.revision)
    db.session.commit()
    body = client.get(f"/calibrations/sessions/{team.id}").get_data(as_text=True)
    promoted = (date.today() - timedelta(days=60)).strftime("%-d %B %Y")
    assert f"Eli Employee: promotion to P4 proposed, last promoted on {promoted}." in body


@pytest.mark.parametrize(("steps", "bands"), [
    (5, [0, 0, 1, 2, 2]), (3, [0, 1, 2]), (4, [0, 1, 1, 2]), (2, [0, 2]),
    (7, [0, 0, 1, 1, 1, 2, 2]), (10, [0, 0, 0, 1, 1, 1, 1, 2, 2, 2]),
])
def test_nine_box_bands_are_symmetric(steps, bands):
    assert [band(v, steps) for v in range(1, steps + 1)] == bands


def test_the_cycle_list_shows_each_person_what_they_do(client, org):
    cycle = standard_cycle(org, CycleState.PREPARATION)
    client.login(org.mgr.email)
    body = client.get("/calibrations").get_data(as_text=True)
    assert "3 entries to prepare" in body
    client.login(org.peer.email)
    assert client.get("/calibrations").status_code == 403
    advance_to(org.hr, cycle, CycleState.IN_SESSION)
    db.session.commit()
    client.login(org.boss.email)
    body = client.get("/calibrations").get_data(as_text=True)
    assert "Session Everyone else" in body and "Session Mona" not in body


def test_the_calibrations_link_is_shown_to_those_who_calibrate(client, org):
    client.login(org.mgr.email)
    assert 'href="/calibrations"' in client.get("/").get_data(as_text=True)
    client.login(org.emp.email)
    assert 'href="/calibrations"' not in client.get("/").get_data(as_text=True)


def test_the_session_page_queries_do_not_grow_with_the_session(client, queries):
    counts = []
    for size in (10, 1000):
        company = make_company(f"cal{size}")
        hr = make_person(company, "Harper Hr", roles=[Role.HR])
        manager = make_person(company, "Grace Manager", roles=[Role.MANAGER], level="M4")
        levels = levels_of(company)
        grow_reports(company, manager, size, levels)
        ladder = db.session.scalar(select(Ladder).where(Ladder.company_id == company.id))
        cycle = service.create_cycle(hr, name="Big", ladder=ladder, population_root=manager,
                                     period_start=date(2026, 1, 1), period_end=date(2026, 6, 30),
                                     target_distribution=[10, 20, 40, 20, 10])
        session = service.add_session(hr, cycle, name="All", root=None, facilitator=hr,
                                      participants=[manager])
        service.transition(hr, cycle, CycleState.PREPARATION)
        rate_everyone(cycle)
        service.transition(hr, cycle, CycleState.IN_SESSION)
        db.session.commit()
        path = f"/calibrations/sessions/{session.id}"
        client.login(hr.email)
        client.get(path)  # warm-up: first-request work is not what we measure
        client.login(manager.email)  # the manager's own figures: computed on the first view
        with queries() as computing:
            response = client.get(path)
        with queries() as kept:
            again = client.get(path)
        assert response.status_code == again.status_code == 200
        body = response.get_data(as_text=True)
        assert without_tokens(again.get_data(as_text=True)) == without_tokens(body)
        # The charts count everyone; the table shows one page of them.
        assert len(entry_rows(body)) == min(size, 50)
        assert (f"1–50 of {size} people" if size > 50 else f"{size} people") in body
        assert len(kept) < len(computing)
        counts.append((len(computing), len(kept)))
        client.post_form("/logout", token_from="/")
    assert counts[0] == counts[1], counts


def test_the_demo_company_is_in_session_with_prepared_entries(client, ctx):
    from orgladder.calibration.models import CalibrationCycle, CalibrationEntry
    from orgladder.companies import find_company
    from orgladder.demo import DEFAULT_PASSWORD, DEMO_SLUG, seed_demo

    seed_demo(DEFAULT_PASSWORD)
    cycle = db.session.scalar(select(CalibrationCycle).where(
        CalibrationCycle.company_id == find_company(DEMO_SLUG).id))
    assert cycle.state == "in_session"
    prepared = db.session.scalars(select(CalibrationEntry).where(
        CalibrationEntry.cycle_id == cycle.id)).all()
    assert len(prepared) == 13 and all(e.prepared_at for e in prepared)
    assert sorted(s.name for s in cycle.sessions) == ["Growth", "Platform",
                                                      "Product leadership"]
    client.login("julia@acme.example", DEFAULT_PASSWORD)
    growth = session_named(cycle, "Growth")
    body = client.get(f"/calibrations/sessions/{growth.id}").get_data(as_text=True)
    assert entry_rows(body) == ["Emma Laurent", "Kenji Sato", "Noah Williams", "Sofia Rossi"]
    assert "Noah Williams: P3 proposed" in body
    client.login("kenji@acme.example", DEFAULT_PASSWORD)
    assert client.get(f"/calibrations/sessions/{growth.id}").status_code == 403


def test_a_stale_session_edit_is_refused_and_keeps_the_edit(client, org):
    cycle = standard_cycle(org, CycleState.PREPARATION)
    session = session_named(cycle, "Mona's team")
    path = f"/calibrations/sessions/{session.id}/edit"
    opened = session.revision
    client.login(org.hr.email)
    theirs = client.post_form(path, {"name": "Mona's org", "facilitator": org.hr.id,
                                     "participants": [org.mgr.id], "revision": opened})
    assert theirs.status_code == 302
    mine = client.post_form(path, {"name": "Product team", "facilitator": org.hr.id,
                                   "participants": [org.mgr.id, org.lead.id, org.boss.id],
                                   "revision": opened})
    body = mine.get_data(as_text=True)
    assert mine.status_code == 409 and "Someone changed this session" in body
    assert 'value="Product team"' in body  # the user's edit is still in the form
    saved = fresh(CalibrationSession, session.id)
    assert saved.name == "Mona's org" and [p.id for p in saved.participants] == [org.mgr.id]
    again = client.post_form(path, {"name": "Product team", "facilitator": org.hr.id,
                                    "participants": [org.mgr.id, org.lead.id],
                                    "revision": saved.revision})
    assert again.status_code == 302
    assert fresh(CalibrationSession, session.id).name == "Product team"


def test_the_session_rows_start_with_the_entry_columns_in_order():
    """The session page builds its rows from ENTRY_COLUMNS by position."""
    from dataclasses import fields

    from orgladder.calibration.analytics import ENTRY_COLUMNS, EntryRow
    assert tuple(f.name for f in fields(EntryRow))[:len(ENTRY_COLUMNS)] == ENTRY_COLUMNS


def test_the_session_page_is_kept_between_views_and_shows_every_change(
        app, client, org, session_cycle, queries):
    """What the page computes from every entry is kept between views until the company's
    data changes: a second view reads no entry, and an entry saved through its form and a
    person renamed show on the very next view, in the table and in the 9-box."""
    session = session_named(session_cycle, "Everyone else")
    path = f"/calibrations/sessions/{session.id}"
    client.login(org.boss.email)
    client.get(path)
    # Opening an entry audits the reading of its notes, which changes no data.
    assert client.get(f"/calibrations/entries/{entry_of(session_cycle, org.peer).id}"
                      ).status_code == 200
    with queries() as statements:
        assert "Pia Peer" in rows_of(client, path)
    assert not [s for s in statements if "calibration_entries" in s], statements
    assert "Pia Peer" not in rows_of(client, path + "?rating=4")

    hannah = app.test_client()
    hannah.login(org.hr.email)
    form = form_of(hannah, entry_of(session_cycle, org.peer))
    form.update(proposed_level=levels_of(org.a)["P2"].id, performance=4, potential=1)
    saved = hannah.post(f"/calibrations/entries/{entry_of(session_cycle, org.peer).id}",
                        data=form)
    assert saved.status_code == 302
    assert rows_of(client, path + "?rating=4") == ["Pia Peer"]

    peer = fresh(Person, org.peer.id)
    hr.update_person(org.hr, peer, name="Pia Newname", email=peer.email, manager=peer.manager,
                     profession_start=peer.profession_start, roles=hr.company_roles(peer))
    db.session.commit()
    body = client.get(path).get_data(as_text=True)
    assert "Pia Newname" in entry_rows(body)
    assert "Pia Peer" not in body  # nor in the 9-box, kept as HTML with the figures


def test_each_participant_sees_their_own_figures_at_one_revision(app, org, session_cycle):
    """Bea and Pat both take part, and neither sees their own entry: what one is shown is
    never what the other was."""
    session = session_named(session_cycle, "Everyone else")
    path = f"/calibrations/sessions/{session.id}"
    bea, pat = app.test_client(), app.test_client()
    bea.login(org.boss.email)
    pat.login(org.peer_mgr.email)  # both signed in: the views below share one revision
    assert rows_of(bea, path) == ["Hannah Hr", "Mona Manager", "Pat Peermanager", "Pia Peer"]
    assert rows_of(pat, path) == ["Bea Boss", "Hannah Hr", "Mona Manager", "Pia Peer"]


def rows_of(client, path: str) -> list[str]:
    response = client.get(path)
    assert response.status_code == 200
    return entry_rows(response.get_data(as_text=True))
