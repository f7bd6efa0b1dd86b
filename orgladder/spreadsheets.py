"""Cells written to CSV or XLSX for people to open in a spreadsheet program.

A cell starting with one of FORMULA_START is run as a formula when the file is opened (CSV
injection), so every export writes such a cell with a leading apostrophe and every import
reads the apostrophe away again: an exported file imports back unchanged.
"""

from __future__ import annotations

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def escape(value):
    """The cell as written: text that a spreadsheet would run gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def unescape(value: str) -> str:
    """Undo ``escape`` on a cell read from a file."""
    if value.startswith("'") and value[1:2] and value[1:2] in FORMULA_START:
        return value[1:]
    return value
