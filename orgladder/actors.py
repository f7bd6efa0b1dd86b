"""Who acts: a person, or a named system actor for work no person does at that moment.

Services take the acting person explicitly and check what that person may do. Some work has no
person behind it: finalizing a calibration applies its decisions, an operator runs a command on
the server, the demo seed builds a company. That work acts as a ``SystemActor``, which the
audit log names ("Operator (command line)"), and a service accepts one only where it says so
(``allow_system``), never because an actor was left out: ``None`` is refused everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeAlias

from .errors import NotAllowed

if TYPE_CHECKING:
    from .people.models import Person


@dataclass(frozen=True)
class SystemActor:
    """Work done by the system itself; ``name`` is what the audit log shows as the actor."""

    name: str

    # A system actor is no person: it has no id, belongs to no company, and holds no grant,
    # so the permission checks of ``access`` find nothing in it.
    id = None
    company_id = None
    grants: tuple = ()

    def __str__(self) -> str:
        return self.name


SYSTEM_FINALIZE = SystemActor("System (finalize)")
OPERATOR_CLI = SystemActor("Operator (command line)")
SYSTEM_SEED = SystemActor("System (demo seed)")
SYSTEM_SETUP = SystemActor("System (company setup)")

SYSTEM_ACTORS = (SYSTEM_FINALIZE, OPERATOR_CLI, SYSTEM_SEED, SYSTEM_SETUP)

Actor: TypeAlias = "Person | SystemActor"


class MissingActor(TypeError):
    """A service was called without saying who acts."""


def require_actor(actor) -> None:
    """Refuse a call that names no actor: leaving the actor out never skips a check."""
    if actor is None:
        raise MissingActor("a service needs the acting person or a named system actor, not None")


def is_system(actor) -> bool:
    return isinstance(actor, SystemActor)


def person_or_system(actor, *allowed: SystemActor) -> Person | None:
    """The acting person, or None for one of the ``allowed`` system actors (whose work the
    service accepts without a person's check). Any other system actor, and ``None``, is
    refused."""
    require_actor(actor)
    if isinstance(actor, SystemActor):
        if actor not in allowed:
            raise NotAllowed(f"{actor.name} may not do this.")
        return None
    return actor
