"""The DuckDB engine of the rule table: one SELECT that types, checks and completes the raw
`r_<field>` columns of a source (`sql_sources`), giving the scratch columns `normalise` gives."""

from __future__ import annotations

from datetime import datetime

import polars as pl

from pipelines.lib.requests import rules
from pipelines.lib.requests.result import ERR_FIELD, ERR_REASON, NATIVE_FIELDS, TIMESTAMP_FIELD
from pipelines.lib.requests.rule_expr import quote
from pipelines.lib.requests.sql_rules import first_failing
from pipelines.lib.requests.sql_typed import text, timestamp, typed
from schemas.requests.canonical_request import CANONICAL_COLUMNS

_SQL_TYPES = {
    pl.String(): "varchar",
    pl.Datetime("us"): "timestamp",
    pl.Date(): "date",
    pl.Int64(): "bigint",
    pl.Float64(): "double",
    pl.Boolean(): "boolean",
}


def sql_type(column: str) -> str:
    """The DuckDB type of a scratch column."""
    return _SQL_TYPES[rules.SCRATCH_COLUMNS[column]]


def _flag(field: str, flag: str) -> str:
    """A critical field's wrong-type flag, or an optional field's repair action (the reader's
    own action first)."""
    if field in rules.CRITICAL_FIELDS:
        return f"coalesce({flag}, false) as {quote(rules.WRONG_TYPE_FLAG + field)}"
    return f"coalesce({quote(rules.REPAIR + field)}, {flag}) as {quote(rules.REPAIR + field)}"


def _empty(field: str, kind: str | None) -> str:
    """A required text field present but blank."""
    raw = quote("r_" + field)
    empty = f"({raw} is not null and {text(raw)} is null)" if kind == "s" else "false"
    return f"{empty} as {quote(rules.EMPTY_FLAG + field)}"


def _typed_columns(kinds: dict[str, str], now: datetime, source: str) -> tuple[str, list[str]]:
    """(source wrapped in the timestamp layers, SELECT list of typed values and check flags)."""
    values = {f: typed(f, kinds.get(f, "n")) for f in NATIVE_FIELDS if f != TIMESTAMP_FIELD}
    layers, t = timestamp(kinds.get(TIMESTAMP_FIELD, "n"), now)
    for layer in layers:
        source = f"(select *, {', '.join(layer)} from {source})"
    in_range = f"not {t[rules.TS_FUTURE]} and not {t[rules.TS_PAST]}"
    columns = [
        "source_file",
        "source_line",
        "source_format",
        ERR_FIELD,
        ERR_REASON,
        *[f"{v} as {quote(f)}" for f, (v, _) in values.items()],
        *[_flag(f, w) for f, (_, w) in values.items()],
        f"case when {in_range} then {t['ts']} end as timestamp_utc",
        *[
            f"{t[flag]} as {flag}"
            for flag in (rules.TS_NO_OFFSET, rules.TS_UNPARSABLE, rules.TS_FUTURE, rules.TS_PAST)
        ],
        f"{t[rules.TS_MISSING]} as {rules.TS_MISSING}",
        *[_empty(f, kinds.get(f)) for f in rules.REQUIRED_TEXT],
    ]
    return source, columns


def select_sql(kinds: dict[str, str], now: datetime, source: str) -> str:
    """SELECT producing the scratch columns from `source` (columns r_<field>, source_file,
    source_line, _err_field/_err_reason from the reader), by the same rule table as
    `normalise`."""
    source, inner = _typed_columns(kinds, now, source)
    field_case, reason_case = first_failing(rules.CHECKS)
    finished = {name: rule.sql() for name, rule in {**rules.DEFAULTS, **rules.DERIVED}.items()}
    outer = [
        f"({finished.get(c, quote(c))})::{sql_type(c)} as {quote(c)}" for c in CANONICAL_COLUMNS
    ]
    outer += [
        f"coalesce({ERR_FIELD}, {field_case}) as {ERR_FIELD}",
        f"coalesce({ERR_REASON}, {reason_case}) as {ERR_REASON}",
        *[quote(rules.REPAIR + f) for f in rules.OPTIONAL_RULES],
    ]
    return f"select {', '.join(outer)} from (select {', '.join(inner)} from {source})"
