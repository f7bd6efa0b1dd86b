"""What changes between two levels, competency by competency (the gap view)."""

from __future__ import annotations

from dataclasses import dataclass

from ..ladders.diff import Segment, word_diff
from ..ladders.models import Competency


@dataclass(frozen=True)
class GapRow:
    competency: Competency
    current: str
    target: str
    segments: list[Segment]

    @property
    def changed(self) -> bool:
        return self.current.strip() != self.target.strip()


def gap(competencies: list[Competency], current: dict[int, str],
        target: dict[int, str]) -> list[GapRow]:
    rows = []
    for competency in competencies:
        before, after = current.get(competency.id, ""), target.get(competency.id, "")
        rows.append(GapRow(competency, before, after, word_diff(before, after)))
    return rows
