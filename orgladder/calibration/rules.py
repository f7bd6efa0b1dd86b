"""Who may see and change what in a calibration: the one place these rules live.

Calibration content is never visible to the person it concerns, whatever else they are
(a manager, a participant, HR). Beyond that, an entry is visible to:

- HR who manage calibrations, for the people in their scope, in every state;
- the person's manager chain (anyone above them) while the cycle is in preparation: they fill
  the entry in;
- the facilitator and the participants of the entry's session, once the session has started.

``visible_entries_clause`` is the SQL twin of ``may_see_entry``, for lists and exports.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, false, or_, select

from ..access import Permission, company_wide, has_permission, in_scope, scope_clause
from ..actors import require_actor
from ..people.models import Person
from .models import CalibrationCycle, CalibrationEntry, CalibrationSession, session_participants
from .states import ENTRY_EDITABLE, CycleState

SESSION_OPEN = frozenset({CycleState.IN_SESSION, CycleState.FINALIZED})


def may_manage(actor: Person, cycle: CalibrationCycle) -> bool:
    """HR who may set up, move and close this cycle: its whole population is in their scope."""
    require_actor(actor)
    if actor.company_id != cycle.company_id:
        return False
    if not has_permission(actor, Permission.MANAGE_CALIBRATIONS):
        return False
    root = cycle.population_root
    return company_wide(actor) or (root is not None and in_scope(actor, root))


def in_chain(actor: Person, person: Person) -> bool:
    """Is ``actor`` above ``person`` in the reporting line (never oneself)?"""
    return (person.id != actor.id and person.company_id == actor.company_id
            and has_permission(actor, Permission.CALIBRATE)
            and person.path.startswith(actor.path))


def may_see_entry(actor: Person, entry: CalibrationEntry) -> bool:
    require_actor(actor)
    person, cycle = entry.person, entry.cycle
    if person.id == actor.id or person.company_id != actor.company_id:
        return False
    if may_manage(actor, cycle) and in_scope(actor, person):
        return True
    if cycle.state == CycleState.PREPARATION and in_chain(actor, person):
        return True
    session = entry.session
    return (cycle.state in SESSION_OPEN and session is not None
            and has_permission(actor, Permission.CALIBRATE) and session.involves(actor))


def may_edit_entry(actor: Person, entry: CalibrationEntry) -> bool:
    """Seeing an entry while it is open is what lets one fill it in (and write notes)."""
    require_actor(actor)
    return (entry.cycle.state in ENTRY_EDITABLE and entry.locked_at is None
            and may_see_entry(actor, entry))


def may_see_session(actor: Person, session: CalibrationSession) -> bool:
    require_actor(actor)
    cycle = session.cycle
    if actor.company_id != session.company_id:
        return False
    if may_manage(actor, cycle):
        return True
    return (cycle.state in SESSION_OPEN and has_permission(actor, Permission.CALIBRATE)
            and session.involves(actor))


def sessions_of(actor: Person, cycle: CalibrationCycle) -> list[CalibrationSession]:
    """The sessions the actor facilitates or takes part in."""
    return [session for session in cycle.sessions if session.involves(actor)]


def visible_entries_clause(actor: Person, cycle: CalibrationCycle) -> ColumnElement[bool]:
    """WHERE clause over ``CalibrationEntry`` joined to its ``Person``: the entries of
    ``cycle`` that ``may_see_entry`` allows ``actor``."""
    base = and_(CalibrationEntry.cycle_id == cycle.id, CalibrationEntry.person_id != actor.id,
                Person.company_id == actor.company_id)
    if actor.company_id != cycle.company_id:
        return false()
    grants = []
    if may_manage(actor, cycle):
        grants.append(scope_clause(actor))
    if has_permission(actor, Permission.CALIBRATE):
        if cycle.state == CycleState.PREPARATION:
            grants.append(Person.path_within(actor.path))
        if cycle.state in SESSION_OPEN:
            involved = select(CalibrationSession.id).where(
                CalibrationSession.cycle_id == cycle.id,
                or_(CalibrationSession.facilitator_id == actor.id,
                    CalibrationSession.id.in_(
                        select(session_participants.c.session_id)
                        .where(session_participants.c.person_id == actor.id))))
            grants.append(CalibrationEntry.session_id.in_(involved))
    if not grants:
        return false()
    return and_(base, or_(*grants))
