"""CSV files that are safe to open in a spreadsheet.

Every CSV costline writes goes through `write_csv`. A text cell that a spreadsheet would read as
a formula (OWASP "CSV Injection": first character `=`, `+`, `-`, `@`, tab or carriage return) gets
a leading `'`, and other control characters are escaped as `\\xNN`, so Excel, LibreOffice and
Google Sheets show the text instead of running it. Parquet and DuckDB keep the raw value; only
the CSV cell changes. Numbers, dates and decimals are not text and pass through untouched, and a
null stays an empty cell (an unknown amount is blank, never 0.00).
"""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# C0 controls other than tab/newline/CR, DEL and C1 controls: escaped, never written raw.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _escape_control(match: re.Match[str]) -> str:
    return f"\\x{ord(match.group(0)):02x}"


def neutralise(value: str | None) -> str | None:
    """The text as a spreadsheet must show it: formula prefixes quoted, control bytes escaped."""
    if value is None:
        return None
    if value.startswith(FORMULA_PREFIXES):
        value = "'" + value
    return _CONTROL.sub(_escape_control, value)


def neutralised(frame: pl.DataFrame) -> pl.DataFrame:
    """`frame` with every text column neutralised; other columns unchanged."""
    text = [name for name, dtype in frame.schema.items() if dtype == pl.String()]
    if not text:
        return frame
    return frame.with_columns(
        pl.col(name).map_elements(neutralise, return_dtype=pl.String()) for name in text
    )


def write_csv(frame: pl.DataFrame, path: Path) -> None:
    """Write `frame` as a spreadsheet-safe CSV (header row, nulls as empty cells)."""
    neutralised(frame).write_csv(path)
