"""Stateful property: random org trees in two companies, moved and re-roled at random. After
every step, whom each person may see and manage (``in_scope``, ``can_manage``, and the SQL of
``scope_clause``) equals an oracle computed from a plain parent dictionary."""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import select

from orgladder.access import Role, can_manage, in_scope, scope_clause
from orgladder.actors import SYSTEM_SEED
from orgladder.errors import DomainError
from orgladder.extensions import db
from orgladder.people import hr
from orgladder.people.models import Person
from orgladder.people.service import create_person, set_manager

ROLES = st.sampled_from([(), (Role.MANAGER,), (Role.HR,), (Role.MANAGER, Role.HR)])
_runs = itertools.count()


class Oracle:
    """The org as plain data: parent of each node, company of each node, roles of each node."""

    def __init__(self):
        self.parent: dict[int, int | None] = {}
        self.company: dict[int, int] = {}
        self.roles: dict[int, set[str]] = {}

    def ancestors(self, node: int):
        while node is not None:
            yield node
            node = self.parent[node]

    def visible(self, viewer: int) -> set[int]:
        same = {n for n in self.parent if self.company[n] == self.company[viewer]}
        if Role.HR in self.roles[viewer]:
            return same
        if Role.MANAGER in self.roles[viewer]:
            return {n for n in same if viewer in self.ancestors(n)}
        return {viewer}

    def manageable(self, viewer: int) -> set[int]:
        if not self.roles[viewer] & {Role.HR, Role.MANAGER}:
            return set()
        return self.visible(viewer) - {viewer}


class OrgMachine(RuleBasedStateMachine):
    people = Bundle("people")

    def __init__(self, companies):
        super().__init__()
        self.companies = companies
        self.oracle = Oracle()
        self.run = next(_runs)
        self.count = itertools.count()

    def _person(self, node: int) -> Person:
        return db.session.get(Person, node)

    @initialize(target=people)
    def first_person(self):
        return self._add(0, None, (Role.HR,))

    def _add(self, company_index: int, manager: int | None, roles) -> int:
        company = self.companies[company_index]
        number = next(self.count)
        person = create_person(
            SYSTEM_SEED, company.id, email=f"m{self.run}-{number}@{company.slug}.test",
            name=f"M{self.run} {number}", manager=self._person(manager) if manager else None,
            roles=[Role.EMPLOYEE, *roles])
        self.oracle.parent[person.id] = manager
        self.oracle.company[person.id] = company.id
        self.oracle.roles[person.id] = {Role.EMPLOYEE, *roles}
        return person.id

    @rule(target=people, company_index=st.integers(0, 1), roles=ROLES, data=st.data())
    def hire(self, company_index, roles, data):
        colleagues = sorted(n for n, c in self.oracle.company.items()
                            if c == self.companies[company_index].id)
        manager = data.draw(st.one_of(st.none(), st.sampled_from(colleagues))
                            if colleagues else st.none())
        return self._add(company_index, manager, roles)

    @rule(node=people, new_manager=st.one_of(st.none(), people))
    def move(self, node, new_manager):
        oracle = self.oracle
        cycle = new_manager is not None and node in oracle.ancestors(new_manager)
        foreign = new_manager is not None and oracle.company[new_manager] != oracle.company[node]
        try:
            set_manager(SYSTEM_SEED, self._person(node),
                        self._person(new_manager) if new_manager is not None else None)
        except DomainError:
            assert cycle or foreign  # refused exactly when it must be, before writing anything
            return
        assert not (cycle or foreign), "a reporting cycle or a cross-company line was accepted"
        oracle.parent[node] = new_manager

    @rule(node=people, roles=ROLES)
    def change_roles(self, node, roles):
        hr.set_roles(SYSTEM_SEED, self._person(node), [str(r) for r in roles])
        self.oracle.roles[node] = {Role.EMPLOYEE, *roles}

    @precondition(lambda self: len(self.oracle.parent) > 1)
    @rule(node=consumes(people))
    def forget(self, node):
        """Stop following one person (they stay in the org, as in life; the bundle shrinks)."""

    @invariant()
    def access_matches_the_oracle(self):
        db.session.flush()
        db.session.expire_all()  # read grants and paths as the next request would
        nodes = sorted(self.oracle.parent)
        people = {n: self._person(n) for n in nodes}
        for viewer in nodes:
            actor = people[viewer]
            visible = self.oracle.visible(viewer)
            assert {n for n in nodes if in_scope(actor, people[n])} == visible
            assert {n for n in nodes if can_manage(actor, people[n])} == \
                self.oracle.manageable(viewer)
            in_sql = set(db.session.scalars(select(Person.id).where(
                scope_clause(actor), Person.id.in_(nodes))))
            assert in_sql == visible


def test_access_follows_random_reorganizations(org):
    companies = [org.a, org.b]
    run_state_machine_as_test(
        lambda: OrgMachine(companies),
        settings=settings(max_examples=50, stateful_step_count=25, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow,
                                                 HealthCheck.function_scoped_fixture]))
