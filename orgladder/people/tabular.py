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
from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from openpyxl.worksheet.dimensions import SheetDimension
from openpyxl.xml.constants import SHEET_MAIN_NS
from openpyxl.xml.functions import iterparse

from ..bounded import Unreadable, check_zip
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
# A people file of MAX_ROWS rows takes about 2 MB as CSV (less as XLSX): room to spare.
MAX_FILE_BYTES = 8 * 1024 * 1024
# Columns read of each row: the file has ten, a sheet may declare thousands of empty ones.
MAX_COLUMNS = 32
# Empty rows skipped, in all, before the file is refused: a stray cell far below the table
# makes a sheet report (and a reader yield) every row up to it.
MAX_BLANK_ROWS = 5_000


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
    for index, raw in enumerate(header[:MAX_COLUMNS]):
        name = canonical(_text(raw))
        if name and name not in positions:
            positions[name] = index
        elif name:
            issues.append(Issue(first_row, name, f"The column {name} appears twice."))
    missing = [c for c in REQUIRED if c not in positions]
    for column in missing:
        issues.append(Issue(first_row, column, f"The column {column} is missing."))
    rows: list[dict] = []
    blank = 0
    for number, record in enumerate(records, start=first_row + 1):
        values = [_text(v) for v in record[:MAX_COLUMNS]]
        if not any(values):
            blank += 1
            if blank > MAX_BLANK_ROWS:
                issues.append(Issue(number, None, f"The file has more than {MAX_BLANK_ROWS:,} "
                                                  "empty rows; delete them and upload it again."))
                break
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
        # Streamed: reading stops at the first row past MAX_ROWS, however long the file.
        return _table(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter,
                                 strict=True))
    except csv.Error as error:
        return Table([], [], [Issue(None, None, f"The CSV cannot be read: {error}.")])


_DIMENSION_TAG = f"{{{SHEET_MAIN_NS}}}dimension"
_DATA_TAG = f"{{{SHEET_MAIN_NS}}}sheetData"


def _declared_size(sheet: ReadOnlyWorksheet) -> None:
    """The sheet's declared dimensions, read from the elements before its data only.

    openpyxl's own reader looks for them until the *end* of the sheet data, so a sheet that
    declares none (as an attacker's need not) is parsed whole when it is opened, before a
    single row is streamed: 9 s for 200,000 rows. Read-only sheets fall back to reading the
    rows themselves, and read_xlsx bounds those."""
    with sheet._get_source() as source:
        for _event, element in iterparse(source, events=("start",)):
            if element.tag == _DIMENSION_TAG:
                found = SheetDimension.from_tree(element).boundaries
                if found is not None:
                    sheet._min_column, sheet._min_row, sheet._max_column, sheet._max_row = found
                return
            if element.tag == _DATA_TAG:
                return


ReadOnlyWorksheet._get_size = _declared_size


def read_xlsx(data: bytes) -> Table:
    try:
        check_zip(data)
    except Unreadable as error:
        return Table([], [], [Issue(None, None, f"The file cannot be read: {error.message}.")])
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except UNREADABLE as error:
        return _unreadable(error)
    try:
        sheet = workbook.worksheets[0]
        # Streamed from the sheet's XML (read_only), so a sheet of a million rows costs only
        # the MAX_ROWS read before the refusal. The cells are read while streaming, so a
        # broken one (a number too long for int()) is found here, not on opening.
        # Both bounds given: without them openpyxl reads the whole sheet first to find its
        # dimensions, when the file does not declare them.
        return _table(sheet.iter_rows(max_row=MAX_ROWS + MAX_BLANK_ROWS + 2,
                                      max_col=MAX_COLUMNS, values_only=True))
    except UNREADABLE as error:
        return _unreadable(error)
    finally:
        workbook.close()


# What openpyxl raises on a file that is not a workbook, or holds a cell it cannot read.
UNREADABLE = (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError, IndexError)


def _unreadable(error: Exception) -> Table:
    return Table([], [], [Issue(None, None, f"The file is not a readable XLSX workbook "
                                            f"({type(error).__name__}).")])


def read_table(filename: str, data: bytes) -> Table:
    if len(data) > MAX_FILE_BYTES:  # the upload page refuses larger requests; this is the rule
        return Table([], [], [Issue(None, None, f"The file is larger than "
                                                f"{MAX_FILE_BYTES // (1024 * 1024)} MB; split it "
                                                "into several files.")])
    if filename.lower().endswith(".xlsx"):
        return read_xlsx(data)
    return read_csv(data)
