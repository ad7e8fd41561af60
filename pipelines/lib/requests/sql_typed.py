"""SQL that types the raw `r_<field>` columns the way `normalise` types them in Polars: critical
fields (text and integers), optional fields (by `sql_rules.sql_repair`) and the timestamp."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pipelines.lib.requests import rules
from pipelines.lib.requests.result import INT_FIELDS, STRING_FIELDS, TIMESTAMP_FIELD
from pipelines.lib.requests.rule_expr import literal, quote
from pipelines.lib.requests.sql_rules import sql_repair

_WS = "' ' || chr(9) || chr(10) || chr(13) || chr(11) || chr(12)"


def text(col: str) -> str:
    """Text stripped of ASCII whitespace, '' as NULL (Polars `strip_chars`; it also strips
    Unicode spaces such as U+00A0, this does not). Trimming copies every string, so it only
    runs on values that start or end with a character <= U+0020 (or are empty)."""
    c = f"{col}::varchar"
    ends = " or ".join(f"ends_with({c}, chr({n}))" for n in (32, 9, 10, 13, 11, 12))
    return f"(case when ascii({c}) <= 32 or {ends} then nullif(trim({c}, {_WS}), '') else {c} end)"


def _no_underscore(text_sql: str) -> str:
    """DuckDB reads `1_000` as a number, Polars does not."""
    return f"case when not contains({text_sql}, '_') then {text_sql} end"


def _integral(expr: str) -> str:
    return (
        f"case when isfinite({expr}) and {expr} = floor({expr}) and abs({expr}) < 9e15 "
        f"then ({expr})::bigint end"
    )


def _as_string(col: str, kind: str) -> tuple[str, str]:
    if kind == "s":
        return text(col), "false"
    if kind in ("i", "b"):
        return f"lower({col}::varchar)" if kind == "b" else f"{col}::varchar", "false"
    if kind == "f":  # polars prints floats like 1.0 / 1.5
        return f"{col}::varchar", "false"
    return "null::varchar", f"({col} is not null)"


def _as_int(col: str, kind: str) -> tuple[str, str]:
    if kind == "s":  # as Polars casts text: digits only, else an integral float
        stripped = text(col)
        digits = f"regexp_full_match({stripped}, '[+-]?[0-9]+')"
        as_int = f"case when {digits} then try_cast({stripped} as bigint) end"
        as_float = _integral(f"try_cast({_no_underscore(stripped)} as double)")
        value = f"coalesce({as_int}, {as_float})"
        return value, f"({stripped} is not null and {value} is null)"
    if kind == "i":
        value = f"try_cast({col} as bigint)"
    elif kind == "f":
        value = _integral(f"{col}::double")
    else:
        value = "null::bigint"
    return value, f"(({col} is not null) and {value} is null)"


def typed(name: str, kind: str) -> tuple[str, str]:
    """(typed value SQL, wrong-type flag SQL) for one critical field, as `normalise` types it;
    for an optional field (value SQL, repair action SQL) by the shared rules."""
    col = quote("r_" + name)
    if name in rules.OPTIONAL_RULES:
        number = f"try_cast({_no_underscore(text(col))} as double)"
        return sql_repair(rules.OPTIONAL_RULES[name], col, kind, text(col), number)
    if kind == "n":
        return f"null::{'bigint' if name in INT_FIELDS else 'varchar'}", "false"
    if name in STRING_FIELDS:
        return _as_string(col, kind)
    if name in INT_FIELDS:
        return _as_int(col, kind)
    raise ValueError(name)


def _text_timestamp(col: str) -> tuple[list[list[str]], str, str, str]:
    """(layers, value, no offset, unparsable) of a text timestamp. The common shape is checked
    by one regex and parsed by DuckDB's own ISO parser; the offset regex (for the "no offset"
    reason) only runs on rows of another shape."""
    layers = [
        [f"{text(col)} as _ts_text"],
        [
            f"regexp_full_match(_ts_text, {literal(rules.RFC3339_SHAPE)}) as _ts_shape",
            # DuckDB's parser wants upper-case T / Z: retried only where it failed
            "timezone('UTC', coalesce(try_cast(_ts_text as timestamptz), "
            "try_cast(upper(_ts_text) as timestamptz))) as _ts_parsed",
        ],
    ]
    has_offset = f"regexp_matches(_ts_text, {literal(rules.TIMESTAMP_OFFSET)})"
    ts = "case when _ts_shape then _ts_parsed end"
    no_offset = f"(_ts_text is not null and not _ts_shape and not {has_offset})"
    unparsable = f"(case when _ts_shape then _ts_parsed is null else {has_offset} end)"
    return layers, ts, no_offset, unparsable


def _parse_timestamp(col: str, kind: str) -> tuple[list[list[str]], str, str, str]:
    """(layers, value, no offset, unparsable) of a timestamp column of source kind `kind`."""
    if kind == "tz":
        return [], f"timezone('UTC', {col})", "false", "false"
    if kind == "ts":
        return [], "null::timestamp", f"({col} is not null)", "false"
    if kind == "s":
        return _text_timestamp(col)
    if kind == "n":
        return [], "null::timestamp", "false", "false"
    return [], "null::timestamp", "false", f"({col} is not null)"


def timestamp(kind: str, now: datetime) -> tuple[list[list[str]], dict[str, str]]:
    """(layers, expressions) for the timestamp field. `layers` are SELECT lists that wrap the
    source innermost first (each computes columns once that several checks read: parsing a
    text timestamp is the costliest thing ingest does); `expressions` read them."""
    col = quote("r_" + TIMESTAMP_FIELD)
    layers, ts, no_offset, unparsable = _parse_timestamp(col, kind)
    earliest = literal(rules.TIMESTAMP_MIN.isoformat())
    limit = literal((now.astimezone(UTC).replace(tzinfo=None) + timedelta(days=1)).isoformat())
    return layers, {
        "ts": ts,
        rules.TS_NO_OFFSET: f"coalesce({no_offset}, false)",
        rules.TS_UNPARSABLE: f"coalesce({unparsable}, false)",
        rules.TS_FUTURE: f"coalesce(({ts}) > {limit}::timestamp, false)",
        rules.TS_PAST: f"coalesce(({ts}) < {earliest}::timestamp, false)",
        rules.TS_MISSING: "(_ts_text is null)" if kind == "s" else f"({col} is null)",
    }
