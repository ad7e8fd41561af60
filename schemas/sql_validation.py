"""The pandera model of a table, compiled to one DuckDB aggregate over a query's rows.

Pulling a 10-million-row window into Polars to validate it costs more than building it (the
fetch of 72 exact-decimal columns dominates), so big windows are validated where they live.
The pandera model stays the one description: column names and order (strict, ordered), DuckDB
types equal to the model's dtypes, nullability, uniqueness, every built-in column check, and
the model's dataframe checks through their SQL twins (`SQL_CHECKS` in the schema module, one
predicate per check, tested to agree with the Polars check). A check this module cannot
compile raises `ValueError`: nothing is skipped silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

import duckdb
import pandera.polars as pa
import polars as pl

_SIMPLE_TYPES: dict[type[pl.DataType], str] = {
    pl.String: "VARCHAR",
    pl.Int64: "BIGINT",
    pl.Int32: "INTEGER",
    pl.Float64: "DOUBLE",
    pl.Boolean: "BOOLEAN",
    pl.Date: "DATE",
}


def duckdb_type(dtype: pl.DataType) -> str:
    """The DuckDB type that reads back into Polars as `dtype`."""
    if isinstance(dtype, pl.Decimal):
        return f"DECIMAL({dtype.precision},{dtype.scale})"
    if isinstance(dtype, pl.Datetime):
        if dtype.time_unit != "us":
            raise ValueError(f"no DuckDB type for {dtype}")
        return "TIMESTAMP WITH TIME ZONE" if dtype.time_zone else "TIMESTAMP"
    for polars_type, name in _SIMPLE_TYPES.items():
        if dtype == polars_type:
            return name
    raise ValueError(f"no DuckDB type for {dtype}")


def _literal(value: object) -> str:
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | Decimal):
        return str(value)
    raise ValueError(f"cannot write {value!r} as SQL")


# pandera check name -> (SQL operator, statistic holding the bound)
_COMPARISONS = {
    "greater_than_or_equal_to": (">=", "min_value"),
    "greater_than": (">", "min_value"),
    "less_than_or_equal_to": ("<=", "max_value"),
    "less_than": ("<", "max_value"),
    "equal_to": ("=", "value"),
}


def _check_predicate(column: str, check: pa.Check) -> str:
    """SQL that is true when a non-null value passes the built-in check."""
    c = f'"{column}"'
    s = check.statistics
    name = check.name
    if name in _COMPARISONS:
        operator, key = _COMPARISONS[name]
        return f"{c} {operator} {_literal(s[key])}"
    if name == "isin":
        return f"{c} in ({', '.join(_literal(v) for v in s['allowed_values'])})"
    if name == "str_matches":  # as pandera: a match at the start ("^" added if missing)
        pattern = s["pattern"]
        pattern = pattern.pattern if isinstance(pattern, re.Pattern) else pattern
        if not pattern.startswith("^"):
            pattern = "^" + pattern
        return f"regexp_matches({c}, {_literal(pattern)})"
    if name == "str_length":
        if s.get("exact_value") is not None:
            return f"length({c}) = {int(s['exact_value'])}"
        parts = []
        if s.get("min_value") is not None:
            parts.append(f"length({c}) >= {int(s['min_value'])}")
        if s.get("max_value") is not None:
            parts.append(f"length({c}) <= {int(s['max_value'])}")
        return " and ".join(parts) or "true"
    raise ValueError(f"column {column}: no SQL for pandera check {name!r} {s}")


def compilable(model: type[pa.DataFrameModel], sql_checks: dict[str, str]) -> bool:
    """Whether `compile_model` can express every rule of the model (every dtype and column
    check known, every dataframe check with an SQL twin)."""
    try:
        compile_model(model, sql_checks)
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class CompiledSchema:
    """Expected columns and types, and one (label, SQL counting failures) per rule."""

    columns: list[tuple[str, str]]
    failure_counts: list[tuple[str, str]]
    strict: bool
    ordered: bool


def compile_model(model: type[pa.DataFrameModel], sql_checks: dict[str, str]) -> CompiledSchema:
    """The model's rules as SQL. `sql_checks` maps each dataframe check's name to a predicate
    that is true for a passing row."""
    schema = model.to_schema()
    columns: list[tuple[str, str]] = []
    counts: list[tuple[str, str]] = []
    for name, column in schema.columns.items():
        columns.append((name, duckdb_type(column.dtype.type)))
        quoted = f'"{name}"'
        is_float = column.dtype.type in (pl.Float32, pl.Float64)  # class or instance
        # pandera counts NaN as null in float columns
        missing = f"({quoted} is null or isnan({quoted}))" if is_float else f"{quoted} is null"
        if not column.nullable:
            counts.append((f"{name}: null values", f"count(*) filter (where {missing})"))
        if column.unique:
            # Polars' is_duplicated counts repeated NULLs as duplicates too.
            counts.append(
                (
                    f"{name}: duplicated values",
                    f"count({quoted}) - count(distinct {quoted}) "
                    f"+ greatest(count(*) - count({quoted}) - 1, 0)",
                )
            )
        for check in column.checks:
            if check.raise_warning or check.groupby is not None:
                raise ValueError(f"column {name}: no SQL for a warning or grouped check")
            predicate = _check_predicate(name, check)
            # ignore_na (pandera's default): nulls pass; otherwise a null fails the check.
            failing = (
                f"{quoted} is not null and not ({predicate})"
                if check.ignore_na
                else f"not coalesce(({predicate}), false)"
            )
            counts.append(
                (f"{name}: {check.name} {check.statistics}", f"count(*) filter (where {failing})")
            )
    if schema.unique:
        keys = ", ".join(f'"{k}"' for k in schema.unique)
        counts.append(  # row(): a key with NULL fields is still a value, as in Polars
            (
                f"rows not unique on ({', '.join(schema.unique)})",
                f"count(*) - count(distinct row({keys}))",
            )
        )
    for check in schema.checks:
        if check.name not in sql_checks:
            raise ValueError(f"{model.__name__}.{check.name} has no SQL twin in SQL_CHECKS")
        predicate = sql_checks[check.name]
        counts.append((check.name, f"count(*) filter (where not coalesce(({predicate}), false))"))
    config = schema
    return CompiledSchema(columns, counts, bool(config.strict), bool(config.ordered))


def validate_relation(
    con: duckdb.DuckDBPyConnection,
    compiled: CompiledSchema,
    query: str,
    params: dict[str, object] | None = None,
) -> tuple[str | None, int]:
    """(None or a summary of every failing rule, rows checked) for the rows `query` returns,
    in one scan."""
    described = con.execute(f"describe select * from ({query})", params or {}).fetchall()
    actual = [(row[0], str(row[1]).upper()) for row in described]
    problems = _column_problems(compiled, actual)
    aggregates = ", ".join(["count(*)", *(sql for _, sql in compiled.failure_counts)])
    row = con.execute(f"select {aggregates} from ({query})", params or {}).fetchall()[0]
    rows, failures = int(row[0]), row[1:]
    for (label, _), failed in zip(compiled.failure_counts, failures, strict=True):
        if failed:
            problems.append(f"{label}: {int(failed):,} rows")
    return ("; ".join(problems)[:4000] or None), rows


def _column_problems(compiled: CompiledSchema, actual: list[tuple[str, str]]) -> list[str]:
    expected = dict(compiled.columns)
    found = dict(actual)
    problems = [f"column {c} is missing" for c in expected if c not in found]
    if compiled.strict:
        problems += [f"column {c} is not in the model" for c in found if c not in expected]
    problems += [
        f"column {c} is {found[c]}, the model says {t}"
        for c, t in expected.items()
        if c in found and found[c] != t
    ]
    in_order = [c for c, _ in actual] == [c for c, _ in compiled.columns]
    if compiled.ordered and not problems and not in_order:
        problems.append("columns are not in the model's order")
    return problems
