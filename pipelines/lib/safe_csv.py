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
_CONTROL_CODES = (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0x7F, 0xA0))
_FORMULA_START = "^[" + "".join(re.escape(p) for p in FORMULA_PREFIXES) + "]"


def _escape_control(match: re.Match[str]) -> str:
    return f"\\x{ord(match.group(0)):02x}"


def neutralise(value: str | None) -> str | None:
    """The text as a spreadsheet must show it: formula prefixes quoted, control bytes escaped."""
    if value is None:
        return None
    if value.startswith(FORMULA_PREFIXES):
        value = "'" + value
    return _CONTROL.sub(_escape_control, value)


def _neutralise_column(name: str, has_control: bool) -> pl.Expr:
    """Vectorised `neutralise` (same result, no Python call per cell)."""
    column = pl.col(name)
    quoted = (
        pl.when(column.str.contains(_FORMULA_START)).then(pl.lit("'") + column).otherwise(column)
    )
    if has_control:  # rare: one literal pass per control character
        for code in _CONTROL_CODES:
            quoted = quoted.str.replace_all(chr(code), f"\\x{code:02x}", literal=True)
    return quoted.alias(name)


def neutralised(frame: pl.DataFrame) -> pl.DataFrame:
    """`frame` with every text column neutralised; other columns unchanged."""
    text = [name for name, dtype in frame.schema.items() if dtype == pl.String()]
    if not text:
        return frame
    found = frame.select(
        pl.col(name).str.contains(_CONTROL.pattern).any().alias(name) for name in text
    ).row(0, named=True)
    return frame.with_columns(_neutralise_column(name, bool(found[name])) for name in text)


def write_csv(frame: pl.DataFrame, path: Path) -> None:
    """Write `frame` as a spreadsheet-safe CSV (header row, nulls as empty cells)."""
    neutralised(frame).write_csv(path)
