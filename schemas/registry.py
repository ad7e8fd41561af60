"""Which pandera model describes which published table, and the uses of that description:
validation, `COMMENT ON` in the warehouse, and the data dictionary.

Each schema module names its table in `TABLE = "<name>"` and its model in `MODEL = <class>`.
Column descriptions come from `pa.Field(description=...)`, the table description from the class
docstring.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache
from types import ModuleType

import duckdb
import pandera.errors
import pandera.polars as pa
import polars as pl

import schemas


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
    try:
        model_for(table).validate(frame, lazy=True)
    except pandera.errors.SchemaErrors as exc:
        return str(exc)[:4000]
    except pandera.errors.SchemaError as exc:
        return str(exc)[:4000]
    return None


def validate_query(
    con: duckdb.DuckDBPyConnection,
    table: str,
    query: str,
    params: dict[str, object] | None = None,
    batch_rows: int = 1_000_000,
) -> tuple[str | None, int]:
    """Validate every row a query returns against the table's model, batch by batch, so memory
    stays bounded whatever the window's size. Returns (first failure or None, rows checked).
    Uniqueness is checked within a batch; keys that must be unique over a whole table have their
    own SQL check (e.g. one_line_per_request)."""
    con.complete()
    rows, failure = 0, None
    for batch in con.sql(query, params=params).to_arrow_reader(batch_rows):
        frame = pl.from_arrow(batch)
        rows += len(frame)
        if failure is None:
            failure = validate_frame(table, frame)
    return failure, rows


def column_docs(table: str) -> dict[str, str]:
    """Column name -> description from the pandera fields."""
    schema = model_for(table).to_schema()
    return {name: (col.description or "") for name, col in schema.columns.items()}


def table_doc(table: str) -> str:
    """The model's docstring, first paragraph."""
    doc = (model_for(table).__doc__ or "").strip()
    return doc.split("\n\n")[0].replace("\n", " ")


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
