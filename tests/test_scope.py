"""Reporting lines and scope: subtree checks by materialized path, cycles refused."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from orgladder.access import Role, can_manage, in_scope, scope_clause
from orgladder.actors import SYSTEM_SEED
from orgladder.errors import DomainError
from orgladder.extensions import db
from orgladder.people.models import Person
from orgladder.people.service import set_manager

from .factories import make_company, make_person


def visible_ids(actor: Person) -> set[int]:
    return set(db.session.scalars(select(Person.id).where(scope_clause(actor))))


def test_manager_sees_their_subtree_and_themselves(org):
    assert visible_ids(org.mgr) == {org.mgr.id, org.emp.id, org.lead.id, org.emp2.id}
    assert visible_ids(org.boss) == {org.boss.id, org.mgr.id, org.emp.id, org.lead.id,
                                     org.emp2.id, org.peer_mgr.id, org.peer.id}


def test_employee_sees_only_themselves(org):
    assert visible_ids(org.emp) == {org.emp.id}
    assert not in_scope(org.emp, org.emp2)


def test_hr_sees_the_company_and_nothing_else(org):
    a_people = set(db.session.scalars(select(Person.id).where(Person.company_id == org.a.id)))
    assert visible_ids(org.hr) == a_people
    assert not in_scope(org.hr, org.b_person)
    assert not in_scope(org.hr_b, org.emp)


def test_hr_grant_limited_to_part_of_the_org(org):
    partner = make_person(org.a, "Hedda Partner")
    partner.grants.append(type(partner.grants[0])(company_id=org.a.id, role=Role.HR,
                                                  scope_root=org.mgr))
    db.session.flush()
    assert visible_ids(partner) == {partner.id, org.mgr.id, org.emp.id, org.lead.id, org.emp2.id}


def test_nobody_manages_themselves(org):
    assert not can_manage(org.mgr, org.mgr)
    assert not can_manage(org.hr, org.hr)
    assert can_manage(org.mgr, org.emp2)
    assert not can_manage(org.mgr, org.peer)
    assert not can_manage(org.emp, org.emp2)


def test_reparenting_moves_the_whole_subtree(org):
    set_manager(SYSTEM_SEED, org.lead, org.peer_mgr)
    db.session.commit()
    assert in_scope(org.peer_mgr, org.emp2)
    assert not in_scope(org.mgr, org.emp2)
    assert org.emp2.path == f"{org.peer_mgr.path}{org.lead.id}/{org.emp2.id}/"


@pytest.mark.parametrize("new_manager", ["self", "direct", "indirect"])
def test_reporting_cycles_are_refused(org, new_manager):
    target = {"self": org.mgr, "direct": org.lead, "indirect": org.emp2}[new_manager]
    path_before = org.mgr.path
    with pytest.raises(DomainError, match="cycle"):
        set_manager(SYSTEM_SEED, org.mgr, target)
    assert org.mgr.path == path_before


def test_manager_from_another_company_is_refused(org):
    with pytest.raises(DomainError):
        set_manager(SYSTEM_SEED, org.emp, org.hr_b)


@pytest.mark.parametrize("depth", [3, 30])
def test_subtree_check_costs_the_same_at_any_depth(ctx, queries, depth):
    company = make_company(f"deep{depth}")
    top = make_person(company, "Top Manager", roles=[Role.MANAGER])
    person = top
    for i in range(depth):
        person = make_person(company, f"Person {i}", manager=person, roles=[Role.MANAGER])
    db.session.commit()
    db.session.expire_all()
    # Loaded as sign-in loads the signed-in person: with their role grants.
    top = db.session.scalars(select(Person).where(Person.id == top.id)
                             .options(selectinload(Person.grants))).one()
    leaf = db.session.get(Person, person.id)
    with queries() as q:
        assert in_scope(top, leaf)
        assert leaf.id in visible_ids(top)
    # One query for the scope listing; the yes/no check runs on loaded paths.
    assert len(q) == 1


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(parents=st.lists(st.integers(min_value=0, max_value=1000), min_size=1, max_size=12))
def test_scope_equals_the_subtree_of_a_random_tree(ctx, parents):
    """Build a random tree (person i reports to some earlier person, or to no one) and compare
    every manager's scope with a naive walk of the tree."""
    company = make_company(f"tree{abs(hash(tuple(parents))) % 10**8}")
    people: list[Person] = []
    manager_of: dict[int, int | None] = {}
    for i, pick in enumerate(parents):
        manager = people[pick % len(people)] if people and pick % 3 else None
        person = make_person(company, f"Member {i}", manager=manager, roles=[Role.MANAGER],
                             password=None)
        people.append(person)
        manager_of[person.id] = manager.id if manager else None

    def oracle(root: int) -> set[int]:
        found, frontier = {root}, {root}
        while frontier:
            frontier = {p for p, m in manager_of.items() if m in frontier} - found
            found |= frontier
        return found

    for person in people:
        assert visible_ids(person) == oracle(person.id)
        for other in people:
            assert in_scope(person, other) == (other.id in oracle(person.id))
    db.session.rollback()
