"""The rule table (`rules.py`) compiled to DuckDB SQL text, for `sql_select`."""

from __future__ import annotations

from pipelines.lib.requests.rule_expr import Check, literal
from pipelines.lib.requests.rules import NUMBER_LIMIT, OptionalRule
from schemas.requests.native_request import NOT_A_BOOLEAN, NOT_A_NUMBER, ROUNDED, WRONG_TYPE

_SQL_TYPES = {"string": "varchar", "int": "bigint", "float": "double", "bool": "boolean"}


def _sql_range(rule: OptionalRule, value: str) -> str:
    parts = []
    if rule.allowed:
        parts.append(f"{value} not in ({', '.join(repr(v) for v in rule.allowed)})")
    if rule.minimum is not None:
        parts.append(f"{value} < {rule.minimum}")
    if rule.maximum is not None:
        parts.append(f"{value} > {rule.maximum}")
    return f"coalesce({' or '.join(parts) or 'false'}, false)"


def _string(col: str, kind: str, text: str, number: str) -> tuple[str, str]:
    """(value, wrong) SQL of a text field."""
    value = {"s": text, "i": f"{col}::varchar", "f": f"{col}::varchar"}.get(kind)
    if kind == "b":
        value = f"lower({col}::varchar)"
    bad = "false" if value else f"({col} is not null)"
    return value or "null::varchar", bad


def _bool(col: str, kind: str, text: str, number: str) -> tuple[str, str]:
    """(value, not a boolean) SQL of a boolean field."""
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
    return value, f"({present} is not null and ({value}) is null)"


def _number(col: str, kind: str, text: str, number: str) -> tuple[str, str]:
    """(value, not a number) SQL of a numeric field, as a double."""
    if kind == "s":
        parsed, present = number, text
    elif kind in ("i", "f"):
        parsed, present = f"{col}::double", col
    else:
        parsed, present = "null::double", col
    value = f"case when isfinite({parsed}) and abs({parsed}) < {NUMBER_LIMIT:.0f} then {parsed} end"
    return value, f"({present} is not null and ({value}) is null)"


_TYPERS = {
    "string": (_string, WRONG_TYPE),
    "bool": (_bool, NOT_A_BOOLEAN),
    "int": (_number, NOT_A_NUMBER),
    "float": (_number, NOT_A_NUMBER),
}


def sql_repair(rule: OptionalRule, col: str, kind: str, text: str, number: str) -> tuple[str, str]:
    """(typed value, repair action) SQL of one optional field, as `polars_repair` computes it.
    `kind` is the `sql_sources.kind_of` source kind (s, i, f, b, n, x); `text` the stripped text
    when `s`, `number` the text parsed as a double the way Polars parses it."""
    if kind == "n":  # absent from the source
        return f"null::{_SQL_TYPES[rule.kind]}", "null::varchar"
    typer, bad_action = _TYPERS[rule.kind]
    value, bad = typer(col, kind, text, number)
    out = _sql_range(rule, value)
    rounded = "false"
    if rule.kind == "int":
        rounded = f"coalesce(({value}) <> floor({value}), false)"
        value = f"floor(({value}) + 0.5)::bigint"
    action = (
        f"case when {bad} then '{bad_action}' when {out} then '{rule.range_action}' "
        f"when {rounded} then '{ROUNDED}' end"
    )
    return f"case when not ({bad}) and not {out} then {value} end", action


def first_failing(checks: list[Check]) -> tuple[str, str]:
    """(field, reason) CASE expressions naming the first failing check of the table."""
    conditions = [f"coalesce({c.fails.sql()}, false)" for c in checks]
    field = " ".join(
        f"when {w} then {literal(c.field)}" for w, c in zip(conditions, checks, strict=True)
    )
    reason = " ".join(
        f"when {w} then {literal(c.reason)}" for w, c in zip(conditions, checks, strict=True)
    )
    return f"case {field} end", f"case {reason} end"
