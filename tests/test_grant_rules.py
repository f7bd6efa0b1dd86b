"""The rules of grants and moves, as tables: ``access.may_grant`` / ``may_move`` over every
kind of actor, grant and target, and the services (``people.grants``, ``set_manager``) agreeing
with them case by case. A new hole of the same kind shows up as a row that disagrees."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from orgladder.access import Role, may_grant, may_move, may_place
from orgladder.actors import OPERATOR_CLI
from orgladder.audit import AuditEvent
from orgladder.errors import DomainError, NotAllowed
from orgladder.extensions import db
from orgladder.people.grants import find_grant, grant_role, revoke_role
from orgladder.people.import_plan import build_plan
from orgladder.people.models import Person, RoleGrant
from orgladder.people.service import set_manager

from .factories import Org, make_person

ACTORS = ["company_hr", "scoped_hr", "manager", "employee"]
# (role, where an HR grant's scope is): inside / outside the scoped HR's part, the whole company
GRANTS = [("hr", "inside"), ("hr", "outside"), ("hr", "company"), ("manager", None),
          ("employee", None)]
TARGETS = ["self", "in_scope", "out_of_scope"]


def make_partner(org: Org) -> Person:
    """An HR business partner for the part under Mona Manager (Mona, Eli, Leo, Ida), who
    herself reports to the boss: outside her own part of the org."""
    partner = make_person(org.a, "Hedda Partner", manager=org.boss)
    grant_role(OPERATOR_CLI, partner, Role.HR, scope_root=org.mgr)
    db.session.commit()
    return partner


@pytest.fixture
def partner(org) -> Person:
    return make_partner(org)


def actor_of(org: Org, partner: Person, kind: str) -> Person:
    return {"company_hr": org.hr, "scoped_hr": partner, "manager": org.mgr,
            "employee": org.emp}[kind]


def scope_of(org: Org, where: str | None) -> Person | None:
    return {"inside": org.lead, "outside": org.peer_mgr, "company": None, None: None}[where]


def target_of(org: Org, actor: Person, kind: str) -> Person:
    return {"self": actor, "in_scope": org.emp2, "out_of_scope": org.peer}[kind]


def grant_expected(actor: str, role: str, where: str | None, target: str) -> bool:
    """The rule in words: nobody changes their own grants; company-wide HR grants anything;
    a scoped HR grants manager, employee, and HR inside her part, to people in her part."""
    if target == "self" or actor in ("manager", "employee"):
        return False
    if actor == "company_hr":
        return True
    return target == "in_scope" and (role != "hr" or where == "inside")


def grant_count(person: Person) -> int:
    return db.session.scalar(select(func.count(RoleGrant.id))
                             .where(RoleGrant.person_id == person.id))


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize(("role", "where"), GRANTS)
@pytest.mark.parametrize("actor_kind", ACTORS)
def test_may_grant_and_grant_role_agree(org, partner, actor_kind, role, where, target):
    actor = actor_of(org, partner, actor_kind)
    person = target_of(org, actor, target)
    scope_root = scope_of(org, where)
    expected = grant_expected(actor_kind, role, where, target)
    assert may_grant(actor, person, role, scope_root) is expected
    before = grant_count(person)
    if expected:
        grant = grant_role(actor, person, role, scope_root)
        assert find_grant(person, role, scope_root) is grant
    else:
        with pytest.raises(NotAllowed):
            grant_role(actor, person, role, scope_root)
        db.session.rollback()
        assert grant_count(person) == before  # nothing was added


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize(("role", "where"), GRANTS[:4])  # everyone keeps the employee role
@pytest.mark.parametrize("actor_kind", ACTORS)
def test_a_revoke_is_checked_as_the_grant_would_be(org, partner, actor_kind, role, where,
                                                   target):
    actor = actor_of(org, partner, actor_kind)
    person = target_of(org, actor, target)
    scope_root = scope_of(org, where)
    grant_role(OPERATOR_CLI, person, role, scope_root)  # the operator sets the grant up
    db.session.commit()
    if grant_expected(actor_kind, role, where, target):
        revoke_role(actor, person, role, scope_root)
        assert find_grant(person, role, scope_root) is None
    else:
        with pytest.raises(NotAllowed):
            revoke_role(actor, person, role, scope_root)
        db.session.rollback()
        assert find_grant(db.session.get(Person, person.id), role, scope_root) is not None


MOVED = ["self", "in_scope", "out_of_scope", "own_scope_root", "above_own_scope_root"]
NEW_MANAGERS = ["in_scope", "out_of_scope", "top"]


def moved_of(org: Org, actor: Person, kind: str) -> Person:
    return {"self": actor, "in_scope": org.emp2, "out_of_scope": org.peer,
            "own_scope_root": org.mgr, "above_own_scope_root": org.boss}[kind]


def move_expected(actor: str, moved: str, new_manager: str) -> bool:
    """Both ends in the actor's HR scope; never oneself, one's scope root or above it; the
    top of the org only for company-wide HR."""
    if actor in ("manager", "employee") or moved == "self":
        return False
    if actor == "company_hr":
        return True
    return moved == "in_scope" and new_manager == "in_scope"


@pytest.mark.parametrize("new_manager", NEW_MANAGERS)
@pytest.mark.parametrize("moved", MOVED)
@pytest.mark.parametrize("actor_kind", ACTORS)
def test_may_move_and_set_manager_agree(org, partner, actor_kind, moved, new_manager):
    actor = actor_of(org, partner, actor_kind)
    person = moved_of(org, actor, moved)
    manager = {"in_scope": org.emp, "out_of_scope": org.peer_mgr, "top": None}[new_manager]
    expected = move_expected(actor_kind, moved, new_manager)
    assert may_move(actor, person, manager) is expected
    path = person.path
    try:
        set_manager(actor, person, manager)
    except NotAllowed:
        assert not expected
        db.session.rollback()
        assert db.session.get(Person, person.id).path == path
    except DomainError as error:  # allowed, but Mona and Bea are above Eli: a cycle
        assert expected and "cycle" in error.message
    else:
        assert expected
        assert person.manager_id == (manager.id if manager else None)


def test_placing_a_new_person_needs_a_manager_in_the_actors_part(org, partner):
    assert may_place(org.hr, None) and may_place(org.hr, org.peer)
    assert may_place(partner, org.mgr) and may_place(partner, org.emp2)
    assert not may_place(partner, None)  # the top of the org is outside every part of it
    assert not may_place(partner, org.boss) and not may_place(partner, org.peer)
    assert not may_place(org.mgr, org.emp) and not may_place(org.emp, None)
    assert not may_place(org.hr, org.b_person) and not may_place(org.hr_b, org.emp)


def test_grants_never_cross_companies(org):
    assert not may_grant(org.hr, org.b_person, "manager")
    assert not may_grant(org.hr, org.emp, "hr", org.b_person)
    assert not may_move(org.hr, org.emp, org.b_person)
    assert not may_move(org.hr_b, org.emp, None)
    with pytest.raises(DomainError):
        grant_role(org.hr, org.emp, "hr", scope_root=org.b_person)


def test_grants_are_audited_in_words_and_idempotent(org):
    grant = grant_role(org.hr, org.emp, "hr", scope_root=org.mgr)
    assert grant_role(org.hr, org.emp, "hr", scope_root=org.mgr) is grant  # no second grant
    revoke_role(org.hr, org.emp, "hr", scope_root=org.mgr)
    revoke_role(org.hr, org.emp, "hr", scope_root=org.mgr)  # nothing left to revoke
    events = db.session.scalars(select(AuditEvent).where(
        AuditEvent.target_id == org.emp.id,
        AuditEvent.action.in_(["person.grant", "person.revoke"])).order_by(AuditEvent.id)).all()
    assert [(e.action, e.actor_id) for e in events] == [("person.grant", org.hr.id),
                                                        ("person.revoke", org.hr.id)]
    assert events[0].after["grant"] == ("hr for the part of the org under Mona Manager "
                                        f"<{org.mgr.email}>")
    assert events[1].before["scope_root_id"] == org.mgr.id


def test_grant_shapes_are_field_errors(org):
    with pytest.raises(DomainError) as error:
        grant_role(org.hr, org.emp, "manager", scope_root=org.mgr)
    assert error.value.field == "scope" and not isinstance(error.value, NotAllowed)
    with pytest.raises(DomainError) as error:
        grant_role(org.hr, org.emp, "admin")
    assert error.value.field == "role"
    with pytest.raises(DomainError, match="keeps the employee role"):
        revoke_role(org.hr, org.emp, "employee")


def plan_issues(actor: Person, *rows: dict) -> list[tuple[str | None, str]]:
    numbered = [{"row": n, "name": "Someone", **row} for n, row in enumerate(rows, start=2)]
    return [(issue.column, issue.message) for issue in build_plan(actor, numbered).issues]


def test_the_import_asks_the_same_questions(org, partner):
    # the import page is company-wide HR's; its plan still asks access, row by row
    assert plan_issues(partner, {"email": org.emp2.email, "name": org.emp2.name,
                                 "manager_email": org.emp.email}) == []
    moved_out = plan_issues(partner, {"email": org.emp2.email, "name": org.emp2.name,
                                      "manager_email": org.peer_mgr.email})
    assert moved_out == [("manager_email", "This move is outside your part of the company.")]
    root_moved = plan_issues(partner, {"email": org.mgr.email, "name": org.mgr.name,
                                       "manager_email": org.peer_mgr.email})
    assert [column for column, _ in root_moved] == ["manager_email"]
    assert plan_issues(partner, {"email": "new@acmetest.test"})[0][0] == "manager_email"
    # a new person under someone the same file adds, in the partner's part: allowed
    assert plan_issues(partner, {"email": "a@acmetest.test", "manager_email": org.emp.email},
                       {"email": "b@acmetest.test", "manager_email": "a@acmetest.test",
                        "roles": "manager"}) == []
    company_hr = plan_issues(partner, {"email": "c@acmetest.test",
                                       "manager_email": org.emp.email, "roles": "hr"})
    assert company_hr[0][0] == "roles" and "nobody grants more" in company_hr[0][1]


def test_nobody_imports_their_own_move_or_roles(org):
    own = plan_issues(org.hr, {"email": org.hr.email, "name": org.hr.name,
                               "manager_email": org.boss.email, "roles": "employee"})
    assert own == [("manager_email", "Nobody moves themselves in the org: ask another HR."),
                   ("roles", "Nobody changes their own roles: ask another HR.")]
    assert plan_issues(org.hr, {"email": org.hr.email, "name": org.hr.name,
                                "roles": "hr"}) == []  # unchanged: no change of roles
