"""The ladder document (``format: orgladder.ladder``): the one validator, parsing with line
numbers, and writing a ladder out as JSON, YAML or a CSV level table.

The default template, imports and published versions all share this shape, so one validator
decides what a well-formed ladder is. Ids (``id`` on tracks, levels and competencies) are
optional: exports carry them so an import into the same ladder matches by identity.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import yaml

from ..bounded import Unreadable, capped, load_json, load_yaml, more_problems, yaml_lines
from ..spreadsheets import escape
from .models import TRACK_KINDS, Ladder

FORMAT = "orgladder.ladder"
FORMAT_VERSION = 1
KEY = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
MAX_UPLOAD = 512 * 1024
MAX_GRADE = 99  # as the level form allows
MAX_YEARS = 60


@dataclass(frozen=True)
class Problem:
    path: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"line {self.line}, " if self.line else ""
        return f"{where}{self.path or 'document'}: {self.message}"


class LadderDocumentError(Exception):
    """A document refused whole; ``problems`` name the path (and line) of every fault."""

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


def _text(value, path, problems, *, required=False, limit=None) -> None:
    if value is None and not required:
        return
    if not isinstance(value, str):
        problems.append(Problem(path, "must be text"))
    elif required and not value.strip():
        problems.append(Problem(path, "must not be empty"))
    elif "\x00" in value:  # no text holds one, and PostgreSQL cannot store one
        problems.append(Problem(path, "must not contain a NUL character"))
    elif limit and len(value) > limit:
        problems.append(Problem(path, f"must be at most {limit} characters"))


def _int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _list(value, path, problems) -> list:
    if value is None:
        return []
    if not isinstance(value, list):
        problems.append(Problem(path, "must be a list"))
        return []
    return value


def _id(item: dict, path: str, problems: list[Problem]) -> None:
    if "id" in item and item["id"] is not None and not (_int(item["id"]) and item["id"] > 0):
        problems.append(Problem(f"{path}.id", "must be a positive whole number"))


def validate(data: Any) -> list[Problem]:
    """Every problem of a ladder document (an empty list when it is sound)."""
    if not isinstance(data, dict):
        return [Problem("", "the document must be a mapping with format, name, tracks")]
    problems: list[Problem] = []
    if data.get("format") != FORMAT:
        problems.append(Problem("format", f"must be {FORMAT!r}"))
    if data.get("format_version") != FORMAT_VERSION:
        problems.append(Problem("format_version", f"must be {FORMAT_VERSION}"))
    _text(data.get("name"), "name", problems, required=True, limit=200)
    _text(data.get("description"), "description", problems)

    keys: set[str] = set()
    for i, item in enumerate(_list(data.get("competencies"), "competencies", problems)):
        path = f"competencies[{i}]"
        if not isinstance(item, dict):
            problems.append(Problem(path, "must be a mapping with key and name"))
            continue
        key = item.get("key")
        if not isinstance(key, str) or not KEY.match(key):
            problems.append(Problem(f"{path}.key", "must be lowercase letters, digits and _"))
        elif key in keys:
            problems.append(Problem(f"{path}.key", f"{key!r} is used twice"))
        else:
            keys.add(key)
        _text(item.get("name"), f"{path}.name", problems, required=True, limit=120)
        _text(item.get("description"), f"{path}.description", problems)
        if "retired" in item and not isinstance(item["retired"], bool):
            problems.append(Problem(f"{path}.retired", "must be true or false"))
        _id(item, path, problems)

    codes: dict[str, str] = {}
    track_names: set[str] = set()
    for t, track in enumerate(_list(data.get("tracks"), "tracks", problems)):
        tpath = f"tracks[{t}]"
        if not isinstance(track, dict):
            problems.append(Problem(tpath, "must be a mapping with name and levels"))
            continue
        name = track.get("name")
        _text(name, f"{tpath}.name", problems, required=True, limit=120)
        if isinstance(name, str) and name in track_names:
            problems.append(Problem(f"{tpath}.name", f"track {name!r} appears twice"))
        track_names.add(name if isinstance(name, str) else "")
        if track.get("kind", "ic") not in TRACK_KINDS:
            problems.append(Problem(f"{tpath}.kind", f"must be one of {', '.join(TRACK_KINDS)}"))
        _id(track, tpath, problems)
        titles: set[str] = set()
        for i, level in enumerate(_list(track.get("levels"), f"{tpath}.levels", problems)):
            _validate_level(level, f"{tpath}.levels[{i}]", keys, codes, titles, problems)
    return problems


def _validate_level(level, path, keys, codes, titles, problems) -> None:
    if not isinstance(level, dict):
        problems.append(Problem(path, "must be a mapping with code and title"))
        return
    code, title = level.get("code"), level.get("title")
    _text(code, f"{path}.code", problems, required=True, limit=20)
    _text(title, f"{path}.title", problems, required=True, limit=120)
    if isinstance(code, str) and code in codes:
        problems.append(Problem(f"{path}.code", f"{code!r} is already used at {codes[code]}"))
    elif isinstance(code, str):
        codes[code] = path
    if isinstance(title, str) and title in titles:
        problems.append(Problem(f"{path}.title", f"{title!r} appears twice on this track"))
    titles.add(title if isinstance(title, str) else "")
    grade = level.get("grade")
    if grade is not None and not (_int(grade) and 0 <= grade <= MAX_GRADE):
        problems.append(Problem(f"{path}.grade", f"must be a whole number from 0 to {MAX_GRADE}"))
    low, high = level.get("min_years", 0), level.get("max_years")
    if not (_int(low) and 0 <= low <= MAX_YEARS):
        problems.append(Problem(f"{path}.min_years",
                                f"must be a whole number from 0 to {MAX_YEARS}"))
    if high is not None and not (_int(high) and 0 <= high <= MAX_YEARS):
        problems.append(Problem(f"{path}.max_years",
                                f"must be empty or a whole number from 0 to {MAX_YEARS}"))
    elif high is not None and _int(low) and high < low:
        problems.append(Problem(f"{path}.max_years", f"{high} is below min_years {low}"))
    _text(level.get("summary"), f"{path}.summary", problems)
    for name in ("responsibilities", "skills"):
        for j, item in enumerate(_list(level.get(name), f"{path}.{name}", problems)):
            _text(item, f"{path}.{name}[{j}]", problems, required=True)
    expectations = level.get("expectations") or {}
    if not isinstance(expectations, dict):
        problems.append(Problem(f"{path}.expectations", "must map competency keys to text"))
        return
    for key, text in expectations.items():
        if key not in keys:
            problems.append(Problem(f"{path}.expectations.{key}", "names no competency"))
        _text(text, f"{path}.expectations.{key}", problems)
    _id(level, path, problems)


def checked(data: Any, lines: Callable[[], dict[str, int]] | None = None) -> dict[str, Any]:
    """The document itself when sound; otherwise LadderDocumentError with its problems (the
    first MAX_PROBLEMS, then a count), each at its line when ``lines`` can find them."""
    problems = validate(data)
    if problems:
        shown = capped(problems, lambda count: Problem("", more_problems(count)))
        found = lines() if lines else {}
        raise LadderDocumentError([Problem(p.path, p.message, _line_for(p.path, found))
                                   for p in shown])
    return data


def _line_for(path: str, lines: dict[str, int]) -> int | None:
    """The line of ``path``, or of its nearest parent that has one (a top-level key's parent is
    the whole document)."""
    while path not in lines:
        if not path:
            return None
        parent = re.sub(r"(\.[^.\[]+|\[\d+\])$", "", path)
        path = parent if parent != path else ""
    return lines[path]


def parse(raw: bytes, filename: str) -> dict[str, Any]:
    """Read an uploaded JSON or YAML ladder; every fault is a LadderDocumentError."""
    if len(raw) > MAX_UPLOAD:
        raise LadderDocumentError([Problem("", f"the file is larger than {MAX_UPLOAD // 1024} KB")])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise LadderDocumentError([Problem("", "the file is not UTF-8 text")]) from None
    try:
        data = load_json(text) if filename.lower().endswith(".json") else load_yaml(text)
    except Unreadable as error:
        raise LadderDocumentError([Problem("", error.message, error.line)]) from None
    return checked(data, lambda: yaml_lines(text))  # JSON is (nearly) YAML


def ladder_document(ladder: Ladder, expectations: dict[int, dict[int, str]]) -> dict[str, Any]:
    """The draft of ``ladder`` as a document with ids; tracks without live levels are left out."""
    keys = {c.id: c.key for c in ladder.competencies}
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "name": ladder.name,
        "description": ladder.description or "",
        "competencies": [
            {"id": c.id, "key": c.key, "name": c.name, "description": c.description or "",
             **({"retired": True} if c.retired else {})}
            for c in ladder.competencies
        ],
        "tracks": [
            {
                "id": track.id, "name": track.name, "kind": track.kind,
                "levels": [
                    {
                        "id": level.id, "code": level.code, "title": level.title,
                        "grade": level.grade, "min_years": level.min_years,
                        "max_years": level.max_years, "summary": level.summary or "",
                        "responsibilities": list(level.responsibilities or []),
                        "skills": list(level.skills or []),
                        "expectations": {
                            keys[cid]: text
                            for cid, text in sorted(expectations.get(level.id, {}).items(),
                                                    key=lambda item: _position(ladder, item[0]))
                            if text and cid in keys
                        },
                    }
                    for level in track.levels
                ],
            }
            for track in ladder.tracks
            if track.levels
        ],
    }


def _position(ladder: Ladder, competency_id: int) -> int:
    return next((c.position for c in ladder.competencies if c.id == competency_id), 0)


def without_ids(document: dict[str, Any]) -> dict[str, Any]:
    """The same document with the database ids removed (for comparing two ladders)."""
    if isinstance(document, dict):
        return {k: without_ids(v) for k, v in document.items() if k != "id"}
    if isinstance(document, list):
        return [without_ids(v) for v in document]
    return document


def to_json(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def to_yaml(document: dict[str, Any]) -> str:
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)


CSV_COLUMNS = ["track", "kind", "code", "title", "grade", "min_years", "max_years", "summary"]


def to_csv(document: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for track in document["tracks"]:
        for level in track["levels"]:
            writer.writerow([escape(cell) for cell in (
                             track["name"], track.get("kind", "ic"), level["code"], level["title"],
                             level.get("grade") if level.get("grade") is not None else "",
                             level.get("min_years", 0),
                             level.get("max_years") if level.get("max_years") is not None else "",
                             level.get("summary", ""))])
    return out.getvalue()
