"""A readable comparison of two ladder documents: what was added, removed, renamed, which
years moved, and how texts changed word by word (difflib). Items are matched by id, so a
rename reads as a rename, not as a removal and an addition."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Segment:
    op: str  # "same", "del" or "ins"
    text: str


@dataclass
class Change:
    kind: str  # "added", "removed", "renamed", "changed"
    subject: str
    detail: str = ""
    words: list[Segment] = field(default_factory=list)


def word_diff(old: str, new: str) -> list[Segment]:
    a, b = (old or "").split(), (new or "").split()
    segments: list[Segment] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            segments.append(Segment("same", " ".join(a[i1:i2])))
            continue
        if i2 > i1:
            segments.append(Segment("del", " ".join(a[i1:i2])))
        if j2 > j1:
            segments.append(Segment("ins", " ".join(b[j1:j2])))
    return segments


def _years(level: dict) -> str:
    low, high = level.get("min_years", 0), level.get("max_years")
    return f"{low}+ years" if high is None else f"{low}–{high} years"


def _levels(doc: dict) -> dict[Any, tuple[str, dict]]:
    return {(lv.get("id") or lv["code"]): (track["name"], lv)
            for track in doc.get("tracks") or [] for lv in track.get("levels") or []}


def _text_change(changes, subject, old, new) -> None:
    if (old or "") != (new or ""):
        changes.append(Change("changed", subject, words=word_diff(old, new)))


def compare(old: dict, new: dict) -> list[Change]:
    changes: list[Change] = []
    if old["name"] != new["name"]:
        changes.append(Change("renamed", "Ladder", f"{old['name']} → {new['name']}"))
    _text_change(changes, "Ladder description", old.get("description"), new.get("description"))

    old_tracks = {(t.get("id") or t["name"]): t for t in old.get("tracks") or []}
    new_tracks = {(t.get("id") or t["name"]): t for t in new.get("tracks") or []}
    for key, track in new_tracks.items():
        before = old_tracks.get(key)
        if before is None:
            changes.append(Change("added", f"Track {track['name']}", track.get("kind", "ic")))
        elif before["name"] != track["name"]:
            changes.append(Change("renamed", "Track", f"{before['name']} → {track['name']}"))
    changes += [Change("removed", f"Track {t['name']}") for k, t in old_tracks.items()
                if k not in new_tracks]

    old_keys = {c["key"]: c for c in old.get("competencies") or []}
    new_keys = {c["key"]: c for c in new.get("competencies") or []}
    old_comps = {(c.get("id") or c["key"]): c for c in old.get("competencies") or []}
    for key, comp in ((c.get("id") or c["key"], c) for c in new.get("competencies") or []):
        before = old_comps.pop(key, None)
        if before is None:
            changes.append(Change("added", f"Competency {comp['name']}"))
            continue
        if before["name"] != comp["name"]:
            changes.append(Change("renamed", "Competency", f"{before['name']} → {comp['name']}"))
        if before.get("retired", False) != comp.get("retired", False):
            changes.append(Change("changed", f"Competency {comp['name']}",
                                  "retired" if comp.get("retired") else "back in use"))
        _text_change(changes, f"Competency {comp['name']}: description",
                     before.get("description"), comp.get("description"))
    changes += [Change("removed", f"Competency {c['name']}") for c in old_comps.values()]
    names = {**{k: c["name"] for k, c in old_keys.items()},
             **{k: c["name"] for k, c in new_keys.items()}}

    old_levels, new_levels = _levels(old), _levels(new)
    for key, (track, level) in new_levels.items():
        if key not in old_levels:
            changes.append(Change("added", f"Level {level['code']} {level['title']}",
                                  f"on {track}, {_years(level)}"))
            continue
        old_track, before = old_levels[key]
        _level_changes(changes, before, level, old_track, track, names)
    changes += [Change("removed", f"Level {lv['code']} {lv['title']}", f"from {track}")
                for key, (track, lv) in old_levels.items() if key not in new_levels]
    return changes


def _level_changes(changes, before, level, old_track, track, names) -> None:
    code = level["code"]
    if before["code"] != code:
        changes.append(Change("renamed", f"Level code {before['code']}", f"→ {code}"))
    if before["title"] != level["title"]:
        changes.append(Change("renamed", f"Level {code}", f"{before['title']} → {level['title']}"))
    if old_track != track:
        changes.append(Change("changed", f"Level {code}", f"moved from {old_track} to {track}"))
    if _years(before) != _years(level):
        changes.append(Change("changed", f"Level {code} years",
                              f"{_years(before)} → {_years(level)}"))
    if before.get("grade") != level.get("grade"):
        changes.append(Change("changed", f"Level {code} grade",
                              f"{before.get('grade')} → {level.get('grade')}"))
    _text_change(changes, f"Level {code} summary", before.get("summary"), level.get("summary"))
    for part in ("responsibilities", "skills"):
        _text_change(changes, f"Level {code} {part}", "\n".join(before.get(part) or []),
                     "\n".join(level.get(part) or []))
    old_exp, new_exp = before.get("expectations") or {}, level.get("expectations") or {}
    for key in dict.fromkeys([*old_exp, *new_exp]):
        _text_change(changes, f"Level {code} · {names.get(key, key)}", old_exp.get(key),
                     new_exp.get(key))
