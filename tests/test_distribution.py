"""The level distribution counts in SQL what Level.band_position of years_since says in Python,
to the day, on both databases."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from sqlalchemy import select

from orgladder.actors import SYSTEM_SEED
from orgladder.extensions import db
from orgladder.people.distribution import level_distribution
from orgladder.people.models import Person, years_since
from orgladder.people.service import assign_level, current_assignment

from .calibration_setup import without_tokens
from .factories import levels_of, make_person

TODAY = date(2028, 2, 29)  # a leap day: the year's length is where roundings go wrong


def _starts_around_band_edges(level) -> list[date]:
    """Every start within three weeks of where the level's band begins and ends: years are
    rounded to a tenth, so the band's first and last days lie some 18 days off the whole year."""
    edges = [level.min_years] + ([level.max_years] if level.max_years is not None else [])
    return sorted({TODAY - timedelta(days=round(years * 365.25) + shift)
                   for years in edges for shift in range(-21, 22)})


def test_the_sql_counts_match_the_band_rule_day_by_day(org):
    levels = levels_of(org.a)
    people = []
    for code, level in sorted(levels.items()):
        for n, start in enumerate(_starts_around_band_edges(level)):
            person = make_person(org.a, f"{code} edge {n}", manager=org.boss,
                                 profession_start=start, email=f"{code}.{n}@edges.test")
            if n % 10 == 0:  # some with an older and a future assignment beside the one in force
                assign_level(SYSTEM_SEED, person, levels["P1"], date(2020, 1, 1), "Joined")
                assign_level(SYSTEM_SEED, person, levels["P4"], TODAY + timedelta(days=1),
                             "Tomorrow")
            if n % 10 == 5:  # two on the same day: the later one is in force
                assign_level(SYSTEM_SEED, person, levels["P4"], date(2027, 6, 1), "Corrected below")
            assign_level(SYSTEM_SEED, person, level, date(2027, 6, 1), "Current")
            people.append(person)
    people.append(make_person(org.a, "Unknown start", manager=org.boss, level="P2",
                              profession_start=None))
    people.append(make_person(org.a, "Starts next month", manager=org.boss, level="P3",
                              profession_start=TODAY + timedelta(days=30)))
    people.append(make_person(org.a, "No level", manager=org.boss))
    db.session.commit()

    chart = level_distribution(org.hr, today=TODAY, per_page=10_000)

    expected_outside: Counter = Counter()
    expected_total: Counter = Counter()
    flagged = set()
    scope = db.session.scalars(select(Person).where(
        Person.company_id == org.a.id, Person.id != org.hr.id, Person.active.is_(True))).all()
    for person in scope:
        held = current_assignment(person, TODAY)
        level = held.level if held else None
        label = f"{level.code} {level.title}" if level else "No level yet"
        expected_total[label] += 1
        years = years_since(person.profession_start, TODAY)
        if level and level.band_position(years) in ("above", "below"):
            expected_outside[label] += 1
            flagged.add((person.id, level.band_position(years)))
    assert chart.people == len(scope)
    assert {bar.label: bar.total for bar in chart.bars if bar.total} == dict(expected_total)
    assert {bar.label: bar.outside for bar in chart.bars if bar.outside} == dict(expected_outside)
    assert chart.flagged.total == len(flagged) > 20
    assert {(f.person_id, f.band) for f in chart.flagged.rows} == flagged
    assert [(f.name, f.person_id) for f in chart.flagged.rows] == sorted(
        (f.name, f.person_id) for f in chart.flagged.rows)


def test_a_team_chart_counts_only_that_team(org):
    chart = level_distribution(org.mgr, root=org.lead)
    assert chart.people == 1
    assert [(bar.label, bar.total) for bar in chart.bars if bar.total] == [
        ("P1 Associate Product Manager", 1)]


def test_the_people_outside_their_band_are_listed_a_page_at_a_time(client, org):
    for n in range(7):  # P1 is 0-2 years: thirty years is above its band
        make_person(org.a, f"Veteran {n}", manager=org.mgr, level="P1",
                    profession_start=date(1990, 1, 1), email=f"veteran{n}@edges.test")
    db.session.commit()
    client.application.config["PEOPLE_PAGE_SIZE"] = 4
    client.login(org.mgr.email)
    # mgr's team: the seven veterans, and Eli, Leo and Ida, who started in 2018: each is
    # above the band of their level (P2, P3, P1) by now
    first = client.get("/people/levels").get_data(as_text=True)
    assert "1–4 of 10 people, by name" in first and "Page 1 of 3" in first
    assert "Ida Indirect" in first and "Veteran 0" in first and "Veteran 1" not in first
    last = client.get("/people/levels?page=3").get_data(as_text=True)
    assert "9–10 of 10 people" in last and "Veteran 5" in last and "Veteran 6" in last
    for nonsense in ("99", "0", "-1", "abc", "9" * 30):
        page = client.get(f"/people/levels?page={nonsense}")
        assert page.status_code == 200 and "of 10 people" in page.get_data(as_text=True)
    team = client.get(f"/people/levels?manager={org.lead.id}&page=2").get_data(as_text=True)
    assert "Ida Indirect" in team and "Page 1 of" not in team  # one person: no pager


def test_the_chart_is_kept_and_shows_a_level_decision_at_once(client, org, queries):
    """The chart counts everyone in scope, so it is kept until the company's data changes;
    a level assigned through the form shows on the very next view."""
    client.login(org.mgr.email)
    before = client.get("/people/levels").get_data(as_text=True)
    assert "Ida Indirect" in listed(before)  # P1, in the profession since 2018: above the band
    with queries() as statements:
        again = client.get("/people/levels").get_data(as_text=True)
    assert without_tokens(again) == without_tokens(before)
    assert not [s for s in statements if "level_assignments" in s], statements

    form = f"/people/{org.emp2.id}/level"
    response = client.post_form(form, {"level": levels_of(org.a)["P4"].id,
                                       "effective_date": date.today().isoformat(),
                                       "reason": "Leads the billing work"})
    assert response.status_code == 302
    assert "Ida Indirect" not in listed(client.get("/people/levels").get_data(as_text=True))


def listed(page: str) -> str:
    """The table of the people outside their band."""
    return page[page.index("<table"):page.index("</table>")]
