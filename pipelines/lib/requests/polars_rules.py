"""The rule table (`rules.py`) compiled to Polars expressions, for `normalise`."""

from __future__ import annotations

import polars as pl

from pipelines.lib.requests.result import ERR_FIELD, ERR_REASON
from pipelines.lib.requests.rule_expr import Check
from pipelines.lib.requests.rules import NUMBER_LIMIT, OptionalRule
from schemas.requests.native_request import NOT_A_BOOLEAN, NOT_A_NUMBER, ROUNDED, WRONG_TYPE


def _range(rule: OptionalRule, value: pl.Expr) -> pl.Expr:
    bad = pl.lit(False)
    if rule.allowed:
        bad = ~value.is_in(list(rule.allowed))
    if rule.minimum is not None:
        bad = bad | (value < rule.minimum)
    if rule.maximum is not None:
        bad = bad | (value > rule.maximum)
    return value.is_not_null() & bad


def _string(col: pl.Expr, dtype: pl.DataType, text: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """(value, wrong) of a text field."""
    if dtype == pl.String:
        return text, pl.lit(False)
    if dtype.is_numeric() or dtype == pl.Boolean:
        return col.cast(pl.String), pl.lit(False)
    return pl.lit(None, pl.String), col.is_not_null()


def _bool(col: pl.Expr, dtype: pl.DataType, text: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """(value, not a boolean) of a boolean field."""
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
    return value, present.is_not_null() & value.is_null()


def _number(col: pl.Expr, dtype: pl.DataType, text: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """(value, not a number) of a numeric field, as a double."""
    if dtype == pl.String:
        number, present = text.cast(pl.Float64, strict=False), text
    elif dtype.is_numeric():
        number, present = col.cast(pl.Float64), col
    else:
        number, present = pl.lit(None, pl.Float64), col
    finite = number.is_finite() & (number.abs() < NUMBER_LIMIT)
    value = pl.when(finite).then(number)
    return value, present.is_not_null() & value.is_null()


_TYPERS = {
    "string": (_string, WRONG_TYPE),
    "bool": (_bool, NOT_A_BOOLEAN),
    "int": (_number, NOT_A_NUMBER),
    "float": (_number, NOT_A_NUMBER),
}


def polars_repair(
    rule: OptionalRule, col: pl.Expr, dtype: pl.DataType, text: pl.Expr
) -> tuple[pl.Expr, pl.Expr]:
    """(typed value, repair action) of one optional field read from `col` of `dtype`; `text` is
    the stripped text ('' as NULL) when `dtype` is String."""
    typer, bad_action = _TYPERS[rule.kind]
    value, bad = typer(col, dtype, text)
    out_of_range = _range(rule, value)  # before rounding: -0.4 ms is negative, not 0
    rounded = pl.lit(False)
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


def first_failing(checks: list[Check]) -> list[pl.Expr]:
    """`first_error` of the rule table's checks."""
    return first_error([(c.fails.polars(), c.field, c.reason) for c in checks])
