"""People: creating them, reporting lines, roles and level assignments.

Services take the acting person explicitly (or a named system actor, ``actors``, where a
service allows system work: the command line, the demo seed, finalizing a calibration; never
``None``), check scope through ``access``, write an audit event in the same transaction, and
leave the commit to the caller's unit of work.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from email_validator import validate_email
from sqlalchemy import Select, String, Subquery, and_, func, literal, or_, select, update

from .. import audit
from ..access import (
    Permission,
    Role,
    can_manage,
    has_permission,
    may_carry_out_calibration,
    may_move,
)
from ..actors import (
    OPERATOR_CLI,
    SYSTEM_FINALIZE,
    SYSTEM_SEED,
    Actor,
    person_or_system,
    require_actor,
)
from ..errors import DomainError, NotAllowed
from ..extensions import alias, db
from ..ladders.models import Level
from ..passwords import hash_password
from .models import LevelAssignment, Person, RoleGrant

REASON_MAX = 2000


def normalize_email(email: str) -> str:
    return email.strip().lower()


def checked_email(value: str) -> str:
    """The normalized address, or ``EmailNotValidError``. Syntax only: whether a mailbox exists
    is not our business, and the reserved .test domain stays usable for staging copies."""
    return validate_email(value.strip(), check_deliverability=False,
                          test_environment=True).normalized.lower()


def find_by_email(email: str) -> Person | None:
    return db.session.scalar(select(Person).where(Person.email == normalize_email(email)))


def create_person(
    actor: Actor,
    company_id: int,
    *,
    email: str,
    name: str,
    manager: Person | None = None,
    profession_start: date | None = None,
    roles: Iterable[str] = (Role.EMPLOYEE,),
    password: str | None = None,
) -> Person:
    creator = person_or_system(actor, OPERATOR_CLI, SYSTEM_SEED)
    if creator is not None and not (has_permission(creator, Permission.MANAGE_PEOPLE)
                                    and creator.company_id == company_id):
        raise NotAllowed("Only HR can add people.")
    email = normalize_email(email)
    if find_by_email(email) is not None:
        raise DomainError("Someone already uses this email address.", field="email")
    if manager is not None and manager.company_id != company_id:
        raise DomainError("The manager must work in the same company.", field="manager")
    person = Person(
        company_id=company_id,
        email=email,
        name=name.strip(),
        profession_start=profession_start,
        password_hash=hash_password(password) if password else None,
        # A password chosen by someone else (HR) is the person's to replace at first sign-in;
        # the operator's commands set passwords chosen with the person.
        must_change_password=bool(password) and creator is not None,
    )
    person.grants = [RoleGrant(company_id=company_id, role=str(role)) for role in set(roles)]
    db.session.add(person)
    db.session.flush()  # the path needs the new id
    person.manager = manager
    person.path = (manager.path if manager else "/") + f"{person.id}/"
    audit.record(
        actor,
        "person.create",
        person,
        after={"email": email, "name": person.name, "manager_id": manager.id if manager else None,
               "roles": person.roles},
    )
    return person


def set_manager(actor: Actor, person: Person, manager: Person | None) -> None:
    """Move ``person`` (with everyone under them) below ``manager``; cycles are refused, and
    so is a move ``access.may_move`` does not allow (checked at both ends)."""
    mover = person_or_system(actor, OPERATOR_CLI, SYSTEM_SEED)
    if mover is not None and not may_move(mover, person, manager):
        if mover.id == person.id:
            raise NotAllowed("Nobody moves themselves in the org: ask another HR.")
        raise NotAllowed("You can move people only within your part of the company, and "
                         "never the part you hold HR for.")
    if manager is not None:
        if manager.company_id != person.company_id:
            raise DomainError("The manager must work in the same company.", field="manager")
        if manager.path.startswith(person.path):
            raise DomainError(
                f"{manager.name} reports to {person.name}; that would make a reporting cycle.",
                field="manager",
            )
    before = person.manager_id
    old_prefix = person.path
    new_prefix = (manager.path if manager else "/") + f"{person.id}/"
    # One statement rewrites the whole subtree's paths, whatever its size.
    db.session.execute(
        update(Person)
        .where(Person.company_id == person.company_id, Person.path_within(old_prefix))
        .values(path=literal(new_prefix, String) + func.substr(Person.path, len(old_prefix) + 1,
                                                               type_=String))
        .execution_options(synchronize_session=False)
    )
    person.manager = manager
    db.session.flush()
    db.session.expire_all()
    audit.record(actor, "person.set_manager", person, before={"manager_id": before},
                 after={"manager_id": manager.id if manager else None})


def assign_level(
    actor: Actor,
    person: Person,
    level: Level,
    effective_date: date,
    reason: str,
) -> LevelAssignment:
    """Record that ``person`` holds ``level`` from ``effective_date`` on.

    The one check for every change of a person's level, whoever asks: a person only within
    their scope and never for themselves; of the system actors, only finalizing a calibration,
    the operator's command line and the demo seed, each named in the audit event. The level
    must be published: a level that exists only in a draft means nothing to the person yet."""
    decider = person_or_system(actor, SYSTEM_FINALIZE, OPERATOR_CLI, SYSTEM_SEED)
    if decider is not None and not can_manage(decider, person):
        if decider.id == person.id:
            raise NotAllowed("Nobody assigns their own level.")
        raise NotAllowed("You can assign levels only to people in your reporting line.")
    return _record_level(actor, decider, person, level, effective_date, reason)


def apply_calibrated_level(actor: Person, person: Person, level: Level, effective_date: date,
                           reason: str) -> LevelAssignment:
    """Record the level a calibration cycle decided for ``person``, as ``actor`` finalizes
    it (``access.may_carry_out_calibration``). The finalizer's own entry is among them when
    they are in the population: that decision is the cycle's, which they could neither see nor
    change, so it is recorded as ``SYSTEM_FINALIZE``'s, never as theirs. Nobody changes their
    own level, even by pressing finalize."""
    if not may_carry_out_calibration(actor, person):
        raise NotAllowed("Only HR running calibrations apply a cycle's level decisions, and "
                         "only within their scope.")
    if person.id == actor.id:
        return _record_level(SYSTEM_FINALIZE, None, person, level, effective_date, reason)
    return _record_level(actor, actor, person, level, effective_date, reason)


def _record_level(actor: Actor, decider: Person | None, person: Person, level: Level,
                  effective_date: date, reason: str) -> LevelAssignment:
    """Write the decision: ``actor`` is who the audit log names, ``decider`` the person shown
    as having decided (none for the system's own work)."""
    require_actor(actor)
    if level.company_id != person.company_id:
        raise DomainError("Choose a level of your company's ladder.", field="level")
    if level.archived:
        raise DomainError(f"{level.code} was removed from the ladder; choose a current level.",
                          field="level")
    from ..ladders.visibility import is_published  # ladders builds on this module

    if not is_published(level):
        raise DomainError(f"{level.code} is not published yet; publish the ladder before "
                          "assigning it.", field="level")
    if decider is not None and not reason.strip():
        raise DomainError("Say why: the reason appears in the person's history.", field="reason")
    if len(reason) > REASON_MAX:
        raise DomainError(f"A reason is at most {REASON_MAX} characters.", field="reason")
    assignment = LevelAssignment(
        company_id=person.company_id,
        person=person,
        level=level,
        effective_date=effective_date,
        reason=reason.strip(),
        decided_by=decider,
    )
    db.session.add(assignment)
    db.session.flush()
    audit.record(
        actor,
        "level.assign",
        person,
        after={
            "level_id": level.id,
            "code": level.code,
            "effective_date": effective_date.isoformat(),
            "reason": assignment.reason,
        },
    )
    return assignment


def with_current_level(people: Select, today: date) -> Subquery:
    """``people`` (a select from Person) with each one's level in force on ``today`` added as
    ``level_id`` (None for someone without a level yet), for reading many people's levels at
    once (a chart of a company).

    An assignment is in force when no later one has started by ``today`` (the same order as
    current_assignment: effective date, then id). current_assignments_subquery looks each
    person up by index instead, which suits a page of fifty but probes the index 20,000 times
    for a company. As an anti-join, PostgreSQL hashes both sides once (20,000 people in 35 ms,
    against 45 ms for ranking every assignment with a window, 150 ms for the lookups), and
    SQLite probes its (person, date) index once per assignment.
    """
    later = alias(LevelAssignment, "later")
    superseded = select(later.id).where(
        later.person_id == LevelAssignment.person_id,
        later.effective_date <= today,
        or_(later.effective_date > LevelAssignment.effective_date,
            and_(later.effective_date == LevelAssignment.effective_date,
                 later.id > LevelAssignment.id)),
    ).exists()
    return (
        people.add_columns(LevelAssignment.level_id)
        .outerjoin(LevelAssignment, and_(LevelAssignment.person_id == Person.id,
                                         LevelAssignment.effective_date <= today,
                                         ~superseded))
        .subquery("current_level")
    )


def current_assignment(person: Person, today: date | None = None) -> LevelAssignment | None:
    today = today or date.today()
    return db.session.scalar(
        select(LevelAssignment)
        .where(LevelAssignment.person_id == person.id, LevelAssignment.effective_date <= today)
        .order_by(LevelAssignment.effective_date.desc(), LevelAssignment.id.desc())
        .limit(1)
    )


def current_assignments_subquery(company_id: int, today: date):
    """Each person's assignment in force on ``today``: one row per person, for joins.

    The latest assignment is picked by a correlated lookup on the (person, effective date)
    index rather than a window over the whole history: SQLite materializes a window subquery
    once per join and took seconds on a 10,000-person company, where this takes milliseconds.
    """
    later = alias(LevelAssignment, "later")
    latest_id = (
        select(later.id)
        .where(later.person_id == LevelAssignment.person_id, later.effective_date <= today)
        .order_by(later.effective_date.desc(), later.id.desc())
        .limit(1)
        .correlate(LevelAssignment)
        .scalar_subquery()
    )
    return (
        select(LevelAssignment.person_id, LevelAssignment.level_id,
               LevelAssignment.effective_date)
        .where(LevelAssignment.company_id == company_id, LevelAssignment.id == latest_id)
        .subquery("current_assignment")
    )
