"""Which pandera model describes which published table, and the uses of that description:
validation, `COMMENT ON` in the warehouse, and the data dictionary.

Each schema module names its table in `TABLE = "<name>"` and its model in `MODEL = <class>`.
Column descriptions come from `pa.Field(description=...)`, the table description from the class
docstring.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from functools import cache
from types import ModuleType

import duckdb
import pandera.errors
import pandera.polars as pa
import polars as pl

import schemas
from schemas import sql_validation


@cache
def _modules() -> dict[str, ModuleType]:
    found: dict[str, ModuleType] = {}
    for info in pkgutil.walk_packages(schemas.__path__, prefix="schemas."):
        module = importlib.import_module(info.name)
        table = getattr(module, "TABLE", None)
        if table:
            if table in found:
                raise ValueError(f"two schema modules claim table {table}")
            found[table] = module
    return found


def has_model(table: str) -> bool:
    """Whether the table has a pandera model."""
    return table in _modules()


def module_of(table: str) -> str:
    """The schema module's name, e.g. `cost_line`."""
    return _modules()[table].__name__.removeprefix("schemas.")


def model_for(table: str) -> type[pa.DataFrameModel]:
    """The pandera model of a published table."""
    return _modules()[table].MODEL


def tables() -> list[str]:
    """Every documented table."""
    return sorted(_modules())


def validate_frame(table: str, frame: pl.DataFrame) -> str | None:
    """None when the frame conforms; otherwise a readable summary of the failures."""
    return _pandera_failure(model_for(table), frame)


def _pandera_failure(model: type[pa.DataFrameModel], frame: pl.DataFrame) -> str | None:
    try:
        model.validate(frame, lazy=True)
    except pandera.errors.SchemaErrors as exc:
        return str(exc)[:4000]
    except pandera.errors.SchemaError as exc:
        return str(exc)[:4000]
    return None


# Windows at least this big are validated in DuckDB (schemas.sql_validation: every rule, every
# row, one scan) plus pandera on their first PANDERA_SLICE_ROWS rows; smaller ones by pandera.
SQL_VALIDATION_MIN_ROWS = 250_000
PANDERA_SLICE_ROWS = 100_000


def sql_checks_for(table: str) -> dict[str, str]:
    """The SQL twins of the table's dataframe checks."""
    return getattr(_modules()[table], "SQL_CHECKS", {})


def validate_query(
    con: duckdb.DuckDBPyConnection,
    table: str,
    query: str,
    params: dict[str, object] | None = None,
    batch_rows: int = 1_000_000,
) -> tuple[str | None, int]:
    """Validate every row a query returns against the table's model. Returns (first failure or
    None, rows checked). See `validate_model_query`."""
    return validate_model_query(
        con, model_for(table), sql_checks_for(table), query, params, batch_rows
    )


def validate_model_query(
    con: duckdb.DuckDBPyConnection,
    model: type[pa.DataFrameModel],
    sql_checks: dict[str, str],
    query: str,
    params: dict[str, object] | None = None,
    batch_rows: int = 1_000_000,
) -> tuple[str | None, int]:
    """Validate every row a query returns against `model`; memory stays bounded whatever the
    window's size. Under SQL_VALIDATION_MIN_ROWS rows: pandera, batch by batch (uniqueness
    within a batch; keys unique over a whole table have their own SQL check). From there on:
    the model compiled to SQL over every row (uniqueness over the whole window), then pandera on
    the first PANDERA_SLICE_ROWS rows, so the two can never drift apart unnoticed. A model the
    compiler cannot express (a dataframe check without an SQL twin, an unknown check or dtype)
    stays on pandera batches."""
    con.complete()
    total = int(con.execute(f"select count(*) from ({query})", params or {}).fetchall()[0][0])
    if total >= SQL_VALIDATION_MIN_ROWS and sql_validation.compilable(model, sql_checks):
        compiled = sql_validation.compile_model(model, sql_checks)
        failure, rows = sql_validation.validate_relation(con, compiled, query, params)
        if failure is None:
            sliced = f"select * from ({query}) limit {PANDERA_SLICE_ROWS}"
            failure = _pandera_failure(model, _frame(con, sliced, params))
        return failure, rows
    rows, failure = 0, None
    for batch in con.sql(query, params=params).to_arrow_reader(batch_rows):
        frame = pl.from_arrow(batch)
        rows += len(frame)
        if failure is None:
            failure = _pandera_failure(model, frame)
    return failure, rows


def _frame(
    con: duckdb.DuckDBPyConnection, query: str, params: dict[str, object] | None
) -> pl.DataFrame:
    con.complete()
    return con.sql(query, params=params).pl()


def column_docs(table: str) -> dict[str, str]:
    """Column name -> description from the pandera fields."""
    schema = model_for(table).to_schema()
    return {name: (col.description or "") for name, col in schema.columns.items()}


def table_doc(table: str) -> str:
    """The model's docstring, first paragraph, on one line."""
    doc = inspect.cleandoc(model_for(table).__doc__ or "")
    return " ".join(doc.split("\n\n")[0].split())


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def apply_comments(con: duckdb.DuckDBPyConnection, table: str) -> None:
    """COMMENT ON the table and each documented column that exists."""
    existing = {
        r[0]
        for r in con.execute(
            "select column_name from information_schema.columns where table_name = ?", [table]
        ).fetchall()
    }
    con.execute(f"comment on table {table} is {_quote(table_doc(table))}")
    for column, doc in column_docs(table).items():
        if doc and column in existing:
            con.execute(f'comment on column {table}."{column}" is {_quote(doc)}')


def undocumented_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Tables and views of the warehouse that have a model but lack a comment on the table or on
    one of the columns the model describes (e.g. just created or replaced)."""
    rows = con.execute(
        """select t.table_name, t.comment is null, c.column_name, c.comment is null
        from (select table_name, comment from duckdb_tables() where schema_name = 'main'
              union all
              select view_name, comment from duckdb_views()
              where schema_name = 'main' and not internal) t
        join duckdb_columns() c on c.table_name = t.table_name and c.schema_name = 'main'"""
    ).fetchall()
    missing = set()
    for table, table_blank, column, column_blank in rows:
        if not has_model(table):
            continue
        if table_blank or (column_blank and column_docs(table).get(column)):
            missing.add(table)
    return sorted(missing)


def apply_missing_comments(con: duckdb.DuckDBPyConnection) -> list[str]:
    """COMMENT ON every table (and its columns) from `undocumented_tables`; returns their names."""
    tables = undocumented_tables(con)
    for table in tables:
        apply_comments(con, table)
    return tables
