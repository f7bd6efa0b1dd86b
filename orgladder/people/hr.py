"""HR's edits to a person's record: details, manager, roles, deactivation.

Every edit is checked against the state the editor saw (``snapshot``): a stale save is refused
with the fields that changed in between, never silently overwritten.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from email_validator import EmailNotValidError
from sqlalchemy import delete, func, select

from .. import audit
from ..access import (
    Permission,
    Role,
    can_administer,
    company_wide,
    has_permission,
    in_scope,
    may_place,
)
from ..actors import OPERATOR_CLI, SYSTEM_SEED, Actor, person_or_system, require_actor
from ..auth.models import AuthSession
from ..auth.tokens import revoke_all_tokens
from ..errors import DomainError, NotAllowed
from ..extensions import db
from ..passwords import password_problems
from .grants import ROLE_NAMES, grant_role, revoke_role
from .models import Person
from .service import checked_email, create_person, find_by_email, set_manager

ASSIGNABLE_ROLES = (Role.MANAGER, Role.HR)
FIELD_LABELS = {
    "name": "name", "email": "email", "manager_email": "manager",
    "profession_start": "start in the profession", "roles": "roles", "active": "status",
}


def company_roles(person: Person) -> list[str]:
    """Roles granted company-wide (scoped grants are managed elsewhere and left alone)."""
    return sorted({g.role for g in person.grants if g.scope_root_id is None})


def snapshot(person: Person) -> dict[str, Any]:
    """The editable state of a person, as plain JSON values."""
    return {
        "name": person.name,
        "email": person.email,
        "manager_email": person.manager.email if person.manager else "",
        "profession_start": person.profession_start.isoformat() if person.profession_start else "",
        "roles": company_roles(person),
        "active": person.active,
    }


def unknown_to(actor: Person, what: str = "email address") -> str:
    """The refusal for someone the actor may not see: as if nobody had the address, so the
    answer reveals nothing about people outside the actor's part of the company."""
    part = "your company" if company_wide(actor) else "your part of the company"
    return f"No one in {part} has this {what}."


def manager_by_email(actor: Person, email: str | None, *, keep: Person | None = None,
                     field: str = "manager_email") -> Person | None:
    """The person named in a form (a manager, a scope root): someone the actor may see, or a
    field error. ``keep`` (the current manager) is accepted even outside the actor's scope:
    leaving a field as it was is no move."""
    if not email or not email.strip():
        return None
    manager = find_by_email(email)
    if manager is None or manager.company_id != actor.company_id or (
            manager is not keep and not in_scope(actor, manager)):
        raise DomainError(unknown_to(actor), field=field)
    return manager


def _valid_email(email: str) -> str:
    try:
        return checked_email(email)
    except EmailNotValidError as error:
        raise DomainError(str(error), field="email") from None


def _check_start(profession_start: date | None) -> None:
    if profession_start is not None and profession_start > date.today():
        raise DomainError("The start in the profession cannot be in the future.",
                          field="profession_start")


def _check_allowed(actor: Actor, person: Person) -> None:
    editor = person_or_system(actor, OPERATOR_CLI, SYSTEM_SEED)
    if editor is not None and not can_administer(editor, person):
        raise NotAllowed("Only HR can change this person's record.")


def _check_fresh(person: Person, seen: dict[str, Any] | None) -> None:
    if seen is None:
        return
    now = snapshot(person)
    changed = [f"{FIELD_LABELS[key]} is now {now[key] or '(empty)'}"
               for key in now if key in seen and seen[key] != now[key]]
    if changed:
        raise DomainError("Someone changed this person while you were editing: "
                          + "; ".join(str(c) for c in changed)
                          + ". Review the form and save again.")


def add_person(
    actor: Person,
    *,
    name: str,
    email: str,
    manager: Person | None,
    profession_start: date | None,
    roles: list[str],
    password: str | None = None,
) -> Person:
    """HR adds one person to their company (the import adds many). The person is placed
    where the actor holds HR, and gets only roles the actor may grant (``access``)."""
    require_actor(actor)
    if not has_permission(actor, Permission.MANAGE_PEOPLE):
        raise NotAllowed("Only HR can add people.")
    if not may_place(actor, manager):
        raise DomainError("Choose a manager within your part of the company: the person "
                          "would be outside it." if manager is None else
                          "Choose a manager within your part of the company.",
                          field="manager_email")
    if not name.strip():
        raise DomainError("Give the person a name.", field="name")
    email = _valid_email(email)
    _check_start(profession_start)
    if password:
        problems = password_problems(password)
        if problems:
            raise DomainError(" ".join(problems), field="password")
    person = create_person(actor, actor.company_id, email=email, name=name, manager=manager,
                           profession_start=profession_start, roles=[Role.EMPLOYEE.value],
                           password=password or None)
    for role in sorted((set(roles) & ROLE_NAMES) - {Role.EMPLOYEE.value}):
        grant_role(actor, person, role)
    return person


def update_person(
    actor: Actor,
    person: Person,
    *,
    name: str,
    email: str,
    manager: Person | None,
    profession_start: date | None,
    roles: list[str],
    seen: dict[str, Any] | None = None,
) -> None:
    """Save HR's edit form: details, manager and roles in one transaction."""
    _check_allowed(actor, person)
    _check_fresh(person, seen)
    before = snapshot(person)
    if not name.strip():
        raise DomainError("Give the person a name.", field="name")
    email = _valid_email(email)
    if email != person.email:
        other = find_by_email(email)
        if other is not None and other.id != person.id:
            raise DomainError("Someone already uses this email address.", field="email")
    _check_start(profession_start)
    if manager is not None and manager.id == person.id:
        raise DomainError("Nobody is their own manager.", field="manager_email")
    if (manager.id if manager else None) != person.manager_id:
        try:
            set_manager(actor, person, manager)
        except NotAllowed:
            raise
        except DomainError as error:
            raise DomainError(error.message, field="manager_email") from error
    person.name = name.strip()
    person.email = email
    person.profession_start = profession_start
    set_roles(actor, person, roles)
    db.session.flush()
    after = snapshot(person)
    if after != before:
        audit.record(actor, "person.update", person, before=before, after=after)


def set_roles(actor: Actor, person: Person, roles: list[str]) -> None:
    """Grant exactly ``roles`` company-wide; everyone keeps the employee role. Each grant and
    revoke goes through ``grants`` (and so ``access.may_grant``); an unchanged list is no
    change, so anyone may save their own record as long as they leave their roles alone."""
    _check_allowed(actor, person)
    wanted = {Role.EMPLOYEE.value} | (set(roles) & ROLE_NAMES)
    current = set(company_roles(person))
    for role in sorted(current - wanted):
        revoke_role(actor, person, role)
    for role in sorted(wanted - current):
        grant_role(actor, person, role)


def set_active(actor: Actor, person: Person, active: bool) -> None:
    """Deactivate (history kept, sign-in refused, sessions ended) or reactivate a person."""
    _check_allowed(actor, person)
    if actor.id is not None and actor.id == person.id:
        # Nobody changes their own status, either way: another HR must.
        raise NotAllowed("You cannot deactivate or reactivate yourself: ask another HR.")
    if person.active == active:
        return
    if not active:
        reports = db.session.scalar(
            select(func.count(Person.id)).where(Person.manager_id == person.id,
                                                Person.active.is_(True))
        )
        if reports:
            raise DomainError(f"{person.name} has {reports} active direct report"
                              f"{'s' if reports != 1 else ''}; give them another manager first.")
        db.session.execute(delete(AuthSession).where(AuthSession.person_id == person.id))
    # A deactivated person keeps no way in: their API tokens go with their sessions, and
    # reactivating them does not bring the tokens back.
    revoked = 0 if active else revoke_all_tokens(person)
    person.active = active
    db.session.flush()
    audit.record(actor, "person.activate" if active else "person.deactivate", person,
                 before={"active": not active},
                 after={"active": active, **({"tokens_revoked": revoked} if revoked else {})})
