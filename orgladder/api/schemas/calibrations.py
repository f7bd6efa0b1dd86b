"""Calibration cycles, their sessions, entries and the notes of an entry."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import Field

from ...calibration.entries import MAX_NOTE
from ...calibration.scales import MAX_LABEL, MAX_STEPS
from ...calibration.states import CycleState
from .common import Id, In, Out, Page, PageQuery, QueryId, Ref, patch_field

State = CycleState
Label = Annotated[str, Field(min_length=1, max_length=MAX_LABEL)]
ScaleValue = Annotated[int, Field(ge=1, le=MAX_STEPS)]


class SessionOut(Out):
    id: int
    name: str
    root_id: int | None = Field(
        description="The session groups everyone below this person who is not in a session "
                    "further down; null: everyone of the cycle not in another session.")
    facilitator_id: int
    participant_ids: list[int]


class StepOut(Out):
    to: State
    verb: str = Field(description="The move as the pages name it, e.g. `start the session`.")


class CalibrationSummary(Out):
    id: int
    name: str
    state: State = Field(description="draft → preparation → in_session → finalized; a "
                                     "finalized cycle can be reopened (back in session).")
    ladder_id: int
    population_root_id: int | None = Field(
        description="Everyone below this person is calibrated; null: the whole company.")
    period_start: date
    period_end: date
    due_date: date | None = Field(description="When preparation should be done.")
    rating_scale: list[str] = Field(description="Performance labels, lowest first: rating 1 "
                                                "is the first.")
    potential_scale: list[str] = Field(description="Potential labels, lowest first.")
    target_distribution: list[int] | None = Field(
        description="Percent of people expected at each rating, or null.")
    created_at: datetime
    finalized_at: datetime | None
    manages: bool = Field(description="You set this cycle up and move it through its states.")
    sessions: list[SessionOut] = Field(
        description="Every session for those who manage the cycle; otherwise the open "
                    "sessions you facilitate or take part in.")
    to_prepare: int = Field(description="In preparation: the entries of your reporting line "
                                        "to fill in.")
    next_steps: list[StepOut] = Field(description="The moves you may make from here.")


class CalibrationPage(Page):
    items: list[CalibrationSummary]


WITHHELD = ("Entries about you: counted among the people, never as prepared or not; another "
            "HR handles them.")


class SessionProgress(Out):
    session_id: int | None = Field(description="null: the people in no session yet.")
    people: int
    prepared: int = Field(description="Prepared entries, never counting your own.")
    withheld: int = Field(description=WITHHELD)


class Progress(Out):
    population: int
    prepared: int = Field(description="Prepared entries, never counting your own.")
    withheld: int = Field(description=WITHHELD)
    sessions: list[SessionProgress]


class CalibrationOut(CalibrationSummary):
    progress: Progress | None = Field(
        description="Head counts per session, for those who manage the cycle; null otherwise.")


class CalibrationCreate(In):
    name: str = Field(min_length=1, max_length=200)
    ladder_id: Id
    population_root_id: Id | None = Field(
        None, description="Calibrate everyone below this manager; null or absent: the whole "
                          "company (HR of the whole company only).")
    period_start: date
    period_end: date
    due_date: date | None = None
    rating_scale: list[Label] | None = Field(
        None, min_length=2, max_length=MAX_STEPS,
        description="Labels lowest first; absent: the five standard ratings.")
    potential_scale: list[Label] | None = Field(
        None, min_length=2, max_length=MAX_STEPS,
        description="Labels lowest first; absent: Low, Medium, High.")
    target_distribution: list[Annotated[int, Field(ge=0, le=100)]] | None = Field(
        None, max_length=MAX_STEPS,
        description="Percent per rating, lowest first, adding up to 100; absent: none.")


class TransitionIn(In):
    to: State = Field(description="The state to move the cycle to.")
    reason: str | None = Field(
        None, max_length=2000,
        description="Why a finalized cycle is reopened (required then, at least 10 "
                    "characters); recorded in the audit log. Only reopening takes one.")
    effective_date: date | None = Field(
        None, description="When finalizing: the day the level changes take effect (today "
                          "when absent). Only finalizing takes one.")


class LevelBrief(Out):
    id: int
    code: str
    title: str
    track_id: int


class Prepared(Out):
    """What the manager prepared, kept when the session started."""

    proposed_level_id: int | None
    performance: int | None
    potential: int | None
    promotion_ready: bool | None


EntryField = Literal["proposed_level_id", "performance", "potential", "promotion_ready"]


class EntryOut(Out):
    id: int
    calibration_id: int
    session_id: int | None
    person: Ref = Field(description="Whom the entry is about (never the caller).")
    manager_id: int | None = Field(description="Their manager when the cycle opened.")
    current_level: LevelBrief | None = Field(description="The level held when the cycle "
                                                         "opened.")
    proposed_level: LevelBrief | None
    performance: int | None = Field(description="The position on the rating scale, from 1.")
    performance_label: str | None
    potential: int | None = Field(description="The position on the potential scale, from 1.")
    potential_label: str | None
    promotion_ready: bool
    prepared: Prepared | None = Field(description="What the manager prepared, once the "
                                                  "session has started; null before.")
    changed_in_session: list[EntryField] = Field(
        description="The fields the session changed from what was prepared.")
    prepared_by_id: int | None
    prepared_at: datetime | None
    updated_by_id: int | None
    updated_at: datetime | None
    locked: bool = Field(description="The cycle is finalized: the entry is read-only.")
    editable: bool = Field(description="You may change the entry and add notes now.")
    revision: int = Field(description="Counts the saves; the ETag starts with it.")


class EntryPage(Page):
    items: list[EntryOut]


class EntriesQuery(PageQuery):
    session_id: QueryId | None = Field(None, description="The entries of this session only.")


class EntryPatch(In):
    """Only the fields sent change."""

    proposed_level_id: Id | None = Field(None, description="A level of the cycle's ladder; "
                                                           "null: none proposed.")
    performance: ScaleValue | None = Field(None, description="null: not rated yet.")
    potential: ScaleValue | None = Field(None, description="null: not assessed yet.")
    promotion_ready: bool = patch_field()


class NoteOut(Out):
    id: int
    entry_id: int
    author: Ref | None = Field(description="Who wrote it; null if they were removed.")
    body: str
    created_at: datetime


class NotePage(Page):
    items: list[NoteOut]


class NoteCreate(In):
    body: str = Field(min_length=1, max_length=MAX_NOTE)
