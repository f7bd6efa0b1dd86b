"""Stateful property: random actors hire, grant and revoke roles, move people, change levels,
delete levels and import people files, through the real services. After every step:

- whether each action was allowed equals the rule, computed from a plain oracle of the org;
- no actor's own permissions or scope grew through their own action, and nobody changed their
  own level or roles;
- everyone's visible set (``in_scope``, ``can_manage`` and the SQL of ``scope_clause``) still
  equals the oracle's.
"""

from __future__ import annotations

import itertools
from datetime import date

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import select

from orgladder.access import Role, can_manage, in_scope, permissions_of, scope_clause
from orgladder.errors import DomainError, NotAllowed
from orgladder.extensions import db
from orgladder.ladders import editing
from orgladder.people import hr
from orgladder.people.grants import grant_role, revoke_role
from orgladder.people.importer import confirm, dry_run
from orgladder.people.models import Person
from orgladder.people.service import assign_level, current_assignment, set_manager

from .factories import levels_of, make_person

HR, MANAGER = Role.HR.value, Role.MANAGER.value
TODAY = date.today()
_runs = itertools.count()


class Oracle:
    """The org as plain data: each person's manager, company and grants (role, scope root)."""

    def __init__(self):
        self.parent: dict[int, int | None] = {}
        self.company: dict[int, int] = {}
        self.grants: dict[int, set[tuple[str, int | None]]] = {}

    def ancestors(self, node: int | None):
        while node is not None:
            yield node
            node = self.parent[node]

    def under(self, node: int, root: int) -> bool:
        return root in self.ancestors(node)

    def hr_roots(self, node: int) -> list[int] | None:
        """The roots of the node's HR grants; None: HR for the whole company."""
        if (HR, None) in self.grants[node]:
            return None
        return [root for role, root in self.grants[node] if role == HR]

    def in_hr_scope(self, actor: int, person: int) -> bool:
        if self.company[actor] != self.company[person]:
            return False
        roots = self.hr_roots(actor)
        return roots is None or any(self.under(person, root) for root in roots)

    def visible(self, viewer: int) -> set[int]:
        same = {n for n in self.parent if self.company[n] == self.company[viewer]}
        roots = self.hr_roots(viewer)
        if roots is None:
            return same
        tops = set(roots) | ({viewer} if (MANAGER, None) in self.grants[viewer] else set())
        return {n for n in same if any(self.under(n, top) for top in tops)} | {viewer}

    def manageable(self, viewer: int) -> set[int]:
        if not {role for role, _ in self.grants[viewer]} & {HR, MANAGER}:
            return set()
        return self.visible(viewer) - {viewer}

    def may_grant(self, actor: int, person: int, role: str, root: int | None) -> bool:
        if actor == person or self.company[actor] != self.company[person]:
            return False
        if root is not None and self.company[root] != self.company[actor]:
            return False
        if self.hr_roots(actor) is None:
            return True
        if not self.in_hr_scope(actor, person):
            return False
        if role == HR:
            return root is not None and self.in_hr_scope(actor, root)
        return True

    def may_move(self, actor: int, person: int, new_manager: int | None) -> bool:
        if actor == person or self.company[actor] != self.company[person]:
            return False
        if not self.in_hr_scope(actor, person):
            return False
        roots = self.hr_roots(actor)
        if roots and any(self.under(root, person) for root in roots):
            return False  # the person is the actor's scope root, or above it
        if new_manager is None:
            return roots is None
        return self.in_hr_scope(actor, new_manager)


class PermissionMachine(RuleBasedStateMachine):
    people = Bundle("people")

    def __init__(self, companies):
        super().__init__()
        self.companies = companies
        self.oracle = Oracle()
        self.run = next(_runs)
        self.count = itertools.count()
        self.example = db.session.begin_nested()

    # -- helpers ------------------------------------------------------------------------
    def _person(self, node: int | None) -> Person | None:
        return db.session.get(Person, node) if node is not None else None

    def _track(self, person: Person) -> None:
        oracle = self.oracle
        oracle.parent[person.id] = person.manager_id
        oracle.company[person.id] = person.company_id
        oracle.grants[person.id] = {(g.role, g.scope_root_id) for g in person.grants
                                    if g.role != Role.EMPLOYEE}

    def _state_of(self, node: int):
        """What an actor holds: permissions, grants, level and whom they may see."""
        db.session.expire_all()
        person = self._person(node)
        assignment = current_assignment(person, TODAY)
        return {
            "permissions": permissions_of(person),
            "grants": {(g.role, g.scope_root_id) for g in person.grants},
            "level": assignment.level_id if assignment else None,
            "visible": {n for n in self.oracle.parent if in_scope(person, self._person(n))},
        }

    def _acting(self, actor: int, action, allowed: bool, *, may_refuse: bool = False) -> bool:
        """Run ``action`` as ``actor``; the outcome must be ``allowed`` (or, with
        ``may_refuse``, at most allowed), and the actor must hold no more afterwards than
        before (nobody widens or re-levels themselves)."""
        before = self._state_of(actor)
        try:
            with db.session.begin_nested():
                action()
        except (NotAllowed, DomainError):
            done = False
        else:
            done = True
        after = self._state_of(actor)
        if may_refuse:
            assert allowed or not done, "the service did what the rule forbids"
        else:
            assert done == allowed, f"allowed={allowed} but the service " + (
                "did" if done else "refused")
        assert after["permissions"] <= before["permissions"]
        assert after["grants"] == before["grants"], "an actor changed their own grants"
        assert after["level"] == before["level"], "an actor changed their own level"
        assert after["visible"] <= before["visible"], "an actor widened their own scope"
        return done

    # -- the org at the start ------------------------------------------------------------
    @initialize(target=people)
    def founders(self):
        """Each company starts with a company-wide HR (the first actor there is)."""
        first = None
        for company in self.companies:
            person = make_person(company, f"Founder {self.run} {company.slug}", roles=[Role.HR],
                                 level="P3",
                                 email=f"f{self.run}@{company.slug}.test")
            self._track(person)
            first = first or person.id
        return first

    @rule(target=people, actor=people, manager=st.one_of(st.none(), people),
          roles=st.sampled_from([(), (MANAGER,), (HR,)]))
    def hire(self, actor, manager, roles):
        oracle = self.oracle
        number = next(self.count)
        holder: list[Person] = []
        can_place = (manager is None and oracle.hr_roots(actor) is None) or (
            manager is not None and oracle.in_hr_scope(actor, manager))
        allowed = (bool({r for r, _ in oracle.grants[actor]} & {HR}) and can_place
                   and (HR not in roles or oracle.hr_roots(actor) is None))
        actor_person = self._person(actor)

        def action():
            holder.append(hr.add_person(
                actor_person, name=f"P{self.run} {number}",
                email=f"p{self.run}-{number}@{self.companies[0].slug}.test",
                manager=self._person(manager), profession_start=None, roles=list(roles)))

        if manager is not None and oracle.company[manager] != oracle.company[actor]:
            allowed = False
        if self._acting(actor, action, allowed):
            self._track(holder[0])
            return holder[0].id
        return actor  # nothing new: the bundle gets an existing person again

    @rule(actor=people, person=people, role=st.sampled_from([HR, MANAGER]),
          root=st.one_of(st.none(), people), revoke=st.booleans())
    def change_grant(self, actor, person, role, root, revoke):
        oracle = self.oracle
        if role != HR:
            root = None
        allowed = oracle.may_grant(actor, person, role, root)
        service = revoke_role if revoke else grant_role
        done = self._acting(actor, lambda: service(self._person(actor), self._person(person),
                                                   role, self._person(root)), allowed)
        if done:
            (oracle.grants[person].discard if revoke else oracle.grants[person].add)((role, root))

    @rule(actor=people, person=people, new_manager=st.one_of(st.none(), people))
    def move(self, actor, person, new_manager):
        oracle = self.oracle
        cycle = new_manager is not None and oracle.under(new_manager, person)
        same = new_manager == oracle.parent[person]
        allowed = oracle.may_move(actor, person, new_manager) and not cycle and not same
        done = self._acting(actor, lambda: set_manager(
            self._person(actor), self._person(person), self._person(new_manager)),
            allowed or (same and oracle.may_move(actor, person, new_manager)))
        if done:
            oracle.parent[person] = new_manager

    @rule(actor=people, person=people, code=st.sampled_from(["P1", "P2", "P3", "M4"]))
    def change_level(self, actor, person, code):
        allowed = person in self.oracle.manageable(actor)
        target = self._person(person)
        levels = levels_of(self.companies[0] if target.company_id == self.companies[0].id
                           else self.companies[1])
        if code not in levels:
            return
        self._acting(actor, lambda: assign_level(self._person(actor), target, levels[code],
                                                 TODAY, "Random step"), allowed)

    @rule(actor=people, code=st.sampled_from(["P1", "P2", "P3", "P4"]),
          move_code=st.sampled_from(["P1", "P2", "P3", "P4"]))
    def delete_level(self, actor, code, move_code):
        """Ladder editing is company-wide HR's; the holders move as that HR decides, never
        the HR herself."""
        levels = levels_of(self.companies[0])
        if code not in levels or move_code not in levels or code == move_code:
            return
        level = levels[code]
        holds = self._state_of(actor)["level"] == level.id
        allowed = (self.oracle.company[actor] == self.companies[0].id
                   and self.oracle.hr_roots(actor) is None and not holds)
        self._acting(actor, lambda: editing.delete_level(self._person(actor), level,
                                                         levels[move_code], TODAY), allowed)

    @rule(actor=people, person=people, new_manager=st.one_of(st.none(), people),
          code=st.sampled_from(["P1", "P2", "P3"]))
    def import_a_row(self, actor, person, new_manager, code):
        """A people file moving one person and setting their level: what it applies is never
        more than the same moves and level changes by hand would be."""
        oracle = self.oracle
        target = self._person(person)
        manager = self._person(new_manager)
        levels = levels_of(self.companies[0] if target.company_id == self.companies[0].id
                           else self.companies[1])
        if code not in levels:
            return
        current = current_assignment(target, TODAY)
        level_changes = current is None or current.level_id != levels[code].id
        moves = new_manager != oracle.parent[person]
        allowed = oracle.hr_roots(actor) is None and (
            not moves or (oracle.may_move(actor, person, new_manager)
                          and not (new_manager is not None and oracle.under(new_manager, person))))
        allowed = allowed and (not level_changes or person in oracle.manageable(actor))
        data = ("email,name,manager_email,level\n"
                f"{target.email},{target.name},{manager.email if manager else ''},{code}\n"
                ).encode()
        actor_person = self._person(actor)

        def action():
            _, plan, batch = dry_run(actor_person, "people.csv", data)
            if batch is None:
                raise DomainError(f"refused: {plan.issues}")
            confirm(actor_person, batch, today=TODAY)

        if self._acting(actor, action, allowed, may_refuse=True) and moves:
            oracle.parent[person] = new_manager

    def teardown(self):
        self.example.rollback()  # each example starts from the same two companies

    @invariant()
    def everyone_sees_what_the_oracle_says(self):
        db.session.flush()
        db.session.expire_all()
        nodes = sorted(self.oracle.parent)
        people = {n: self._person(n) for n in nodes}
        for viewer in nodes:
            actor = people[viewer]
            assert {n for n in nodes if in_scope(actor, people[n])} == self.oracle.visible(viewer)
            assert {n for n in nodes if can_manage(actor, people[n])} == \
                self.oracle.manageable(viewer)
            in_sql = set(db.session.scalars(select(Person.id).where(
                scope_clause(actor), Person.id.in_(nodes))))
            assert in_sql == self.oracle.visible(viewer)


def test_nobody_widens_their_own_permissions(org):
    run_state_machine_as_test(
        lambda: PermissionMachine([org.a, org.b]),
        settings=settings(max_examples=100, stateful_step_count=25, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow,
                                                 HealthCheck.function_scoped_fixture]))
