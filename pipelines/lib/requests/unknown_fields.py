"""Fields of a native record that are not in the contract: reported per file, with a
did-you-mean when a known field is one edit away.

A typo of a token field (`cache_reads_tokens`) is not a harmless extra: the count it holds is
missing from the field costline reads, so the request would be priced wrong (cache reads billed
as uncached input). Such a record is quarantined (field = the unknown name, reason naming the
field it is probably meant to be); any other unknown field is only reported
(`ingest_unknown_fields`, and a warning line per file). Both ingest paths call `scan` on the
same file and apply its rows the same way: a record keeps an earlier error.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from pipelines.lib.requests.jsonl import BOM, iter_chunks, split_lines
from pipelines.lib.requests.result import ERR_FIELD, ERR_REASON, SKIP_REASON
from pipelines.lib.requests.tabular import read_csv
from schemas.requests import ingest_unknown_fields
from schemas.requests.native_request import NATIVE_FIELDS, TOKEN_FIELDS

# Keys producers add that costline deliberately never reads (prompt and completion text).
NEVER_READ = frozenset({"prompt", "messages", "completion", "response", "input", "output"})
_KNOWN = frozenset(NATIVE_FIELDS)


def one_edit(a: str, b: str) -> bool:
    """True when `a` becomes `b` by one insertion, deletion, substitution or swap of two
    neighbouring characters."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        if len(diff) == 1:
            return True
        i = diff[0]
        return len(diff) == 2 and diff[1] == i + 1 and a[i] == b[i + 1] and a[i + 1] == b[i]
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    i = next((k for k in range(len(short)) if short[k] != long_[k]), len(short))
    return short[i:] == long_[i + 1 :]


def suggestion(name: str) -> str | None:
    """The known native field one edit away from `name` (case aside), if exactly one is."""
    low = name.lower()
    near = [f for f in NATIVE_FIELDS if low == f or one_edit(low, f)]
    return near[0] if len(near) == 1 else None


@dataclass
class UnknownField:
    """One unknown field of one file: how many records carry it, the first line, and the
    known field it is probably meant to be."""

    source_file: str
    field: str
    records: int
    first_line: int
    suggestion: str | None

    @property
    def quarantines(self) -> bool:
        """A probable typo of a token field: its records cannot be priced."""
        return self.suggestion in TOKEN_FIELDS

    def message(self) -> str:
        """The warning line (no value of the field is ever shown)."""
        hint = f" (did you mean {self.suggestion}?)" if self.suggestion else ""
        what = "records quarantined" if self.quarantines else "ignored"
        return (
            f"{self.source_file}: unknown field {self.field}{hint} in {self.records:,} records "
            f"from line {self.first_line}: {what}"
        )


def reason(field: str, suggested: str) -> str:
    """The quarantine reason of a record carrying a token-field typo."""
    return f"unknown field {field} (did you mean {suggested}?): a token count costline cannot trust"


def _jsonl_keys(path: Path, con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """(source_line, key) for every key outside the contract with a non-null value."""
    known = "[" + ", ".join(f"'{k}'" for k in sorted(_KNOWN | NEVER_READ)) + "]"
    query = f"""select source_line, key from (
                  select source_line, unnest(json_keys(line)) as key, line
                  from _unknown_lines
                  where json_valid(line) and starts_with(ltrim(line), '{{'))
                where not list_contains({known}, key)
                  and json_type(line, '$."' || replace(key, '"', '\\"') || '"') <> 'NULL'"""
    parts = []
    for first_line, block in iter_chunks(path):
        lines, _ = split_lines(block, first_line)
        con.register("_unknown_lines", lines.to_arrow())
        try:
            parts.append(pl.from_arrow(con.sql(query).to_arrow_table()))
        finally:
            con.unregister("_unknown_lines")
    frames = [p for p in parts if isinstance(p, pl.DataFrame) and len(p)]
    if not frames:
        return pl.DataFrame(schema={"source_line": pl.Int64, "key": pl.String})
    return pl.concat(frames).with_columns(pl.col("source_line").cast(pl.Int64))


def _table_keys(path: Path, fmt: str) -> pl.DataFrame:
    if fmt == "native-parquet":
        names = pl.read_parquet_schema(path).names()
    else:
        header = path.read_bytes().removeprefix(BOM).split(b"\n", 1)[0]
        names = [c.strip() for c in next(csv.reader([header.decode("utf-8", "replace")]), [])]
    extra = tuple(n for n in names if n and n not in _KNOWN and n not in NEVER_READ)
    if not extra:
        return pl.DataFrame(schema={"source_line": pl.Int64, "key": pl.String})
    if fmt == "native-parquet":
        frame = pl.read_parquet(path, columns=list(extra)).with_row_index("source_line", offset=1)
    else:
        frame = read_csv(path, extra=extra)
        extra = tuple(c for c in extra if c in frame.columns)  # a header Polars cannot name
        frame = frame.select("source_line", *extra)
    frame = frame.with_columns(pl.col("source_line").cast(pl.Int64))
    return (
        frame.with_columns(pl.col(c).cast(pl.String, strict=False) for c in extra)
        .unpivot(index="source_line", variable_name="key")
        .drop_nulls("value")
        .filter(pl.col("value").str.strip_chars() != "")
        .select("source_line", "key")
    )


def scan(
    path: Path, rel: str, fmt: str, con: duckdb.DuckDBPyConnection
) -> tuple[list[UnknownField], pl.DataFrame]:
    """The unknown fields of one native file and the records to quarantine
    (source_line, field, reason) for token-field typos."""
    if fmt == "native-jsonl":
        keys = _jsonl_keys(path, con)
    elif fmt in ("native-parquet", "native-csv"):
        keys = _table_keys(path, fmt)
    else:
        keys = pl.DataFrame(schema={"source_line": pl.Int64, "key": pl.String})
    found = [
        UnknownField(rel, r["key"], r["records"], r["first_line"], suggestion(r["key"]))
        for r in keys.group_by("key")
        .agg(pl.len().alias("records"), pl.col("source_line").min().alias("first_line"))
        .sort("first_line", "key")
        .to_dicts()
    ]
    typos = {u.field: u.suggestion for u in found if u.quarantines}
    rows = (
        keys.filter(pl.col("key").is_in(list(typos)))
        .sort("source_line", "key")
        .group_by("source_line", maintain_order=True)
        .first()
        .select(
            "source_line",
            pl.col("key").alias("field"),
            pl.col("key")
            .replace_strict({k: reason(k, v) for k, v in typos.items()}, return_dtype=pl.String)
            .alias("reason"),
        )
    )
    return found, rows


def frame_of(found: list[UnknownField]) -> pl.DataFrame:
    """The `ingest_unknown_fields` rows of these findings."""
    return pl.DataFrame(
        [
            {
                "source_file": u.source_file,
                "field": u.field,
                "records": u.records,
                "first_line": u.first_line,
                "suggestion": u.suggestion,
                "records_quarantined": u.quarantines,
            }
            for u in found
        ],
        schema=ingest_unknown_fields.COLUMNS,
    )


def apply(frame: pl.DataFrame, rows: pl.DataFrame) -> pl.DataFrame:
    """Quarantine the typo rows of one file's normalised frame (Polars path), unless the record
    already has an error or is skipped."""
    if rows.is_empty():
        return frame
    joined = frame.join(
        rows.rename({"field": "_typo_field", "reason": "_typo_reason"}),
        on="source_line",
        how="left",
        maintain_order="left",
    )
    hit = pl.col(ERR_FIELD).is_null() & pl.col(SKIP_REASON).is_null()
    hit = hit & pl.col("_typo_field").is_not_null()
    return joined.with_columns(
        pl.when(hit).then(pl.col("_typo_field")).otherwise(pl.col(ERR_FIELD)).alias(ERR_FIELD),
        pl.when(hit).then(pl.col("_typo_reason")).otherwise(pl.col(ERR_REASON)).alias(ERR_REASON),
    ).drop("_typo_field", "_typo_reason")


def apply_sql(con: duckdb.DuckDBPyConnection, scratch: str, rel: str, rows: pl.DataFrame) -> None:
    """The same as `apply`, on the DuckDB loader's scratch table."""
    if rows.is_empty():
        return
    con.register("_typo_rows", rows.to_arrow())
    try:
        con.execute(
            f"""update {scratch} t set {ERR_FIELD} = r.field, {ERR_REASON} = r.reason
                from _typo_rows r
                where t.source_file = $rel and t.source_line = r.source_line
                  and t.{ERR_FIELD} is null and t.{SKIP_REASON} is null""",
            {"rel": rel},
        )
    finally:
        con.unregister("_typo_rows")
