"""Fixtures for pricing tests: a tiny stg_requests built from polars with the canonical columns."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from types import SimpleNamespace

import duckdb
import polars as pl
import pytest

from pipelines.lib import warehouse
from pipelines.lib.pricing import build_dim_prices
from schemas.requests.canonical_request import CANONICAL_COLUMNS

ROOT = Path(__file__).resolve().parents[2]
FCT_COST_LINES = ROOT / "sql" / "marts" / "fct_cost_lines.sql"
CONTRACT_HEADER = (
    "provider,model,token_kind,service_tier,unit_price,unit,currency,valid_from,valid_to"
)


def request(
    request_id: str,
    day: date,
    provider: str = "openai",
    model: str = "gpt-4.1-mini",
    *,
    input_tokens: int = 0,
    cache_read: int = 0,
    cache_write_5m: int = 0,
    cache_write_1h: int = 0,
    output_tokens: int = 0,
    service_tier: str = "standard",
    cache_status: str = "miss",
) -> dict[str, object]:
    """One canonical record; `input_tokens` is the total (cache reads and writes included)."""
    row: dict[str, object] = dict.fromkeys(CANONICAL_COLUMNS)
    cache_write = cache_write_5m + cache_write_1h
    row.update(
        request_id=request_id,
        timestamp_utc=datetime(day.year, day.month, day.day, 12),
        request_date=day,
        tenant_id="t1",
        feature="chat",
        environment="prod",
        provider=provider,
        model=model,
        service_tier=service_tier,
        input_tokens=input_tokens,
        cache_read_tokens=cache_read,
        cache_write_tokens=cache_write,
        cache_write_1h_tokens=cache_write_1h,
        output_tokens=output_tokens,
        reasoning_tokens=0,
        input_uncached_tokens=input_tokens - cache_read - cache_write,
        cache_write_5m_tokens=cache_write_5m,
        cache_status=cache_status,
        status="success",
        source_format="native-jsonl",
        source_file="requests/day.jsonl",
        source_line=1,
    )
    return row


def requests_frame(rows: list[dict[str, object]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=CANONICAL_COLUMNS)


def load_stg_requests(con: duckdb.DuckDBPyConnection, frame: pl.DataFrame) -> None:
    """Create (or replace) stg_requests from a canonical frame."""
    assert list(frame.columns) == list(CANONICAL_COLUMNS)
    con.register("stg_frame", frame.to_arrow())
    con.execute("create or replace table stg_requests as select * from stg_frame")
    con.unregister("stg_frame")


def write_contracts(path: Path, lines: list[str], header: str = CONTRACT_HEADER) -> Path:
    path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    return path


def price_lines(
    con: duckdb.DuckDBPyConnection,
    rows: list[dict[str, object]],
    start: date,
    end: date,
    contracts: Path | None = None,
) -> dict[str, dict[str, object]]:
    """Load rows, build dim_prices, run fct_cost_lines for [start, end); lines by request_id."""
    load_stg_requests(con, requests_frame(rows))
    build_dim_prices(con, contracts)
    warehouse.run_model(con, warehouse.load_model(FCT_COST_LINES), start, end)
    return fetch_lines(con)


def fetch_lines(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, object]]:
    cursor = con.execute("select * from fct_cost_lines order by request_id")
    names = [d[0] for d in cursor.description]
    return {row[0]: dict(zip(names, row, strict=True)) for row in cursor.fetchall()}


@pytest.fixture
def con():
    connection = duckdb.connect()
    yield connection
    connection.close()


@pytest.fixture
def helpers() -> SimpleNamespace:
    """The helpers above (tests import nothing from conftest under --import-mode=importlib)."""
    return SimpleNamespace(
        request=request,
        requests_frame=requests_frame,
        load_stg_requests=load_stg_requests,
        write_contracts=write_contracts,
        price_lines=price_lines,
        fetch_lines=fetch_lines,
        fct_cost_lines=FCT_COST_LINES,
    )
