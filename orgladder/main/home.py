"""What each kind of user sees first: their level and what they can do next."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from ..access import Permission, has_permission, scope_clause
from ..extensions import db
from ..ladders.models import Ladder
from ..people.models import LevelAssignment, Person
from ..people.service import current_assignment


@dataclass
class TeamSummary:
    people: int
    without_level: int


def team_summary(actor: Person, today: date | None = None) -> TeamSummary | None:
    """Head count of the actor's scope (themselves excluded) and how many have no level."""
    if not has_permission(actor, Permission.VIEW_PEOPLE):
        return None
    # Anyone with an assignment in force has a level: an existence test per person is enough,
    # without finding which assignment is the latest.
    has_level = (
        select(LevelAssignment.id)
        .where(LevelAssignment.person_id == Person.id,
               LevelAssignment.effective_date <= (today or date.today()))
        .exists()
    )
    people, with_level = db.session.execute(
        select(func.count(Person.id), func.count(Person.id).filter(has_level))
        .where(scope_clause(actor), Person.id != actor.id, Person.active.is_(True))
    ).one()
    without_level = people - with_level
    return TeamSummary(people=people, without_level=without_level)


def home_context(actor: Person) -> dict:
    return {
        "assignment": current_assignment(actor),
        "team": team_summary(actor),
        "ladder_count": db.session.scalar(
            select(func.count(Ladder.id)).where(Ladder.company_id == actor.company_id)
        ),
    }
