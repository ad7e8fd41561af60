"""Which native fields may quarantine a record, and how every other field is repaired.

One declarative table (`OPTIONAL_RULES`) read by both ingest paths: the Polars `normalise`
compiles it with `polars_repair`, the DuckDB loader (`sql.py`) with `sql_repair`, so the two give
the same values and the same repair rows (`tests/test_requests/hostile/test_sql_parity.py`).

Only the fields that price or attribute a request (`CRITICAL_FIELDS`) can quarantine it. Every
other field is coerced where the meaning is unambiguous (a fractional number of milliseconds is
rounded half up; `true`/`false`/`1`/`0` are booleans; numbers written as text are numbers), and
otherwise set to NULL. Each change of a value is one repair row (`ingest_field_repairs`):
rounding, or NULL with the reason. Reading an exact spelling (`"12"`, `"true"`, `1`) is parsing,
not a repair: in CSV every value is text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import polars as pl

from schemas.requests.canonical_request import CACHE_STATUSES, STATUSES
from schemas.requests.native_request import (
    CRITICAL_FIELDS,
    NATIVE_SCHEMA,
    NEGATIVE,
    NOT_A_BOOLEAN,
    NOT_A_NUMBER,
    ROUNDED,
    UNKNOWN_VALUE,
    WRONG_TYPE,
)
from schemas.requests.native_request import REPAIR_PREFIX as REPAIR

__all__ = [
    "CRITICAL_FIELDS",
    "OPTIONAL_RULES",
    "REPAIR",
    "WRONG_TYPE",
    "polars_repair",
    "sql_repair",
]

# Record timestamps outside [TIMESTAMP_MIN, now + 1 day] are a quarantine reason: nothing costed
# before the Unix epoch is a real LLM call, and later code adds days to dates.
TIMESTAMP_MIN = datetime(1970, 1, 1)
TIMESTAMP_BEFORE_MIN = "timestamp is before 1970-01-01"
# What both paths parse: date, `T`/`t`/space, time, optional fraction, `Z` or +hh:mm / +hhmm.
RFC3339_SHAPE = r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:?\d{2})"


@dataclass(frozen=True)
class OptionalRule:
    """How one non-critical field is typed and checked. `minimum` / `maximum` are inclusive;
    a value outside them, or outside `allowed`, is set to NULL with `range_action`."""

    field: str
    kind: str  # string | int | float | bool
    allowed: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    range_action: str = UNKNOWN_VALUE


_KINDS = {pl.String(): "string", pl.Int64(): "int", pl.Float64(): "float", pl.Boolean(): "bool"}
_SPECIAL = {
    "status": OptionalRule("status", "string", allowed=STATUSES),
    "cache_status": OptionalRule("cache_status", "string", allowed=CACHE_STATUSES),
    "latency_ms": OptionalRule("latency_ms", "int", minimum=0, range_action=NEGATIVE),
    "edit_distance": OptionalRule("edit_distance", "float", minimum=0, range_action=NEGATIVE),
    "csat": OptionalRule(
        "csat", "float", minimum=1, maximum=5, range_action="set to NULL: outside 1..5"
    ),
}
OPTIONAL_RULES: dict[str, OptionalRule] = {
    f: _SPECIAL.get(f, OptionalRule(f, _KINDS[t]))
    for f, t in NATIVE_SCHEMA.items()
    if f not in CRITICAL_FIELDS
}
OPTIONAL_FIELDS = tuple(OPTIONAL_RULES)
# Integral values at or beyond this are not exact in a double: not a number we trust.
_LIMIT = 9e15


# ---------------------------------------------------------------- Polars


def _range(rule: OptionalRule, value: pl.Expr) -> pl.Expr:
    bad = pl.lit(False)
    if rule.allowed:
        bad = ~value.is_in(list(rule.allowed))
    if rule.minimum is not None:
        bad = bad | (value < rule.minimum)
    if rule.maximum is not None:
        bad = bad | (value > rule.maximum)
    return value.is_not_null() & bad


def polars_repair(
    rule: OptionalRule, col: pl.Expr, dtype: pl.DataType, text: pl.Expr
) -> tuple[pl.Expr, pl.Expr]:
    """(typed value, repair action) of one optional field read from `col` of `dtype`; `text` is
    the stripped text ('' as NULL) when `dtype` is String."""
    rounded = pl.lit(False)
    if rule.kind == "string":
        if dtype == pl.String:
            value, bad = text, pl.lit(False)
        elif dtype.is_numeric() or dtype == pl.Boolean:
            value, bad = col.cast(pl.String), pl.lit(False)
        else:
            value, bad = pl.lit(None, pl.String), col.is_not_null()
        bad_action = WRONG_TYPE
    elif rule.kind == "bool":
        if dtype == pl.Boolean:
            value = col
        elif dtype == pl.String:
            low = text.str.to_lowercase()
            value = pl.when(low.is_in(["true", "1"])).then(True).when(low.is_in(["false", "0"]))
            value = value.then(False)
        elif dtype.is_numeric():
            value = pl.when(col == 1).then(True).when(col == 0).then(False)
        else:
            value = pl.lit(None, pl.Boolean)
        present = text if dtype == pl.String else col
        bad, bad_action = present.is_not_null() & value.is_null(), NOT_A_BOOLEAN
    else:
        if dtype == pl.String:
            number, present = text.cast(pl.Float64, strict=False), text
        elif dtype.is_numeric():
            number, present = col.cast(pl.Float64), col
        else:
            number, present = pl.lit(None, pl.Float64), col
        finite = number.is_finite() & (number.abs() < _LIMIT)
        value = pl.when(finite).then(number)
        bad, bad_action = present.is_not_null() & value.is_null(), NOT_A_NUMBER
    out_of_range = _range(rule, value)  # before rounding: -0.4 ms is negative, not 0
    if rule.kind == "int":
        rounded = value != value.floor()
        value = (value + 0.5).floor().cast(pl.Int64)
    action = (
        pl.when(bad)
        .then(pl.lit(bad_action))
        .when(out_of_range)
        .then(pl.lit(rule.range_action))
        .when(rounded.fill_null(False))
        .then(pl.lit(ROUNDED))
    )
    return pl.when(~bad.fill_null(False) & ~out_of_range.fill_null(False)).then(value), action


# ---------------------------------------------------------------- DuckDB SQL


def _sql_range(rule: OptionalRule, value: str) -> str:
    parts = []
    if rule.allowed:
        parts.append(f"{value} not in ({', '.join(repr(v) for v in rule.allowed)})")
    if rule.minimum is not None:
        parts.append(f"{value} < {rule.minimum}")
    if rule.maximum is not None:
        parts.append(f"{value} > {rule.maximum}")
    return f"coalesce({' or '.join(parts) or 'false'}, false)"


def sql_repair(rule: OptionalRule, col: str, kind: str, text: str, number: str) -> tuple[str, str]:
    """(typed value, repair action) SQL of one optional field, as `polars_repair` computes it.
    `kind` is the sql.py source kind (s, i, f, b, n, x); `text` the stripped text when `s`,
    `number` the text parsed as a double the way Polars parses it."""
    if kind == "n":  # absent from the source
        sql_type = {"string": "varchar", "int": "bigint", "float": "double", "bool": "boolean"}
        return f"null::{sql_type[rule.kind]}", "null::varchar"
    rounded = "false"
    if rule.kind == "string":
        value = {"s": text, "i": f"{col}::varchar", "f": f"{col}::varchar"}.get(kind)
        if kind == "b":
            value = f"lower({col}::varchar)"
        bad = "false" if value else f"({col} is not null)"
        value = value or "null::varchar"
        bad_action = WRONG_TYPE
    elif rule.kind == "bool":
        present = text if kind == "s" else col
        if kind == "b":
            value = col
        elif kind == "s":
            low = f"lower({text})"
            value = (
                f"case when {low} in ('true', '1') then true "
                f"when {low} in ('false', '0') then false end"
            )
        elif kind in ("i", "f"):
            value = f"case when {col} = 1 then true when {col} = 0 then false end"
        else:
            value, present = "null::boolean", col
        bad, bad_action = f"({present} is not null and ({value}) is null)", NOT_A_BOOLEAN
    else:
        if kind == "s":
            parsed, present = number, text
        elif kind in ("i", "f"):
            parsed, present = f"{col}::double", col
        else:
            parsed, present = "null::double", col
        value = f"case when isfinite({parsed}) and abs({parsed}) < {_LIMIT:.0f} then {parsed} end"
        bad = f"({present} is not null and ({value}) is null)"
        bad_action = NOT_A_NUMBER
    out = _sql_range(rule, value)
    if rule.kind == "int":
        rounded = f"coalesce(({value}) <> floor({value}), false)"
        value = f"floor(({value}) + 0.5)::bigint"
    action = (
        f"case when {bad} then '{bad_action}' when {out} then '{rule.range_action}' "
        f"when {rounded} then '{ROUNDED}' end"
    )
    return f"case when not ({bad}) and not {out} then {value} end", action
