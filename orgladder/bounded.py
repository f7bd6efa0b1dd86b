"""Parsers of user input with a bound on the work they may cause.

Every document, body and upload the app reads passes through here, so that no input, however
small, can cost more than its size: a YAML alias bomb (12 KB that expand to gigabytes), nesting
deep enough to exhaust the interpreter's stack, a number long enough to make ``int()`` slow (or
refuse: Python's int-max-str-digits), a list of problems longer than anyone reads, or a zip
whose members unpack to far more than was uploaded. Each refusal is an ``Unreadable`` with a
message for the person who sent the input; callers turn it into their own 4xx answer.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Callable, Sequence
from itertools import accumulate
from typing import Any, TypeVar

import yaml

T = TypeVar("T")

# The deepest legitimate input is a ladder document: document > tracks > track > levels >
# level > expectations > text, seven levels. 32 leaves room and stays far below the
# interpreter's recursion limit (1,000), which every recursive walk of the data must not meet.
MAX_DEPTH = 32
# The largest number any input carries is a 32-bit id (10 digits). A number up to 100 digits
# still reaches the schema, which names the field it does not fit; a longer one is refused
# before ``int()`` sees it: its cost grows with the square of the digits, and past 4,300 it
# raises (Python's int-max-str-digits).
MAX_INT_DIGITS = 100
# Problems listed for one input; the rest are counted. A person fixes a file from the top, and a
# row flood would otherwise answer with a page as large as the file.
MAX_PROBLEMS = 100
# An XLSX is a zip: what its members may unpack to, in all, and how much more than their
# compressed size each may weigh. 20,000 people take about 10 MB of sheet XML; spreadsheet XML
# compresses 10 to 40 times, a zip bomb thousands of times.
MAX_UNPACKED_BYTES = 32 * 1024 * 1024
MAX_ZIP_RATIO = 200
MAX_ZIP_MEMBERS = 1_000
_RATIO_FROM_BYTES = 1024 * 1024  # small members (styles, themes) may compress as they like


class Unreadable(ValueError):
    """Input refused before (or while) parsing it; ``line`` where it is known."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.line = line


def _too_deep() -> Unreadable:
    return Unreadable(f"the data nests more than {MAX_DEPTH} levels deep")


def _int_text(text: str) -> int:
    if len(text.lstrip("+-").replace("_", "")) > MAX_INT_DIGITS:
        raise Unreadable(f"a number has more than {MAX_INT_DIGITS} digits")
    return int(text)


# A JSON string (its brackets are text), and everything that is not a bracket.
_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_BRACKET_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


def json_depth(text: str) -> int:
    """How deep JSON text nests, from its brackets outside strings: found before parsing (the
    decoder recurses) and at C speed (a walk of the parsed data took seconds for a flood)."""
    brackets = _NOT_BRACKET.sub("", _JSON_STRING.sub("", text))
    return max(accumulate(map(_BRACKET_STEP.__getitem__, brackets)), default=0)


def load_json(raw: bytes | str) -> Any:
    """JSON text as Python data, refusing what is not JSON, too deep or has huge numbers."""
    try:
        text = raw.decode("utf-8-sig") if isinstance(raw, bytes) else raw
    except UnicodeDecodeError:
        raise Unreadable("the data is not UTF-8 text") from None
    if json_depth(text) > MAX_DEPTH:
        raise _too_deep()
    try:
        return json.loads(text, parse_int=_int_text, parse_constant=_no_constant)
    except json.JSONDecodeError as error:
        raise Unreadable(error.msg, error.lineno) from None


def _no_constant(name: str):
    raise Unreadable(f"{name} is not a JSON number")


# libyaml's parser when PyYAML has it: the pure-Python one takes seconds over a document of a
# few hundred KB, which is a bound of its own that is too loose.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _BoundedLoader(_SafeLoader):  # type: ignore[misc, valid-type]
    """PyYAML's safe loader with short integers only."""

    def construct_yaml_int(self, node):
        value = self.construct_scalar(node)
        if len(str(value).lstrip("+-").replace("_", "")) > MAX_INT_DIGITS:
            raise Unreadable(f"a number has more than {MAX_INT_DIGITS} digits",
                             node.start_mark.line + 1)
        return super().construct_yaml_int(node)


_BoundedLoader.add_constructor("tag:yaml.org,2002:int", _BoundedLoader.construct_yaml_int)
_OPENS = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
_CLOSES = (yaml.MappingEndEvent, yaml.SequenceEndEvent)


def _yaml_error(error: yaml.YAMLError) -> Unreadable:
    mark = getattr(error, "problem_mark", None)
    message = getattr(error, "problem", None) or "not valid YAML"
    return Unreadable(f"not valid YAML: {message}", mark.line + 1 if mark else None)


def _scan_yaml(text: str) -> None:
    """Refuse anchors and aliases (an alias bomb needs them, and no ladder does) and nesting
    deeper than MAX_DEPTH, from the parser's events, before anything is built: the composer
    recurses, and the constructor would expand every alias."""
    depth = 0
    for event in yaml.parse(text, Loader=_SafeLoader):
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise Unreadable("anchors and aliases (& and *) are not accepted; write the "
                             "values out", event.start_mark.line + 1)
        if isinstance(event, _OPENS):
            depth += 1
            if depth > MAX_DEPTH:
                raise Unreadable(_too_deep().message, event.start_mark.line + 1)
        elif isinstance(event, _CLOSES):
            depth -= 1


_FRAMING = (yaml.StreamStartEvent, yaml.StreamEndEvent, yaml.DocumentStartEvent,
            yaml.DocumentEndEvent)


def yaml_lines(text: str) -> dict[str, int]:
    """The line of each value of a YAML (or JSON) document, by path (``tracks[0].name``), from
    the parser's events alone: building the node tree only to read its marks took seconds over
    a large document. Empty when the text cannot be parsed."""
    lines: dict[str, int] = {}
    stack: list[list] = []  # [path, is_mapping, next index or pending key]
    try:
        for event in yaml.parse(text, Loader=_SafeLoader):
            if isinstance(event, _FRAMING):
                continue
            if isinstance(event, _CLOSES):
                stack.pop()
                continue
            line = event.start_mark.line + 1
            path = ""
            if stack:
                parent = stack[-1]
                if parent[1] and parent[2] is None:  # a mapping's key
                    parent[2] = str(getattr(event, "value", "?"))
                    lines[_child(parent[0], parent[2])] = line
                    if isinstance(event, _OPENS):  # a complex key: its insides name nothing
                        stack.append(["?", isinstance(event, yaml.MappingStartEvent), None
                                      if isinstance(event, yaml.MappingStartEvent) else 0])
                    continue
                if parent[1]:
                    path, parent[2] = _child(parent[0], parent[2]), None
                else:
                    path, parent[2] = f"{parent[0]}[{parent[2]}]", parent[2] + 1
            lines[path] = line
            if isinstance(event, yaml.MappingStartEvent):
                stack.append([path, True, None])
            elif isinstance(event, yaml.SequenceStartEvent):
                stack.append([path, False, 0])
    except yaml.YAMLError:
        return lines
    return lines


def _child(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def load_yaml(text: str) -> Any:
    """YAML text as Python data, refusing aliases, deep nesting and huge numbers."""
    try:
        _scan_yaml(text)
        return yaml.load(text, Loader=_BoundedLoader)  # noqa: S506 - a safe loader
    except yaml.YAMLError as error:
        raise _yaml_error(error) from None


def capped(problems: Sequence[T], more: Callable[[int], T]) -> list[T]:
    """The first MAX_PROBLEMS problems, then ``more(n)`` counting the ``n`` left out."""
    if len(problems) <= MAX_PROBLEMS:
        return list(problems)
    return [*problems[:MAX_PROBLEMS], more(len(problems) - MAX_PROBLEMS)]


def more_problems(count: int) -> str:
    return f"and {count:,} more problem{'s' if count != 1 else ''}"


def check_zip(data: bytes) -> None:
    """Refuse a zip (an XLSX) whose members would unpack to more than the bounds allow, from
    the sizes its directory declares. Python's zipfile stops reading a member at its declared
    size, so a member that lies about it unpacks no further than the lie."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return  # not a zip at all: the reader says so in its own words
    if len(members) > MAX_ZIP_MEMBERS:
        raise Unreadable(f"the workbook holds more than {MAX_ZIP_MEMBERS:,} parts")
    if sum(member.file_size for member in members) > MAX_UNPACKED_BYTES:
        raise Unreadable(f"the workbook unpacks to more than "
                         f"{MAX_UNPACKED_BYTES // (1024 * 1024)} MB")
    for member in members:
        if (member.file_size > _RATIO_FROM_BYTES
                and member.file_size > MAX_ZIP_RATIO * max(member.compress_size, 1)):
            raise Unreadable("the workbook is compressed far more than a spreadsheet can be "
                             "(a zip bomb?)")
