"""Reading a people file (CSV or XLSX) into rows of text, with the problems found on the way.

Headers are matched loosely ("Manager email", "manager_email"); values come back as stripped
strings (dates from XLSX date cells as ISO dates). A file we cannot read yields issues, never an
exception.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import asdict, dataclass
from datetime import date, datetime

from openpyxl import load_workbook

from ..spreadsheets import unescape

COLUMNS = ("email", "name", "manager_email", "ladder", "track", "level", "profession_start",
           "years_of_experience", "roles", "active")
REQUIRED = ("email", "name", "manager_email", "level")
ALIASES = {
    "manager": "manager_email", "manager e mail": "manager_email", "level code": "level",
    "start date": "profession_start", "start in the profession": "profession_start",
    "profession start date": "profession_start", "years": "years_of_experience",
    "experience": "years_of_experience", "role": "roles", "e mail": "email",
}
MAX_ROWS = 20_000


@dataclass(frozen=True)
class Issue:
    row: int | None
    column: str | None
    message: str

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class Table:
    columns: list[str]
    rows: list[dict]  # each with "row" (the spreadsheet row number) and one key per column
    issues: list[Issue]


def canonical(header: str) -> str | None:
    key = re.sub(r"[\s_\-]+", " ", str(header or "").strip().lower())
    key = ALIASES.get(key, key).replace(" ", "_")
    return key if key in COLUMNS else None


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return unescape(str(value).strip())


def _table(records, first_row: int = 1) -> Table:
    """Build a table from an iterator of raw records (the first one holds the headers)."""
    issues: list[Issue] = []
    header = next(records, None)
    if header is None or not any(_text(h) for h in header):
        return Table([], [], [Issue(None, None, "The file is empty: the first row must hold "
                                                "the column names.")])
    positions: dict[str, int] = {}
    for index, raw in enumerate(header):
        name = canonical(_text(raw))
        if name and name not in positions:
            positions[name] = index
        elif name:
            issues.append(Issue(first_row, name, f"The column {name} appears twice."))
    missing = [c for c in REQUIRED if c not in positions]
    for column in missing:
        issues.append(Issue(first_row, column, f"The column {column} is missing."))
    rows: list[dict] = []
    for number, record in enumerate(records, start=first_row + 1):
        values = [_text(v) for v in record]
        if not any(values):
            continue
        if len(rows) >= MAX_ROWS:
            issues.append(Issue(number, None, f"The file has more than {MAX_ROWS:,} people; "
                                              "split it into several files."))
            break
        row = {"row": number}
        for name, index in positions.items():
            row[name] = values[index] if index < len(values) else ""
        rows.append(row)
    if not rows and not issues:
        issues.append(Issue(None, None, "The file has column names but no people."))
    return Table(list(positions), rows, issues)


def read_csv(data: bytes) -> Table:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        return Table([], [], [Issue(line, None, (
            f"The file is not UTF-8 text (byte 0x{data[error.start]:02X} on line {line}). "
            "Save it as \"CSV UTF-8\" and upload it again."))])
    if "\x00" in text:
        return Table([], [], [Issue(None, None, "The file holds binary data, not CSV text.")])
    first_line = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first_line.count)
    try:
        return _table(iter(list(csv.reader(io.StringIO(text, newline=""),
                                           delimiter=delimiter, strict=True))))
    except csv.Error as error:
        return Table([], [], [Issue(None, None, f"The CSV cannot be read: {error}.")])


def read_xlsx(data: bytes) -> Table:
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError) as error:
        return Table([], [], [Issue(None, None, f"The file is not a readable XLSX workbook "
                                                f"({type(error).__name__}).")])
    try:
        sheet = workbook.worksheets[0]
        return _table(iter(list(sheet.iter_rows(values_only=True))))
    finally:
        workbook.close()


def read_table(filename: str, data: bytes) -> Table:
    if filename.lower().endswith(".xlsx"):
        return read_xlsx(data)
    return read_csv(data)
