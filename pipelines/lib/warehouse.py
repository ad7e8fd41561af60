"""DuckDB warehouse access and the SQL-model runner.

Every file in `sql/<layer>/<name>.sql` is one model: a single SELECT whose header comment names its
grain and how it is materialised. The runner turns it into the table `<name>`:

    -- grain: one row per request
    -- materialization: partitioned(request_date)   | table | view

A partitioned model is replaced window by window (delete the window, insert it again), so
re-running a day never duplicates it. Models read the window from the named parameters
`$start_date` (inclusive) and `$end_date` (exclusive).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

SQL_ROOT = Path(__file__).resolve().parents[2] / "sql"
LAYERS = ("staging", "intermediate", "marts")
_MATERIALIZATION = re.compile(r"^--\s*materialization:\s*(\w+)(?:\((\w+)\))?", re.M)
_GRAIN = re.compile(r"^--\s*grain:\s*(.+)$", re.M)
_PARAM = re.compile(r"\$(\w+)")
_REFERENCE = re.compile(r"\b(?:from|join)\s+([a-z_][a-z0-9_]*)", re.I)
# Each write connection's memory limit unless the caller sets one (the resource's setting).
DEFAULT_MEMORY_LIMIT = "3GB"


@dataclass(frozen=True)
class SqlModel:
    """One SQL model file."""

    name: str
    layer: str
    path: Path
    sql: str
    grain: str
    materialization: str
    partition_column: str | None

    @property
    def references(self) -> set[str]:
        """Names this model selects from (tables, views or CTEs)."""
        return {m.lower() for m in _REFERENCE.findall(self.sql)}

    @property
    def description(self) -> str:
        """First header line, without the leading `-- name:`."""
        first = self.sql.splitlines()[0].lstrip("- ").strip()
        return first.split(":", 1)[1].strip() if first.startswith(f"{self.name}:") else first


def load_model(path: Path) -> SqlModel:
    """Parse one model file and its header."""
    sql = path.read_text(encoding="utf-8")
    mat = _MATERIALIZATION.search(sql)
    grain = _GRAIN.search(sql)
    if not mat or not grain:
        raise ValueError(f"{path}: header must declare '-- grain:' and '-- materialization:'")
    kind, column = mat.group(1), mat.group(2)
    if kind not in ("partitioned", "table", "view"):
        raise ValueError(f"{path}: unknown materialization {kind!r}")
    if kind == "partitioned" and not column:
        raise ValueError(f"{path}: partitioned models name their date column")
    return SqlModel(
        name=path.stem,
        layer=path.parent.name,
        path=path,
        sql=sql,
        grain=grain.group(1).strip(),
        materialization=kind,
        partition_column=column,
    )


def discover_models(root: Path = SQL_ROOT) -> dict[str, SqlModel]:
    """All models under `sql/`, keyed by name; names are unique across layers."""
    models: dict[str, SqlModel] = {}
    for layer in LAYERS:
        for path in sorted((root / layer).glob("*.sql")):
            model = load_model(path)
            if model.name in models:
                raise ValueError(f"duplicate model name {model.name}")
            models[model.name] = model
    return models


def model_dependencies(model: SqlModel, models: dict[str, SqlModel]) -> list[str]:
    """Other models this one reads."""
    return sorted(r for r in model.references if r in models and r != model.name)


def _params(sql: str, values: dict[str, object]) -> dict[str, object]:
    code = "\n".join(line.split("--", 1)[0] for line in sql.splitlines())
    wanted = set(_PARAM.findall(code))
    missing = wanted - values.keys()
    if missing:
        raise KeyError(f"SQL needs parameters {sorted(missing)}")
    return {k: values[k] for k in wanted}


def scalar(con: duckdb.DuckDBPyConnection, query: str, params: object = None) -> Any:
    """The first value of the first row (the result is read to the end, so the connection is free
    for the next query: DuckDB 2 refuses new work while an execute() result is unfinished)."""
    rows = con.execute(query, params).fetchall()
    return rows[0][0] if rows else None


def frame(con: duckdb.DuckDBPyConnection, query: str, params: object = None) -> pl.DataFrame:
    """A query's result as a polars DataFrame (decimals stay decimals)."""
    con.complete()
    return con.sql(query, params=params).pl()


def replace_table(con: duckdb.DuckDBPyConnection, name: str, frame: pl.DataFrame) -> None:
    """Replace table `name` with the frame's rows (types kept: decimals stay decimals)."""
    con.register("incoming_table_rows", frame.to_arrow())
    try:
        con.execute(f"create or replace table {name} as select * from incoming_table_rows")
    finally:
        con.unregister("incoming_table_rows")


def table_exists(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    """Whether a table or view of that name exists in the main schema."""
    return bool(
        scalar(con, "select count(*) from information_schema.tables where table_name = ?", [name])
    )


class WarehouseSchemaError(RuntimeError):
    """A partitioned table kept from an older costline has other columns than its model."""


def _check_same_columns(
    con: duckdb.DuckDBPyConnection, name: str, body: str, params: dict[str, object]
) -> None:
    """Refuse to append days with a new column set to a table holding older days: the history
    would mix two schemas (and the published Parquet with it)."""
    wanted = [r[0] for r in con.execute(f"describe select * from ({body})", params).fetchall()]
    have = [r[0] for r in con.execute(f"describe {name}").fetchall()]
    if sorted(wanted) == sorted(have):
        return
    missing = sorted(set(wanted) - set(have))
    extra = sorted(set(have) - set(wanted))
    raise WarehouseSchemaError(
        f"table {name} in the work warehouse was built by another costline version "
        f"(columns it lacks: {', '.join(missing) or 'none'}; columns it no longer has: "
        f"{', '.join(extra) or 'none'}). Rebuild the history into a new output folder: "
        "costline run --from <first day> --to <last day> --output <new folder>."
    )


def run_model(
    con: duckdb.DuckDBPyConnection,
    model: SqlModel,
    start_date: date | None = None,
    end_date: date | None = None,
    extra_params: dict[str, object] | None = None,
) -> int:
    """Materialise one model; returns the row count written (whole table for `table`)."""
    values: dict[str, object] = {"start_date": start_date, "end_date": end_date}
    values.update(extra_params or {})
    body = model.sql.rstrip().rstrip(";")
    params = _params(body, values)
    name = model.name
    if model.materialization == "view":
        if params:
            raise ValueError(f"{model.path}: a view cannot take parameters")
        con.execute(f"create or replace view {name} as {body}")
        return 0
    if model.materialization == "table":
        con.execute(f"create or replace table {name} as {body}", params)
        return int(scalar(con, f"select count(*) from {name}"))
    if start_date is None or end_date is None:
        raise ValueError(f"{name} is partitioned: give start_date and end_date")
    column = model.partition_column
    con.execute("begin transaction")
    try:
        if not table_exists(con, name):
            con.execute(f"create table {name} as select * from ({body}) limit 0", params)
        else:
            _check_same_columns(con, name, body, params)
        con.execute(
            f"delete from {name} where {column} >= $start_date and {column} < $end_date",
            {"start_date": start_date, "end_date": end_date},
        )
        con.execute(f"insert into {name} by name {body}", params)
        rows = scalar(
            con,
            f"select count(*) from {name} where {column} >= $start_date and {column} < $end_date",
            {"start_date": start_date, "end_date": end_date},
        )
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return int(rows)


@contextmanager
def connect(
    path: Path, read_only: bool = False, memory_limit: str = DEFAULT_MEMORY_LIMIT
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the warehouse file (created on first write); a write connection spills to disk past
    `memory_limit` (a DuckDB size such as `3GB`)."""
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path), read_only=read_only)
    if not read_only:
        # Bounded memory: spill to disk past the limit instead of taking 80% of the machine. Set
        # per connection (not as open-time config, which must match every other connection to
        # the same file in this process).
        con.execute("set memory_limit = ?", [memory_limit])
        con.execute("set temp_directory = ?", [str(path.parent / ".duckdb_tmp")])
    try:
        yield con
    finally:
        con.close()
