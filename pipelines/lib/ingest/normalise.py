"""Raw frame (native fields as text or typed columns) -> canonical columns + first error.

Vectorised: every check is a Polars expression; a row's first failing check (in a fixed order)
gives its quarantine `field` and `reason`. Reasons are fixed texts: no raw value is ever copied.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import polars as pl

from pipelines.lib.ingest.result import (
    BOOL_FIELDS,
    ERR_FIELD,
    ERR_REASON,
    FLOAT_FIELDS,
    INT_FIELDS,
    MAX_TOKENS,
    NATIVE_FIELDS,
    REQUIRED_FIELDS,
    STRING_FIELDS,
    TIMESTAMP_FIELD,
    TOKEN_FIELDS,
)
from schemas.canonical_request import (
    APP_CACHE_HITS,
    CACHE_STATUSES,
    CANONICAL_COLUMNS,
    ENVIRONMENTS,
    SERVICE_TIERS,
    STATUSES,
)

PROVIDER_PATTERN = r"^[a-z0-9][a-z0-9._-]*$"
_OFFSET = r"(?i)(z|[+-]\d{2}:?\d{2})$"
_TRUE = ["true", "1"]
_FALSE = ["false", "0"]
_TE = "_te_"  # prefix of the per-field "wrong type" flag columns


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


def _as_float(name: str, dtype: pl.DataType) -> tuple[pl.Expr, pl.Expr]:
    col = pl.col(name)
    if dtype == pl.String:
        text = _text(name)
        parsed = text.cast(pl.Float64, strict=False)
    elif dtype.is_numeric():
        text, parsed = col, col.cast(pl.Float64)
    else:
        text, parsed = col, pl.lit(None, dtype=pl.Float64)
    value = pl.when(parsed.is_finite()).then(parsed)
    return value, text.is_not_null() & value.is_null()


def _as_bool(name: str, dtype: pl.DataType) -> tuple[pl.Expr, pl.Expr]:
    col = pl.col(name)
    if dtype == pl.Boolean:
        return col, pl.lit(False)
    if dtype == pl.String:
        text = _text(name).str.to_lowercase()
        value = pl.when(text.is_in(_TRUE)).then(True).when(text.is_in(_FALSE)).then(False)
        return value, text.is_not_null() & value.is_null()
    return pl.lit(None, dtype=pl.Boolean), col.is_not_null()


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
    has_offset = text.str.contains(_OFFSET)
    norm = text.str.replace(r"[Zz]$", "+00:00").str.replace(r"^(\d{4}-\d{2}-\d{2})[ tT]", "${1}T")
    parsed = norm.str.to_datetime(
        "%Y-%m-%dT%H:%M:%S%.f%z", strict=False, time_unit="us", time_zone="UTC"
    ).dt.replace_time_zone(None)
    value = pl.when(has_offset).then(parsed)
    return value, text.is_not_null() & ~has_offset, has_offset & parsed.is_null()


def normalise(
    raw: pl.DataFrame, source_format: str, source_file: str, now: datetime
) -> pl.DataFrame:
    """Canonical columns (in order) plus `_err_field` / `_err_reason` (null for good rows).
    `request_date` is set whenever the timestamp is trustworthy, also for rejected rows."""
    raw = raw.with_columns(
        [pl.lit(None, dtype=pl.String).alias(f) for f in NATIVE_FIELDS if f not in raw.columns]
    )
    schema = raw.schema
    typed: list[pl.Expr] = []
    for names, conv in (
        (STRING_FIELDS, _as_string),
        (INT_FIELDS, _as_int),
        (FLOAT_FIELDS, _as_float),
        (BOOL_FIELDS, _as_bool),
    ):
        for name in names:
            value, wrong = conv(name, schema[name])
            typed += [value.alias(name), wrong.fill_null(False).alias(_TE + name)]
    ts, no_offset, unparsable = _as_timestamp(schema[TIMESTAMP_FIELD])
    future = ts > pl.lit(now.replace(tzinfo=None) + timedelta(days=1), dtype=pl.Datetime("us"))
    typed += [
        pl.when(~future.fill_null(False)).then(ts).alias("timestamp_utc"),
        no_offset.fill_null(False).alias("_no_offset"),
        unparsable.fill_null(False).alias("_unparsable"),
        future.fill_null(False).alias("_future"),
        pl.col(TIMESTAMP_FIELD).is_null().alias("_ts_missing"),
    ]
    empty_str = [
        (
            (pl.col(f).str.strip_chars() == "").fill_null(False)
            if schema[f] == pl.String
            else pl.lit(False)
        ).alias("_empty_" + f)
        for f in REQUIRED_FIELDS
        if f in STRING_FIELDS
    ]
    df = raw.select("source_line", ERR_FIELD, ERR_REASON, *typed, *empty_str)
    df = df.with_columns(_checks(df))
    return _finish(df, source_format, source_file)


def first_error(checks: list[tuple[pl.Expr, str, str]]) -> list[pl.Expr]:
    """`_err_field` / `_err_reason` of the first failing check, unless one is already set."""
    index = pl.min_horizontal(
        [pl.when(cond.fill_null(False)).then(pl.lit(i)) for i, (cond, _, _) in enumerate(checks)]
    )
    fields = {i: f for i, (_, f, _) in enumerate(checks)}
    reasons = {i: r for i, (_, _, r) in enumerate(checks)}
    return [
        pl.coalesce(
            pl.col(ERR_FIELD), index.replace_strict(fields, default=None, return_dtype=pl.String)
        ).alias(ERR_FIELD),
        pl.coalesce(
            pl.col(ERR_REASON), index.replace_strict(reasons, default=None, return_dtype=pl.String)
        ).alias(ERR_REASON),
    ]


def _checks(df: pl.DataFrame) -> list[pl.Expr]:
    c = pl.col
    checks: list[tuple[pl.Expr, str, str]] = []
    for f in REQUIRED_FIELDS:
        if f == TIMESTAMP_FIELD:
            checks.append((c("_ts_missing"), f, f"missing required field {f}"))
        elif f in STRING_FIELDS:
            checks.append((c("_empty_" + f), f, f"empty {f}"))
            checks.append((c(f).is_null(), f, f"missing required field {f}"))
        else:
            checks.append((c(f).is_null() & ~c(_TE + f), f, f"missing required field {f}"))
    checks += [
        (c("_no_offset"), TIMESTAMP_FIELD, "timestamp has no UTC offset"),
        (c("_unparsable"), TIMESTAMP_FIELD, "timestamp is not a valid RFC 3339 date-time"),
        (c("_future"), TIMESTAMP_FIELD, "timestamp is more than 1 day in the future"),
    ]
    kinds = {
        **dict.fromkeys(STRING_FIELDS, "has the wrong type"),
        **dict.fromkeys(INT_FIELDS, "is not an integer"),
        **dict.fromkeys(FLOAT_FIELDS, "is not a finite number"),
        **dict.fromkeys(BOOL_FIELDS, "is not a boolean"),
    }
    checks += [(c(_TE + f), f, f"{f} {what}") for f, what in kinds.items()]
    for f, allowed in (
        ("environment", ENVIRONMENTS),
        ("service_tier", SERVICE_TIERS),
        ("cache_status", CACHE_STATUSES),
        ("status", STATUSES),
    ):
        checks.append((c(f).is_not_null() & ~c(f).is_in(list(allowed)), f, f"unknown {f}"))
    checks.append(
        (
            ~c("provider").str.contains(PROVIDER_PATTERN),
            "provider",
            "provider is not a lower-case identifier",
        )
    )
    for f in TOKEN_FIELDS:
        checks.append((c(f) < 0, f, f"{f} is negative"))
        checks.append((c(f) > MAX_TOKENS, f, f"{f} exceeds {MAX_TOKENS:,} per request"))
    tok = {f: c(f).fill_null(0) for f in TOKEN_FIELDS}
    checks += [
        (
            tok["cache_read_tokens"] + tok["cache_write_tokens"] > tok["input_tokens"],
            "input_tokens",
            "cache_read_tokens + cache_write_tokens exceed input_tokens",
        ),
        (
            tok["cache_write_1h_tokens"] > tok["cache_write_tokens"],
            "cache_write_1h_tokens",
            "cache_write_1h_tokens exceed cache_write_tokens",
        ),
        (
            tok["reasoning_tokens"] > tok["output_tokens"],
            "reasoning_tokens",
            "reasoning_tokens exceed output_tokens",
        ),
        (
            c("cache_status").is_in(list(APP_CACHE_HITS))
            & (pl.sum_horizontal(tok["input_tokens"], tok["output_tokens"]) > 0),
            "cache_status",
            "app-cache hit (exact/semantic) with nonzero provider tokens",
        ),
        (c("latency_ms") < 0, "latency_ms", "latency_ms is negative"),
        (c("edit_distance") < 0, "edit_distance", "edit_distance is negative"),
        (~c("csat").is_between(1, 5), "csat", "csat is outside 1..5"),
    ]
    return first_error(checks)


def _finish(df: pl.DataFrame, source_format: str, source_file: str) -> pl.DataFrame:
    c = pl.col
    optional_tokens = [f for f in TOKEN_FIELDS if f not in REQUIRED_FIELDS]
    df = df.with_columns(
        *[c(f).fill_null(0) for f in optional_tokens],
        c("service_tier").fill_null("standard"),
        c("status").fill_null("success"),
        c("cache_status").fill_null(
            pl.when(c("cache_read_tokens").fill_null(0) > 0)
            .then(pl.lit("prefix"))
            .otherwise(pl.lit("miss"))
        ),
        c("timestamp_utc").dt.date().alias("request_date"),
        pl.lit(source_format).alias("source_format"),
        pl.lit(source_file).alias("source_file"),
    ).with_columns(
        (c("input_tokens") - c("cache_read_tokens") - c("cache_write_tokens")).alias(
            "input_uncached_tokens"
        ),
        (c("cache_write_tokens") - c("cache_write_1h_tokens")).alias("cache_write_5m_tokens"),
    )
    return df.select(*[c(n).cast(t) for n, t in CANONICAL_COLUMNS.items()], ERR_FIELD, ERR_REASON)
