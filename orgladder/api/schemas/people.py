"""People, their levels and level assignments, and the caller (me)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import Field

from .common import Id, In, Out, Page, PageQuery, QueryId, Ref, patch_field
from .ladders import CompetencyOut, LevelOut

Role = Literal["employee", "manager", "hr"]
Band = Literal["below", "within", "above"]


class ScopedGrant(In):
    """An HR grant for one part of the org: the people under ``scope_manager_id``."""

    role: Literal["hr"] = Field(description="Only HR grants are scoped; a manager's scope is "
                                            "their own reporting line.")
    scope_manager_id: Id = Field(description="The person at the top of that part of the org.")


class ScopedGrantOut(Out):
    role: str
    scope_manager_id: int


GRANTS_HELP = ("HR grants for a part of the org (an HR business partner); `roles` holds the "
               "company-wide ones. Nobody grants more than they hold: HR for a part of the "
               "org grants only inside it, and nobody changes their own grants.")


class PersonOut(Out):
    id: int
    email: str
    name: str
    manager_id: int | None
    roles: list[str] = Field(description="Every role held, however scoped.")
    grants: list[ScopedGrantOut] = Field(description=GRANTS_HELP)
    active: bool
    level: LevelOut | None = Field(
        description="The level held today, as the published ladder words it; null if none.")
    level_since: date | None = Field(description="When the current level took effect.")
    years_of_experience: float | None
    band: Band | None = Field(
        description="Years of experience against the level's typical band.")
    profession_start: date | None


class PersonPage(Page):
    items: list[PersonOut]


class PeopleQuery(PageQuery):
    manager_id: QueryId | None = Field(None, description="Direct reports of this person.")
    level_id: QueryId | None = Field(None, description="People holding this level.")
    track_id: QueryId | None = Field(None, description="People on this track.")
    active: bool | None = Field(
        None, description="true: active people only; false: deactivated only; "
                          "absent: everyone.")


class PersonCreate(In):
    email: str = Field(min_length=3, max_length=254)
    name: str = Field(min_length=1, max_length=200)
    manager_id: Id | None = None
    profession_start: date | None = Field(None, description="Start in the profession.")
    roles: list[Role] = Field(default_factory=list, max_length=3,
                              description="Company-wide roles. Everyone is an employee; add "
                                          "manager and/or hr.")
    grants: list[ScopedGrant] = Field(default_factory=list, max_length=50,
                                      description=GRANTS_HELP)
    password: str | None = Field(None, max_length=200,
                                 description="Without one, the person cannot sign in yet.")


class PersonPatch(In):
    email: str = patch_field(min_length=3, max_length=254)
    name: str = patch_field(min_length=1, max_length=200)
    manager_id: Id | None = Field(None, description="null: at the top of the org.")
    profession_start: date | None = None
    roles: list[Role] = patch_field(max_length=3, description="Company-wide roles, all of them.")
    grants: list[ScopedGrant] = patch_field(
        max_length=50, description=GRANTS_HELP + " Given, it is the whole list: a grant left "
                                                 "out is removed.")
    active: bool = patch_field(description="false deactivates (sign-in and tokens end).")


class Company(Out):
    id: int
    name: str
    slug: str


class MeOut(PersonOut):
    company: Company
    permissions: list[str]


class AssignmentCreate(In):
    level_id: Id
    effective_date: date = Field(description="ISO date from which the level holds.")
    reason: str = Field(min_length=1, max_length=2000,
                        description="Why; it appears in the person's history.")


AssignmentKind = Literal["initial", "promotion", "step_down", "track_switch", "track_change",
                         "ladder_change", "same_level"]


class AssignmentOut(Out):
    id: int
    person_id: int
    level_id: int
    level: LevelOut | None = Field(
        description="The level as published; null for a level that is in no published version.")
    effective_date: date
    reason: str
    decided_by: Ref | None = Field(
        description="Who decided; null for a system actor, which the audit log names.")
    kind: AssignmentKind = Field(description="What the decision was against the one before.")
    scheduled: bool = Field(description="Takes effect after today.")
    created_at: datetime


class AssignmentPage(Page):
    items: list[AssignmentOut]


class GapOut(Out):
    competency: str = Field(description="Competency key.")
    current: str
    target: str
    changed: bool


class NextStepOut(Out):
    relation: Literal["next", "equivalent", "entry"] = Field(
        description="`next` on the same track; `equivalent` or `entry` on another track.")
    track_id: int
    level: LevelOut
    gap: list[GapOut]


class ExpectationsOut(Out):
    person_id: int
    level: LevelOut | None
    years_of_experience: float | None
    band: Band | None
    competencies: list[CompetencyOut]
    expectations: dict[str, str] = Field(description="The current level's, by competency key.")
    next_steps: list[NextStepOut]
