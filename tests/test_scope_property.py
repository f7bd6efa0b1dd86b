"""Property: on any org tree, the people a manager can see and assign are exactly their
subtree (themselves excepted for assigning), also after reporting lines move."""

from __future__ import annotations

import itertools
from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orgladder.access import Role, can_manage
from orgladder.actors import SYSTEM_SEED
from orgladder.errors import NotAllowed
from orgladder.extensions import db
from orgladder.people.directory import PeopleFilter, list_people
from orgladder.people.service import assign_level, create_person, set_manager

from .factories import levels_of

_ids = itertools.count()


@st.composite
def org_trees(draw):
    size = draw(st.integers(min_value=1, max_value=18))
    # parent of node i is one of the nodes before it, or nobody (a separate root)
    parents = [None] + [draw(st.one_of(st.none(), st.integers(0, i - 1))) for i in range(1, size)]
    managers = draw(st.sets(st.integers(0, size - 1), min_size=1))
    moves = draw(st.lists(st.tuples(st.integers(0, size - 1),
                                    st.one_of(st.none(), st.integers(0, size - 1))), max_size=4))
    return parents, managers, moves


def subtree(parents: list[int | None], root: int) -> set[int]:
    def ancestors(node):
        while node is not None:
            yield node
            node = parents[node]
    return {n for n in range(len(parents)) if root in ancestors(n)}


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(tree=org_trees())
def test_manager_sees_and_assigns_exactly_their_subtree(org, tree):
    parents, managers, moves = tree
    parents = list(parents)
    run = next(_ids)
    level = levels_of(org.a)["P2"]
    people = []
    for i, parent in enumerate(parents):
        roles = [Role.EMPLOYEE, Role.MANAGER] if i in managers else [Role.EMPLOYEE]
        people.append(create_person(
            SYSTEM_SEED, org.a.id, email=f"t{run}-{i}@acmetest.test", name=f"T{run} {i}",
            manager=people[parent] if parent is not None else None, roles=roles))
    for node, new_parent in moves:
        if new_parent is not None and new_parent in subtree(parents, node):
            continue  # would be a cycle: the service refuses it (tested elsewhere)
        set_manager(SYSTEM_SEED, people[node],
                    people[new_parent] if new_parent is not None else None)
        parents[node] = new_parent
    db.session.flush()
    people = [db.session.get(type(p), p.id) for p in people]
    index_of = {p.id: i for i, p in enumerate(people)}
    for m in managers:
        manager = people[m]
        expected = subtree(parents, m) - {m}
        page = list_people(manager, PeopleFilter(), per_page=1000)
        seen = {index_of.get(row.person.id, -1) for row in page.rows}
        assert seen == expected
        for i, person in enumerate(people):
            assert can_manage(manager, person) == (i in expected)
        outsider = next((i for i in range(len(people)) if i not in expected), None)
        if outsider is not None:
            try:
                assign_level(manager, people[outsider], level, date.today(), "out of scope")
            except NotAllowed:
                pass
            else:
                raise AssertionError("assigned a level outside the subtree")
        if expected:
            assign_level(manager, people[min(expected)], level, date.today(), "in scope")
