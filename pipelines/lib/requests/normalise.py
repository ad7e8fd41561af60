"""Raw frame (native fields as text or typed columns) -> canonical columns + first error.

The Polars engine of the rule table (`rules.py`): production reads CSV, the other log formats
(through their adapter) and Parquet files whose name holds glob characters with it, and the
test oracle (`oracle.py`) reads everything with it.

Vectorised: every check is a Polars expression; a row's first failing check (in the table's
order) gives its quarantine `field` and `reason`. Reasons are fixed texts: no raw value is ever
copied. Only the fields of `rules.CRITICAL_FIELDS` are checked; the others are repaired by the
rules of `rules.OPTIONAL_RULES` (one `_rp_<field>` action column each, NULL when the value is
kept).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import polars as pl

from pipelines.lib.requests import rules
from pipelines.lib.requests.polars_rules import first_failing, polars_repair
from pipelines.lib.requests.result import (
    ERR_FIELD,
    ERR_REASON,
    INT_FIELDS,
    NATIVE_FIELDS,
    SKIP_REASON,
    STRING_FIELDS,
    TIMESTAMP_FIELD,
)


def _text(name: str) -> pl.Expr:
    stripped = pl.col(name).str.strip_chars()
    return pl.when(stripped != "").then(stripped)


def _as_string(name: str, dtype: pl.DataType) -> tuple[pl.Expr, pl.Expr]:
    if dtype == pl.String:
        return _text(name), pl.lit(False)
    if dtype.is_numeric() or dtype == pl.Boolean:
        return pl.col(name).cast(pl.String), pl.lit(False)
    return pl.lit(None, dtype=pl.String), pl.col(name).is_not_null()


def _integral(value: pl.Expr) -> pl.Expr:
    ok = value.is_finite() & (value == value.floor()) & (value.abs() < 9e15)
    return pl.when(ok).then(value.cast(pl.Int64, strict=False))


def _as_int(name: str, dtype: pl.DataType) -> tuple[pl.Expr, pl.Expr]:
    col = pl.col(name)
    if dtype == pl.String:
        text = _text(name)
        value = pl.coalesce(
            text.cast(pl.Int64, strict=False), _integral(text.cast(pl.Float64, strict=False))
        )
        return value, text.is_not_null() & value.is_null()
    if dtype.is_integer():
        value = col.cast(pl.Int64, strict=False)
    elif dtype.is_float():
        value = _integral(col)
    else:
        value = pl.lit(None, dtype=pl.Int64)
    return value, col.is_not_null() & value.is_null()


def _as_timestamp(dtype: pl.DataType) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    """(UTC naive timestamp, has no offset, unparsable)."""
    col = pl.col(TIMESTAMP_FIELD)
    if isinstance(dtype, pl.Datetime):
        if dtype.time_zone is None:
            return pl.lit(None, dtype=pl.Datetime("us")), col.is_not_null(), pl.lit(False)
        value = col.dt.convert_time_zone("UTC").dt.replace_time_zone(None).dt.cast_time_unit("us")
        return value, pl.lit(False), pl.lit(False)
    if dtype != pl.String:
        return pl.lit(None, dtype=pl.Datetime("us")), pl.lit(False), col.is_not_null()
    text = _text(TIMESTAMP_FIELD)
    has_offset = text.str.contains(rules.TIMESTAMP_OFFSET)
    shape = text.str.contains(f"^{rules.RFC3339_SHAPE}$")  # what the SQL path parses, no more
    norm = text.str.replace(r"[Zz]$", "+00:00").str.replace(r"^(\d{4}-\d{2}-\d{2})[ tT]", "${1}T")
    parsed = norm.str.to_datetime(
        "%Y-%m-%dT%H:%M:%S%.f%z", strict=False, time_unit="us", time_zone="UTC"
    ).dt.replace_time_zone(None)
    value = pl.when(shape).then(parsed)
    no_offset = text.is_not_null() & ~shape & ~has_offset
    return value, no_offset, has_offset & (~shape | parsed.is_null())


def _critical(schema: pl.Schema) -> list[pl.Expr]:
    """Critical fields are text or integers (tokens); a value of a wrong type sets its flag."""
    typed: list[pl.Expr] = []
    for names, conv in ((STRING_FIELDS, _as_string), (INT_FIELDS, _as_int)):
        for name in names:
            if name in rules.CRITICAL_FIELDS:
                value, wrong = conv(name, schema[name])
                typed += [
                    value.alias(name),
                    wrong.fill_null(False).alias(rules.WRONG_TYPE_FLAG + name),
                ]
    return typed


def _optional(schema: pl.Schema, columns: list[str]) -> list[pl.Expr]:
    """Each optional field's value and repair action, by its rule."""
    typed: list[pl.Expr] = []
    for name, rule in rules.OPTIONAL_RULES.items():
        value, action = polars_repair(rule, pl.col(name), schema[name], _text(name))
        if rules.REPAIR + name in columns:  # the reader already nulled a value of a wrong type
            action = pl.coalesce(pl.col(rules.REPAIR + name), action)
        typed += [value.alias(name), action.alias(rules.REPAIR + name)]
    return typed


def _timestamp(dtype: pl.DataType, now: datetime) -> list[pl.Expr]:
    """timestamp_utc (NULL when out of range) and the timestamp flags of the checks."""
    ts, no_offset, unparsable = _as_timestamp(dtype)
    future = ts > pl.lit(now.replace(tzinfo=None) + timedelta(days=1), dtype=pl.Datetime("us"))
    past = ts < pl.lit(rules.TIMESTAMP_MIN, dtype=pl.Datetime("us"))
    # A blank text timestamp is missing too (it would otherwise have no date and no error).
    missing = (
        _text(TIMESTAMP_FIELD).is_null()
        if dtype == pl.String
        else pl.col(TIMESTAMP_FIELD).is_null()
    )
    return [
        pl.when(~future.fill_null(False) & ~past.fill_null(False)).then(ts).alias("timestamp_utc"),
        no_offset.fill_null(False).alias(rules.TS_NO_OFFSET),
        unparsable.fill_null(False).alias(rules.TS_UNPARSABLE),
        future.fill_null(False).alias(rules.TS_FUTURE),
        past.fill_null(False).alias(rules.TS_PAST),
        missing.alias(rules.TS_MISSING),
    ]


def _empty_text(schema: pl.Schema) -> list[pl.Expr]:
    """A flag per required text field: present but blank."""
    return [
        (
            (pl.col(f).str.strip_chars() == "").fill_null(False)
            if schema[f] == pl.String
            else pl.lit(False)
        ).alias(rules.EMPTY_FLAG + f)
        for f in rules.REQUIRED_TEXT
    ]


def normalise(
    raw: pl.DataFrame, source_format: str, source_file: str, now: datetime
) -> pl.DataFrame:
    """Canonical columns (in order) plus `_err_field` / `_err_reason` (null for good rows).
    `request_date` is set whenever the timestamp is trustworthy, also for rejected rows."""
    raw = raw.with_columns(
        [pl.lit(None, dtype=pl.String).alias(f) for f in NATIVE_FIELDS if f not in raw.columns]
    )
    schema = raw.schema
    typed = [
        *_critical(schema),
        *_optional(schema, raw.columns),
        *_timestamp(schema[TIMESTAMP_FIELD], now),
    ]
    df = raw.select("source_line", ERR_FIELD, ERR_REASON, *typed, *_empty_text(schema))
    df = df.with_columns(first_failing(rules.CHECKS))
    return _finish(df, source_format, source_file)


def _finish(df: pl.DataFrame, source_format: str, source_file: str) -> pl.DataFrame:
    df = df.with_columns(
        *[rule.polars().alias(name) for name, rule in rules.DEFAULTS.items()],
        pl.lit(source_format).alias("source_format"),
        pl.lit(source_file).alias("source_file"),
    ).with_columns(rule.polars().alias(name) for name, rule in rules.DERIVED.items())
    df = df.with_columns(pl.lit(None, pl.String).alias(SKIP_REASON))
    return df.select(pl.col(n).cast(t) for n, t in rules.SCRATCH_COLUMNS.items())
