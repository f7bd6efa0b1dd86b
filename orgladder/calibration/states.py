"""The life of a calibration cycle, in one place.

    draft ──> preparation ──> in session ──> finalized
                                  ^              │
                                  └── reopen ────┘  (only with a written reason)

Draft: HR sets the cycle up. Preparation: managers fill the entries of their reports. In
session: the group calibrates. Finalized: read-only, level changes applied.
"""

from __future__ import annotations

from enum import StrEnum

from ..errors import DomainError


class CycleState(StrEnum):
    DRAFT = "draft"
    PREPARATION = "preparation"
    IN_SESSION = "in_session"
    FINALIZED = "finalized"


LABELS = {
    CycleState.DRAFT: "Draft",
    CycleState.PREPARATION: "Preparation",
    CycleState.IN_SESSION: "In session",
    CycleState.FINALIZED: "Finalized",
}

# (from, to) -> the verb of the step, as the pages name it
TRANSITIONS: dict[tuple[CycleState, CycleState], str] = {
    (CycleState.DRAFT, CycleState.PREPARATION): "open preparation",
    (CycleState.PREPARATION, CycleState.IN_SESSION): "start the session",
    (CycleState.IN_SESSION, CycleState.FINALIZED): "finalize",
    (CycleState.FINALIZED, CycleState.IN_SESSION): "reopen",
}
REOPEN = (CycleState.FINALIZED, CycleState.IN_SESSION)
MIN_REASON = 10

# Where entries can be written (values and notes); a finalized cycle is read-only.
ENTRY_EDITABLE = frozenset({CycleState.PREPARATION, CycleState.IN_SESSION})
# Where sessions can be added or removed: regrouping people mid-session would move entries
# under the participants' feet.
REGROUPABLE = frozenset({CycleState.DRAFT, CycleState.PREPARATION})
# Where the cycle's settings can be edited.
SETTINGS_EDITABLE = frozenset({CycleState.DRAFT, CycleState.PREPARATION})


def label(state: str) -> str:
    try:
        return LABELS[CycleState(state)]
    except ValueError:
        return state


def state_of(value: str) -> CycleState:
    try:
        return CycleState(value)
    except ValueError:
        raise DomainError(f"{value!r} is not a state of a calibration cycle.") from None


def next_steps(state: str) -> list[tuple[CycleState, str]]:
    """The moves open from ``state``, with their verbs."""
    return [(to, verb) for (frm, to), verb in TRANSITIONS.items() if frm == state]


def check_transition(current: str, target: str, reason: str | None = None) -> str:
    """The verb of the move from ``current`` to ``target``, or a DomainError saying why the
    move is refused and what is possible instead."""
    frm, to = state_of(current), state_of(target)
    verb = TRANSITIONS.get((frm, to))
    if verb is None:
        if frm == to:
            raise DomainError(f"The cycle is already {LABELS[frm].lower()}.")
        options = next_steps(frm)
        hint = (" From here it can only " + " or ".join(v for _, v in options) + "."
                if options else "")
        raise DomainError(
            f"A cycle in {LABELS[frm].lower()} cannot move to {LABELS[to].lower()}.{hint}")
    if (frm, to) == REOPEN and len((reason or "").strip()) < MIN_REASON:
        raise DomainError(f"Write why the cycle is reopened (at least {MIN_REASON} characters).",
                          field="reason")
    return verb
