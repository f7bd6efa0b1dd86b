"""The level distribution counts in SQL what Level.band_position of years_since says in Python,
to the day, on both databases."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from sqlalchemy import select

from orgladder.extensions import db
from orgladder.people.distribution import level_distribution
from orgladder.people.models import Person, years_since
from orgladder.people.service import assign_level, current_assignment

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
                assign_level(None, person, levels["P1"], date(2020, 1, 1), "Joined")
                assign_level(None, person, levels["P4"], TODAY + timedelta(days=1), "Tomorrow")
            assign_level(None, person, level, date(2027, 6, 1), "Current")
            people.append(person)
    people.append(make_person(org.a, "Unknown start", manager=org.boss, level="P2",
                              profession_start=None))
    people.append(make_person(org.a, "Starts next month", manager=org.boss, level="P3",
                              profession_start=TODAY + timedelta(days=30)))
    people.append(make_person(org.a, "No level", manager=org.boss))
    db.session.commit()

    chart = level_distribution(org.hr, today=TODAY)

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
    assert chart.flagged_total == len(flagged) > 20
    assert {(f.person_id, f.band) for f in chart.flagged} == flagged


def test_a_team_chart_counts_only_that_team(org):
    chart = level_distribution(org.mgr, root=org.lead)
    assert chart.people == 1
    assert [(bar.label, bar.total) for bar in chart.bars if bar.total] == [
        ("P1 Associate Product Manager", 1)]
