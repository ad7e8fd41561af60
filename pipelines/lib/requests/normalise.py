"""Raw frame (native fields as text or typed columns) -> canonical columns + first error.

Vectorised: every check is a Polars expression; a row's first failing check (in a fixed order)
gives its quarantine `field` and `reason`. Reasons are fixed texts: no raw value is ever copied.
Only the fields of `rules.CRITICAL_FIELDS` are checked; the others are repaired by the rules of
`rules.OPTIONAL_RULES` (one `_rp_<field>` action column each, NULL when the value is kept).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import polars as pl

from pipelines.lib.requests.result import (
    ERR_FIELD,
    ERR_REASON,
    INT_FIELDS,
    MAX_TOKENS,
    NATIVE_FIELDS,
    REQUIRED_FIELDS,
    SKIP_REASON,
    STRING_FIELDS,
    TIMESTAMP_FIELD,
    TOKEN_FIELDS,
)
from pipelines.lib.requests.rules import (
    CRITICAL_FIELDS,
    OPTIONAL_RULES,
    REPAIR,
    RFC3339_SHAPE,
    TIMESTAMP_BEFORE_MIN,
    TIMESTAMP_MIN,
    polars_repair,
)
from schemas.requests.canonical_request import (
    APP_CACHE_HITS,
    CANONICAL_COLUMNS,
    ENVIRONMENTS,
    SERVICE_TIERS,
)

PROVIDER_PATTERN = r"^[a-z0-9][a-z0-9._-]*$"
# What `normalise` returns (and the SQL scratch table holds): canonical columns, the first
# error, one repair action per optional field, and the skip reason of non-billable records.
SCRATCH_COLUMNS: dict[str, pl.DataType] = {
    **CANONICAL_COLUMNS,
    ERR_FIELD: pl.String(),
    ERR_REASON: pl.String(),
    **{REPAIR + f: pl.String() for f in OPTIONAL_RULES},
    SKIP_REASON: pl.String(),
}
_OFFSET = r"(?i)(z|[+-]\d{2}:?\d{2})$"
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
    shape = text.str.contains(f"^{RFC3339_SHAPE}$")  # what the SQL path parses, no more
    norm = text.str.replace(r"[Zz]$", "+00:00").str.replace(r"^(\d{4}-\d{2}-\d{2})[ tT]", "${1}T")
    parsed = norm.str.to_datetime(
        "%Y-%m-%dT%H:%M:%S%.f%z", strict=False, time_unit="us", time_zone="UTC"
    ).dt.replace_time_zone(None)
    value = pl.when(shape).then(parsed)
    no_offset = text.is_not_null() & ~shape & ~has_offset
    return value, no_offset, has_offset & (~shape | parsed.is_null())


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
    # Critical fields are text or integers (tokens); a value of a wrong type quarantines.
    for names, conv in ((STRING_FIELDS, _as_string), (INT_FIELDS, _as_int)):
        for name in names:
            if name in CRITICAL_FIELDS:
                value, wrong = conv(name, schema[name])
                typed += [value.alias(name), wrong.fill_null(False).alias(_TE + name)]
    for name, rule in OPTIONAL_RULES.items():
        value, action = polars_repair(rule, pl.col(name), schema[name], _text(name))
        if REPAIR + name in raw.columns:  # the reader already nulled a value of a wrong type
            action = pl.coalesce(pl.col(REPAIR + name), action)
        typed += [value.alias(name), action.alias(REPAIR + name)]
    ts, no_offset, unparsable = _as_timestamp(schema[TIMESTAMP_FIELD])
    future = ts > pl.lit(now.replace(tzinfo=None) + timedelta(days=1), dtype=pl.Datetime("us"))
    past = ts < pl.lit(TIMESTAMP_MIN, dtype=pl.Datetime("us"))
    typed += [
        pl.when(~future.fill_null(False) & ~past.fill_null(False)).then(ts).alias("timestamp_utc"),
        no_offset.fill_null(False).alias("_no_offset"),
        unparsable.fill_null(False).alias("_unparsable"),
        future.fill_null(False).alias("_future"),
        past.fill_null(False).alias("_past"),
        # A blank text timestamp is missing too (it would otherwise have no date and no error).
        (
            _text(TIMESTAMP_FIELD).is_null()
            if schema[TIMESTAMP_FIELD] == pl.String
            else pl.col(TIMESTAMP_FIELD).is_null()
        ).alias("_ts_missing"),
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
        (c("_past"), TIMESTAMP_FIELD, TIMESTAMP_BEFORE_MIN),
    ]
    kinds = {
        **dict.fromkeys(STRING_FIELDS, "has the wrong type"),
        **dict.fromkeys(INT_FIELDS, "is not an integer"),
    }
    checks += [(c(_TE + f), f, f"{f} {what}") for f, what in kinds.items() if f in CRITICAL_FIELDS]
    for f, allowed in (
        ("environment", ENVIRONMENTS),
        ("service_tier", SERVICE_TIERS),
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
    df = df.with_columns(pl.lit(None, pl.String).alias(SKIP_REASON))
    return df.select(c(n).cast(t) for n, t in SCRATCH_COLUMNS.items())
