"""What changes between two levels, competency by competency (the gap view)."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from ..ladders.models import Competency


@dataclass(frozen=True)
class Segment:
    op: str  # "same", "added" or "removed"
    text: str


@dataclass(frozen=True)
class GapRow:
    competency: Competency
    current: str
    target: str
    segments: list[Segment]

    @property
    def changed(self) -> bool:
        return self.current.strip() != self.target.strip()


def word_diff(before: str, after: str) -> list[Segment]:
    """A word-level diff, so the reader sees what the next level adds to the sentence."""
    a, b = before.split(), after.split()
    segments: list[Segment] = []
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            segments.append(Segment("same", " ".join(a[i1:i2])))
            continue
        if i2 > i1:
            segments.append(Segment("removed", " ".join(a[i1:i2])))
        if j2 > j1:
            segments.append(Segment("added", " ".join(b[j1:j2])))
    return segments


def gap(competencies: list[Competency], current: dict[int, str],
        target: dict[int, str]) -> list[GapRow]:
    rows = []
    for competency in competencies:
        before, after = current.get(competency.id, ""), target.get(competency.id, "")
        rows.append(GapRow(competency, before, after, word_diff(before, after)))
    return rows
