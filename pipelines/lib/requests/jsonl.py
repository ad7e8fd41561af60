"""JSONL (optionally gzip) reader: physical lines -> one raw frame per chunk, vectorised.

Lines are split by Polars, JSON is decoded by DuckDB (`json_transform` to the raw JSON text of
every native field, one parse per line), and the JSON kind of each value (string, number, bool,
object) is read from its first character. Per-line Python runs only for chunks holding invalid
UTF-8 bytes, to find those lines.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path

import duckdb
import polars as pl

from pipelines.lib.requests.polars_rules import first_error
from pipelines.lib.requests.result import (
    BOOL_FIELDS,
    ERR_FIELD,
    ERR_REASON,
    FLOAT_FIELDS,
    INT_FIELDS,
    NATIVE_FIELDS,
    TIMESTAMP_FIELD,
)
from pipelines.lib.requests.rules import CRITICAL_FIELDS, REPAIR, WRONG_TYPE

BOM = b"\xef\xbb\xbf"
CHUNK_BYTES = 128 << 20
_SPEC = json.dumps({f: "JSON" for f in NATIVE_FIELDS})

# JSON kinds a field may hold: s = string, n = number, b = bool. Another kind quarantines a
# critical field and nulls an optional one (repair `set to NULL: wrong type`).
JSON_KINDS = {
    **{f: "sn" for f in NATIVE_FIELDS},
    TIMESTAMP_FIELD: "s",
    **{f: "sn" for f in (*INT_FIELDS, *FLOAT_FIELDS)},
    **{f: "snb" for f in BOOL_FIELDS},
}
OPTIONAL = tuple(f for f in NATIVE_FIELDS if f not in CRITICAL_FIELDS)


def iter_chunks(path: Path, chunk_bytes: int = CHUNK_BYTES) -> Iterator[tuple[int, bytes]]:
    """(first line number, bytes) blocks cut at line ends; the file's BOM is dropped.
    Decompression errors propagate (the caller turns them into a file-level error)."""
    opener = gzip.open if path.name.lower().endswith(".gz") else Path.open
    line = 1
    rest = b""
    first = True
    with opener(path, "rb") as handle:  # type: ignore[operator]
        while True:
            block = handle.read(chunk_bytes)
            if first and block.startswith(BOM):
                block = block[len(BOM) :]
            first = False
            if not block:
                if rest:
                    yield line, rest
                return
            block = rest + block
            cut = block.rfind(b"\n")
            if cut < 0:
                rest = block
                continue
            yield line, block[: cut + 1]
            line += block.count(b"\n", 0, cut + 1)
            rest = block[cut + 1 :]


def split_lines(data: bytes, first_line: int) -> tuple[pl.DataFrame, list[int]]:
    """Non-blank lines as (source_line Int64, line String), CR stripped, plus the numbers of the
    lines that are not valid UTF-8 (left out of the frame)."""
    bad: list[int] = []
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        parts = data.split(b"\n")
        decoded = []
        for i, part in enumerate(parts):
            try:
                decoded.append(part.decode("utf-8"))
            except UnicodeDecodeError:
                decoded.append("")
                bad.append(first_line + i)
        text = "\n".join(decoded)
    frame = (
        pl.Series("line", [text])
        .str.split("\n")
        .explode()
        .to_frame()
        .with_row_index("source_line", offset=first_line)
        .with_columns(pl.col("source_line").cast(pl.Int64), pl.col("line").str.strip_suffix("\r"))
        .filter(pl.col("line").str.strip_chars() != "")
    )
    return frame, bad


def decode_lines(con: duckdb.DuckDBPyConnection, lines: pl.DataFrame) -> pl.DataFrame:
    """Raw frame: source_line, every native field as String (JSON strings unescaped, numbers and
    booleans as their text), and the reader-level error columns."""
    con.register("_ingest_lines", lines.to_arrow())
    try:
        table = con.sql(
            f"""select source_line, is_valid, is_object,
                   case when is_valid and is_object then json_transform(line, '{_SPEC}') end as rec
                from (select source_line, line, json_valid(line) as is_valid,
                             starts_with(ltrim(line), '{{') as is_object
                      from _ingest_lines)"""
        ).to_arrow_table()
    finally:
        con.unregister("_ingest_lines")
    raw = pl.from_arrow(table)
    assert isinstance(raw, pl.DataFrame)
    raw = raw.unnest("rec") if len(raw) else _empty_raw(raw)
    raw = raw.with_columns(
        *[_kind(f).alias("_k_" + f) for f in NATIVE_FIELDS],
        pl.lit(None, dtype=pl.String).alias(ERR_FIELD),
        pl.lit(None, dtype=pl.String).alias(ERR_REASON),
    )
    checks = [
        (~pl.col("is_valid"), "record", "invalid JSON (malformed or truncated line)"),
        (~pl.col("is_object"), "record", "record is not a JSON object"),
        *[
            (_wrong_kind(f), f, f"{f} has the wrong JSON type")
            for f in NATIVE_FIELDS
            if f in CRITICAL_FIELDS
        ],
    ]
    raw = raw.with_columns(first_error(checks))
    return raw.select(
        "source_line",
        *[
            (
                pl.when(~_wrong_kind(f).fill_null(False)).then(_value(f))
                if f in OPTIONAL
                else _value(f)
            ).alias(f)
            for f in NATIVE_FIELDS
        ],
        ERR_FIELD,
        ERR_REASON,
        *[pl.when(_wrong_kind(f)).then(pl.lit(WRONG_TYPE)).alias(REPAIR + f) for f in OPTIONAL],
    )


def _wrong_kind(field: str) -> pl.Expr:
    return ~pl.col("_k_" + field).is_in(list(JSON_KINDS[field]))


def bad_utf8_frame(lines: list[int]) -> pl.DataFrame:
    """Raw rows for lines that are not valid UTF-8 (no field is read from them)."""
    return pl.DataFrame(
        {
            "source_line": lines,
            **{f: [None] * len(lines) for f in NATIVE_FIELDS},
            ERR_FIELD: ["record"] * len(lines),
            ERR_REASON: ["invalid UTF-8"] * len(lines),
            **{REPAIR + f: [None] * len(lines) for f in OPTIONAL},
        },
        schema={
            "source_line": pl.Int64,
            **dict.fromkeys(NATIVE_FIELDS, pl.String),
            ERR_FIELD: pl.String,
            ERR_REASON: pl.String,
            **dict.fromkeys((REPAIR + f for f in OPTIONAL), pl.String),
        },
    )


def _empty_raw(raw: pl.DataFrame) -> pl.DataFrame:
    return raw.drop("rec").with_columns(
        [pl.lit(None, dtype=pl.String).alias(f) for f in NATIVE_FIELDS]
    )


def _kind(field: str) -> pl.Expr:
    """s / n / b / o (object or array) for a raw JSON value, null when absent or JSON null."""
    first = pl.col(field).str.slice(0, 1)
    return (
        pl.when(first == '"')
        .then(pl.lit("s"))
        .when(first.is_in(["t", "f"]))
        .then(pl.lit("b"))
        .when(first.is_in(["{", "["]))
        .then(pl.lit("o"))
        .when(first == "n")
        .then(pl.lit(None, dtype=pl.String))
        .when(first.is_not_null())
        .then(pl.lit("n"))
    )


def _value(field: str) -> pl.Expr:
    """The field as text: JSON strings unescaped, numbers / booleans verbatim, others null."""
    col = pl.col(field)
    kind = pl.col("_k_" + field)
    escaped = col.str.contains("\\", literal=True)
    unescaped = pl.when((kind == "s") & escaped).then(col).str.json_decode(dtype=pl.String)
    plain = col.str.slice(1, col.str.len_chars() - 2)
    return (
        pl.when(kind == "s")
        .then(pl.when(escaped).then(unescaped).otherwise(plain))
        .when(kind.is_in(["n", "b"]))
        .then(col)
    )
