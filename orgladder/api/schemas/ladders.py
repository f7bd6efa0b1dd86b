"""Ladders, tracks, levels, competencies and versions."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field

from .common import Id, In, Out, Page, Query, QueryId, Ref, patch_field

TrackKind = Literal["ic", "management", "specialist"]


class LevelOut(Out):
    id: int
    code: str
    title: str
    track_id: int
    position: int = Field(description="Order on the track, 0 at the bottom.")
    grade: int | None = Field(description="Levels of equal grade on different tracks are "
                                          "equivalent.")
    min_years: int = Field(description="Typical years of experience, from.")
    max_years: int | None = Field(description="Typical years, up to; null when open-ended.")
    summary: str
    responsibilities: list[str]
    skills: list[str]
    expectations: dict[str, str] = Field(
        description="What the level asks in each competency, by competency key.")


class TrackOut(Out):
    id: int
    name: str
    kind: TrackKind
    position: int
    levels: list[LevelOut]


class CompetencyOut(Out):
    id: int
    key: str
    name: str
    description: str
    position: int
    retired: bool


class Equivalence(Out):
    grade: int
    level_ids: list[int] = Field(description="Equivalent levels, one per track, in track order.")


class LadderOut(Out):
    id: int
    name: str
    description: str
    state: Literal["draft", "published"] = Field(
        description="`draft`: the live rows HR edits; `published`: the latest version.")
    version: int | None = Field(
        description="The published version shown, or for a draft the latest published one; "
                    "null before the first publication.")
    published_at: datetime | None
    tracks: list[TrackOut]
    competencies: list[CompetencyOut]
    equivalences: list[Equivalence]


class LadderSummary(Out):
    id: int
    name: str
    description: str
    version: int | None = Field(description="The latest published version, null if none.")
    published_at: datetime | None


class LadderPage(Page):
    items: list[LadderSummary]


class LadderViewQuery(Query):
    view: Literal["draft", "published"] | None = Field(
        None, description="HR reads the draft by default; everyone else the published ladder, "
                          "and only HR may ask for the draft.")


class LadderCreate(In):
    name: str = Field(min_length=1, max_length=200)
    source: Literal["default", "copy", "empty"] = Field(
        "default", description="Start from the default ladder, a copy of another, or nothing.")
    copy_from: Id | None = Field(None, description="The ladder to copy when source is `copy`.")


class LadderPatch(In):
    name: str = patch_field(min_length=1, max_length=200)
    description: str = patch_field(max_length=5000)


class TrackPatch(In):
    name: str = patch_field(min_length=1, max_length=120)
    kind: TrackKind = patch_field()


ListItem = Annotated[str, Field(max_length=2000)]
ExpectationText = Annotated[str, Field(max_length=5000)]


class LevelPatch(In):
    """Only the fields sent change. ``expectations`` sets the text of the competencies it
    names (an empty text clears one) and leaves the others alone."""

    code: str = patch_field(min_length=1, max_length=20)
    title: str = patch_field(min_length=1, max_length=120)
    grade: int | None = Field(None, ge=0, le=99)
    min_years: int = patch_field(ge=0, le=60)
    max_years: int | None = Field(None, ge=0, le=60, description="null: open-ended.")
    summary: str = patch_field(max_length=5000)
    responsibilities: list[ListItem] = patch_field(max_length=100)
    skills: list[ListItem] = patch_field(max_length=100)
    expectations: dict[str, ExpectationText] = patch_field(
        max_length=100, description="Competency key → what this level asks in it.")


class PublishIn(In):
    summary: str = Field(min_length=1, max_length=500,
                         description="What changed; the version history shows it.")


class VersionSummary(Out):
    number: int
    summary: str
    published_at: datetime
    published_by: Ref | None = Field(description="Who published it; null for the system.")


class VersionOut(VersionSummary):
    ladder: LadderOut


class VersionPage(Page):
    items: list[VersionSummary]


class ExportQuery(Query):
    format: Literal["json", "yaml", "csv"] = Field(
        "json", description="The ladder document as JSON or YAML (re-importable), or the "
                            "level table as CSV.")
    version: Literal["draft"] | QueryId = Field(
        "draft", description="`draft` or a published version number.")


class LadderDocument(In):
    """A ladder document (`format: orgladder.ladder`), as exported. It is checked whole by the
    same validator as file imports; every fault is listed with its path."""

    model_config = ConfigDict(extra="allow")

    format: Literal["orgladder.ladder"]
    format_version: Literal[1]
    name: str = Field(min_length=1, max_length=200)
    description: str | None = None
    competencies: list[dict[str, Any]] = Field(
        default_factory=list, description="Each with key, name, description, retired.")
    tracks: list[dict[str, Any]] = Field(
        default_factory=list, description="Each with name, kind and levels (code, title, "
                                          "grade, min_years, max_years, summary, "
                                          "responsibilities, skills, expectations).")
