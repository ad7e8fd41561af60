"""The ingest rule table: how each native field is typed, repaired or quarantined, and why.

Written once, compiled to both engines: `normalise.py` (Polars, with `polars_rules.py`) and
`sql_select.py` (DuckDB, with `sql_rules.py`) read the same tables, so the two give the same
values, repair rows and reasons (`tests/test_requests/hostile/test_sql_parity.py`).

- `CRITICAL_FIELDS` price or attribute a request: only they can quarantine it. Each is typed as
  its `NATIVE_SCHEMA` type (a value of another type sets its wrong-type flag, `TYPE_REASONS`);
  `CHECKS` then lists, in order, every reason a record is rejected: the first failing one wins.
- Every other field has an `OptionalRule`: it is coerced where the meaning is unambiguous (a
  fractional number of milliseconds is rounded half up; `true`/`false`/`1`/`0` are booleans;
  numbers written as text are numbers), and otherwise set to NULL. Each change of a value is one
  repair row (`ingest_field_repairs`): rounding, or NULL with the reason. Reading an exact
  spelling (`"12"`, `"true"`, `1`) is parsing, not a repair: in CSV every value is text.
- `DEFAULTS` fill what a valid record may leave out; `DERIVED` are computed from them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import polars as pl

from pipelines.lib.requests.result import (
    ERR_FIELD,
    ERR_REASON,
    INT_FIELDS,
    MAX_TOKENS,
    REQUIRED_FIELDS,
    SKIP_REASON,
    STRING_FIELDS,
    TIMESTAMP_FIELD,
    TOKEN_FIELDS,
)
from pipelines.lib.requests.rule_expr import (
    Check,
    DateOf,
    Expr,
    Fill,
    In,
    IsNull,
    Lit,
    Matches,
    Not,
    Op,
    When,
    col,
    zero_if_null,
)
from schemas.requests.canonical_request import (
    APP_CACHE_HITS,
    CACHE_STATUSES,
    CANONICAL_COLUMNS,
    ENVIRONMENTS,
    SERVICE_TIERS,
    STATUSES,
)
from schemas.requests.native_request import (
    CRITICAL_FIELDS,
    NATIVE_SCHEMA,
    NEGATIVE,
    UNKNOWN_VALUE,
    WRONG_TYPE,
)
from schemas.requests.native_request import REPAIR_PREFIX as REPAIR

__all__ = ["CHECKS", "CRITICAL_FIELDS", "OPTIONAL_RULES", "REPAIR", "WRONG_TYPE"]

# ---------------------------------------------------------------- timestamp and text shapes

# Record timestamps outside [TIMESTAMP_MIN, now + 1 day] are a quarantine reason: nothing costed
# before the Unix epoch is a real LLM call, and later code adds days to dates.
TIMESTAMP_MIN = datetime(1970, 1, 1)
TIMESTAMP_BEFORE_MIN = "timestamp is before 1970-01-01"
# What both paths parse: date, `T`/`t`/space, time, optional fraction, `Z` or +hh:mm / +hhmm.
RFC3339_SHAPE = r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:?\d{2})"
# A text that ends in an offset (tells "no UTC offset" from "not a valid date-time").
TIMESTAMP_OFFSET = r"(?i)(z|[+-]\d{2}:?\d{2})$"
PROVIDER_PATTERN = r"^[a-z0-9][a-z0-9._-]*$"
# Integral values at or beyond this are not exact in a double: not a number we trust.
NUMBER_LIMIT = 9e15

# ---------------------------------------------------------------- optional fields: repairs


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

# ---------------------------------------------------------------- critical fields: checks

# Flag columns the typing step of each engine computes before the checks read them.
WRONG_TYPE_FLAG = "_te_"  # + field: a critical value of a type the field cannot hold
EMPTY_FLAG = "_empty_"  # + field: a required text that is blank
TS_MISSING = "_ts_missing"
TS_NO_OFFSET = "_no_offset"
TS_UNPARSABLE = "_unparsable"
TS_FUTURE = "_future"
TS_PAST = "_past"
TYPE_REASONS = {
    **dict.fromkeys(STRING_FIELDS, "has the wrong type"),
    **dict.fromkeys(INT_FIELDS, "is not an integer"),
}
REQUIRED_TEXT = tuple(f for f in REQUIRED_FIELDS if f in STRING_FIELDS)


def _required(field: str) -> list[Check]:
    missing = f"missing required field {field}"
    if field == TIMESTAMP_FIELD:
        return [Check(col(TS_MISSING), field, missing)]
    if field in STRING_FIELDS:
        return [
            Check(col(EMPTY_FLAG + field), field, f"empty {field}"),
            Check(IsNull(col(field)), field, missing),
        ]
    wrong_type = col(WRONG_TYPE_FLAG + field)
    return [Check(Op("and", IsNull(col(field)), Not(wrong_type)), field, missing)]


def _allowed(field: str, values: tuple[str, ...]) -> Check:
    value = col(field)
    return Check(Op("and", Not(IsNull(value)), Not(In(value, values))), field, f"unknown {field}")


def _exceeds(parts: Expr, total: str, field: str, reason: str) -> Check:
    return Check(Op(">", parts, zero_if_null(total)), field, reason)


def _token_ranges(field: str) -> list[Check]:
    return [
        Check(Op("<", col(field), Lit(0)), field, f"{field} is negative"),
        Check(
            Op(">", col(field), Lit(MAX_TOKENS)),
            field,
            f"{field} exceeds {MAX_TOKENS:,} per request",
        ),
    ]


_CACHE_WRITES = Op("+", zero_if_null("cache_read_tokens"), zero_if_null("cache_write_tokens"))
_PROVIDER_TOKENS = Op("+", zero_if_null("input_tokens"), zero_if_null("output_tokens"))
CHECKS: list[Check] = [
    *[check for field in REQUIRED_FIELDS for check in _required(field)],
    Check(col(TS_NO_OFFSET), TIMESTAMP_FIELD, "timestamp has no UTC offset"),
    Check(col(TS_UNPARSABLE), TIMESTAMP_FIELD, "timestamp is not a valid RFC 3339 date-time"),
    Check(col(TS_FUTURE), TIMESTAMP_FIELD, "timestamp is more than 1 day in the future"),
    Check(col(TS_PAST), TIMESTAMP_FIELD, TIMESTAMP_BEFORE_MIN),
    *[
        Check(col(WRONG_TYPE_FLAG + f), f, f"{f} {what}")
        for f, what in TYPE_REASONS.items()
        if f in CRITICAL_FIELDS
    ],
    _allowed("environment", ENVIRONMENTS),
    _allowed("service_tier", SERVICE_TIERS),
    Check(
        Not(Matches(col("provider"), PROVIDER_PATTERN)),
        "provider",
        "provider is not a lower-case identifier",
    ),
    *[check for field in TOKEN_FIELDS for check in _token_ranges(field)],
    _exceeds(
        _CACHE_WRITES,
        "input_tokens",
        "input_tokens",
        "cache_read_tokens + cache_write_tokens exceed input_tokens",
    ),
    _exceeds(
        zero_if_null("cache_write_1h_tokens"),
        "cache_write_tokens",
        "cache_write_1h_tokens",
        "cache_write_1h_tokens exceed cache_write_tokens",
    ),
    _exceeds(
        zero_if_null("reasoning_tokens"),
        "output_tokens",
        "reasoning_tokens",
        "reasoning_tokens exceed output_tokens",
    ),
    Check(
        Op("and", In(col("cache_status"), APP_CACHE_HITS), Op(">", _PROVIDER_TOKENS, Lit(0))),
        "cache_status",
        "app-cache hit (exact/semantic) with nonzero provider tokens",
    ),
]

# ---------------------------------------------------------------- defaults of valid records

DEFAULTS: dict[str, Expr] = {
    **{f: zero_if_null(f) for f in TOKEN_FIELDS if f not in REQUIRED_FIELDS},
    "service_tier": Fill(col("service_tier"), Lit("standard")),
    "status": Fill(col("status"), Lit("success")),
    "cache_status": Fill(
        col("cache_status"),
        When(Op(">", zero_if_null("cache_read_tokens"), Lit(0)), Lit("prefix"), Lit("miss")),
    ),
    "request_date": DateOf(col("timestamp_utc")),
}
# Computed after DEFAULTS (the NULL-as-0 reads make them right before the defaults too).
DERIVED: dict[str, Expr] = {
    "input_uncached_tokens": Op(
        "-",
        Op("-", col("input_tokens"), zero_if_null("cache_read_tokens")),
        zero_if_null("cache_write_tokens"),
    ),
    "cache_write_5m_tokens": Op(
        "-", zero_if_null("cache_write_tokens"), zero_if_null("cache_write_1h_tokens")
    ),
}

# What each engine produces per record (and the SQL scratch table holds): canonical columns,
# the first error, one repair action per optional field, and the skip reason of non-billable
# records.
SCRATCH_COLUMNS: dict[str, pl.DataType] = {
    **CANONICAL_COLUMNS,
    ERR_FIELD: pl.String(),
    ERR_REASON: pl.String(),
    **{REPAIR + f: pl.String() for f in OPTIONAL_RULES},
    SKIP_REASON: pl.String(),
}
