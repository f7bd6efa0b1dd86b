"""Granting and revoking roles: the one way a person's grants change.

Whether the actor may is ``access.may_grant``'s to decide; this module checks the shape of the
grant, applies it and audits it. Granting a grant the person holds already, or revoking one they
do not hold, changes nothing and records nothing (after the same check): a page submitted twice
or a script run again ends in the same state without an error.

The operator at the server (``OPERATOR_CLI``, the command line) and the demo seed act without a
person's grants, since they hold the database anyway; the shape rules still apply to them.
"""

from __future__ import annotations

from .. import audit
from ..access import Role, may_grant
from ..actors import OPERATOR_CLI, SYSTEM_SEED, Actor, person_or_system, require_actor
from ..errors import DomainError, NotAllowed
from ..extensions import db
from .models import Person, RoleGrant

ROLE_NAMES = frozenset(r.value for r in Role)


def describe(role: str, scope_root: Person | None) -> str:
    """A grant in words, as the audit log and the pages show it."""
    if scope_root is None:
        return f"{role} for the whole company" if role == Role.HR else role
    return f"{role} for the part of the org under {scope_root.name} <{scope_root.email}>"


def find_grant(person: Person, role: str, scope_root: Person | None = None) -> RoleGrant | None:
    scope_id = scope_root.id if scope_root is not None else None
    return next((g for g in person.grants if g.role == role and g.scope_root_id == scope_id),
                None)


def _check_shape(person: Person, role: str, scope_root: Person | None) -> None:
    if role not in ROLE_NAMES:
        raise DomainError(f"Unknown role {role!r}: use {', '.join(sorted(ROLE_NAMES))}.",
                          field="role")
    if scope_root is None:
        return
    if role != Role.HR:
        raise DomainError("Only an HR grant can be limited to a part of the org.", field="scope")
    if scope_root.company_id != person.company_id:
        raise DomainError("No one in your company has this email address.", field="scope")


def _check_allowed(actor: Actor, person: Person, role: str,
                   scope_root: Person | None) -> None:
    actor = person_or_system(actor, OPERATOR_CLI, SYSTEM_SEED)
    if actor is None:
        return
    if actor.id == person.id:
        raise NotAllowed("Nobody changes their own roles: ask another HR.")
    if not may_grant(actor, person, role, scope_root):
        raise NotAllowed(f"You cannot grant or remove {describe(role, scope_root)}: "
                         "nobody grants more than they hold.")


def _audit_details(grant_role: str, scope_root: Person | None) -> dict:
    return {"role": grant_role, "scope_root_id": scope_root.id if scope_root else None,
            "grant": describe(grant_role, scope_root)}


def grant_role(actor: Actor, person: Person, role: str,
               scope_root: Person | None = None) -> RoleGrant:
    """Give ``person`` the role (HR for the part under ``scope_root`` if given). Returns the
    grant; one the person holds already is returned unchanged."""
    require_actor(actor)
    _check_shape(person, role, scope_root)
    _check_allowed(actor, person, role, scope_root)
    existing = find_grant(person, role, scope_root)
    if existing is not None:
        return existing
    grant = RoleGrant(company_id=person.company_id, role=role, scope_root=scope_root)
    person.grants.append(grant)
    db.session.flush()
    audit.record(actor, "person.grant", person, after=_audit_details(role, scope_root))
    return grant


def revoke_role(actor: Actor, person: Person, role: str,
                scope_root: Person | None = None) -> None:
    """Take the grant away. Everyone keeps the employee role."""
    require_actor(actor)
    _check_shape(person, role, scope_root)
    if role == Role.EMPLOYEE:
        raise DomainError("Everyone keeps the employee role.", field="role")
    _check_allowed(actor, person, role, scope_root)
    existing = find_grant(person, role, scope_root)
    if existing is None:
        return
    person.grants.remove(existing)
    db.session.flush()
    audit.record(actor, "person.revoke", person, before=_audit_details(role, scope_root))


def set_scoped_grants(actor: Actor, person: Person,
                      wanted: list[tuple[str, Person]]) -> None:
    """Make ``person``'s scoped grants exactly ``wanted`` (role, scope root), one grant or
    revoke at a time, each checked; company-wide roles are left alone (``hr.set_roles``)."""
    want = {(role, root.id): root for role, root in wanted}
    held = {(g.role, g.scope_root_id): g.scope_root for g in person.grants
            if g.scope_root_id is not None}
    for role, root_id in sorted(held.keys() - want.keys()):
        revoke_role(actor, person, role, held[(role, root_id)])
    for role, root_id in sorted(want.keys() - held.keys()):
        grant_role(actor, person, role, want[(role, root_id)])
