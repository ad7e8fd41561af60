"""CSV and Parquet readers -> raw frames (source_line, native fields, reader-level errors)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import polars as pl

from pipelines.lib.requests.jsonl import BOM
from pipelines.lib.requests.result import ERR_FIELD, ERR_REASON, NATIVE_FIELDS
from pipelines.lib.requests.rules import CRITICAL_FIELDS, REPAIR, WRONG_TYPE

_SUPPORTED = (pl.String, pl.Boolean, pl.Datetime)


def _with_errors(frame: pl.DataFrame, field: pl.Expr, reason: pl.Expr) -> pl.DataFrame:
    return frame.with_columns(field.alias(ERR_FIELD), reason.alias(ERR_REASON))


def read_parquet(path: Path) -> pl.DataFrame:
    """All native columns present (others, e.g. prompt text, are never read); source_line is the
    1-based row number. Columns of a type no field can hold are nulled and flagged per row."""
    schema = pl.read_parquet_schema(path)
    cols = [f for f in NATIVE_FIELDS if f in schema]
    if cols:
        frame = pl.read_parquet(path, columns=cols)
    else:
        rows = pl.scan_parquet(path).select(pl.len()).collect().item()
        frame = pl.DataFrame({"_n": range(rows)}).drop("_n")
    frame = frame.with_row_index("source_line", offset=1).with_columns(
        pl.col("source_line").cast(pl.Int64)
    )
    odd = [
        c
        for c in cols
        if not (frame[c].dtype.is_numeric() or isinstance(frame[c].dtype, _SUPPORTED))
    ]
    for c in odd:
        if frame[c].dtype in (pl.Categorical, pl.Enum) or isinstance(
            frame[c].dtype, (pl.Categorical, pl.Enum)
        ):
            frame = frame.with_columns(pl.col(c).cast(pl.String))
    odd = [c for c in odd if frame[c].dtype != pl.String]
    # An optional field of a type none can hold is nulled (a repair); a critical one quarantines.
    frame = frame.with_columns(
        pl.when(pl.col(c).is_not_null()).then(pl.lit(WRONG_TYPE)).alias(REPAIR + c)
        for c in odd
        if c not in CRITICAL_FIELDS
    )
    flagged = [c for c in odd if c in CRITICAL_FIELDS]
    field = pl.coalesce(
        pl.lit(None, dtype=pl.String),
        *[pl.when(pl.col(c).is_not_null()).then(pl.lit(c)) for c in flagged],
    )
    reason = pl.coalesce(
        pl.lit(None, dtype=pl.String),
        *[
            pl.when(pl.col(c).is_not_null()).then(pl.lit(f"{c} has the wrong type"))
            for c in flagged
        ],
    )
    frame = _with_errors(frame, field, reason)
    return frame.with_columns([pl.lit(None, dtype=pl.String).alias(c) for c in odd])


def read_csv(path: Path, extra: tuple[str, ...] = ()) -> pl.DataFrame:
    """All native columns (and the `extra` ones present) as text; source_line is the physical
    line (header = line 1). Blank lines are skipped; rows holding invalid UTF-8 bytes are
    flagged `invalid UTF-8`."""
    data = path.read_bytes()
    data = data.removeprefix(BOM)
    try:
        text = data.decode("utf-8")
        bad_utf8 = False
    except UnicodeDecodeError:
        text = data.decode("utf-8", errors="replace")
        bad_utf8 = True
    if not text.strip():
        return _with_errors(
            pl.DataFrame(schema={"source_line": pl.Int64}),
            pl.lit(None, pl.String),
            pl.lit(None, pl.String),
        )
    frame = pl.read_csv(
        io.BytesIO(text.encode("utf-8")), infer_schema=False, truncate_ragged_lines=True
    )
    frame = frame.rename({c: c.strip() for c in frame.columns})
    lines = pl.Series("line", [text]).str.split("\n").explode().str.strip_suffix("\r")
    if text.endswith("\n"):
        lines = lines.head(len(lines) - 1)
    data_lines = lines.slice(1)
    if len(data_lines) == len(frame):
        frame = (
            frame.with_columns(
                pl.Series("source_line", range(2, len(frame) + 2), dtype=pl.Int64),
                (data_lines.str.strip_chars() == "").alias("_blank"),
            )
            .filter(~pl.col("_blank"))
            .drop("_blank")
        )
    else:  # quoted fields spanning lines: let the csv module tell where each record starts
        frame = _read_csv_slow(text)
    cols = [f for f in (*NATIVE_FIELDS, *extra) if f in frame.columns]
    frame = frame.select("source_line", *cols)
    if bad_utf8 and cols:
        hit = pl.any_horizontal([pl.col(c).str.contains("\ufffd", literal=True) for c in cols])
        return _with_errors(
            frame, pl.when(hit).then(pl.lit("record")), pl.when(hit).then(pl.lit("invalid UTF-8"))
        )
    return _with_errors(frame, pl.lit(None, pl.String), pl.lit(None, pl.String))


def _read_csv_slow(text: str) -> pl.DataFrame:
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [h.strip() for h in next(reader)]
    rows: list[list[str | None]] = []
    starts: list[int] = []
    previous = reader.line_num
    for record in reader:
        start, previous = previous + 1, reader.line_num
        if not record or (len(record) == 1 and not record[0].strip()):
            continue  # blank line
        padded = [*record[: len(header)], *[None] * (len(header) - len(record))]
        rows.append([None if v == "" else v for v in padded])
        starts.append(start)
    columns = {h: [r[i] for r in rows] for i, h in enumerate(header) if h}
    frame = pl.DataFrame(columns, schema=dict.fromkeys(columns, pl.String))
    return frame.with_columns(pl.Series("source_line", starts, dtype=pl.Int64))
