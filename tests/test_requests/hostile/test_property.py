"""Property: over generated mixes of good and bad records spread over files of every native
container, rows in = rows loaded + rows quarantined + rows outside the window, in the warehouse."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, date, datetime

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelines.lib import warehouse
from pipelines.lib.requests import oracle_load
from pipelines.lib.requests.discover import FORMATS
from pipelines.lib.requests.oracle import read_requests
from pipelines.lib.requests.sql import load_requests_sql

START, END = date(2025, 6, 1), date(2025, 6, 2)
NOW = datetime(2025, 6, 1, 12, tzinfo=UTC)
BASE = {
    "timestamp": "2025-06-01T08:00:00Z",
    "tenant_id": "acme",
    "feature": "f",
    "environment": "prod",
    "provider": "openai",
    "model": "gpt-4.1-mini",
    "input_tokens": 100,
    "output_tokens": 10,
}
_TOKEN = st.one_of(st.integers(-3, 300), st.just(10**8), st.sampled_from(["12", "x", ""]))

good_or_bad = st.fixed_dictionaries(
    {
        "request_id": st.sampled_from([f"r{i}" for i in range(12)] + ["", "../x", "a'; drop"]),
        "timestamp": st.sampled_from(
            [
                "2025-06-01T08:00:00Z",
                "2025-06-01T23:59:59-05:00",  # next UTC day: outside
                "2025-05-31T10:00:00+00:00",  # outside
                "2025-06-01T08:00:00",  # no offset
                "2031-01-01T00:00:00Z",  # future
                "nope",
            ]
        ),
        "tenant_id": st.sampled_from(["acme", "", "t'; delete from stg_requests; --", "../../x"]),
        "input_tokens": _TOKEN,
        "cache_read_tokens": _TOKEN,
        "output_tokens": _TOKEN,
        "environment": st.sampled_from(["prod", "dev", "prodd"]),
    }
).map(lambda d: {**BASE, **d})
line = st.one_of(
    good_or_bad,
    good_or_bad.map(lambda d: json.dumps(d)[: len(json.dumps(d)) // 2]),  # truncated
    st.just(""),  # blank: not a record
    st.just("[1]"),
)
files = st.lists(
    st.tuples(
        st.sampled_from(["jsonl", "jsonl.gz", "csv", "parquet"]), st.lists(line, max_size=12)
    ),
    min_size=1,
    max_size=4,
)


def _write(folder, i: int, ext: str, records: list) -> int:
    """Write one file; returns how many records it holds (what the reader must account for)."""
    path = folder / f"f{i}.{ext}"
    assert any(path.name.endswith(s) for s in FORMATS)
    if ext in ("csv", "parquet"):
        rows = [{k: str(v) for k, v in r.items()} for r in records if isinstance(r, dict)]
        frame = pl.DataFrame(rows, schema=dict.fromkeys(BASE | {"request_id": 0}, pl.String))
        if ext == "parquet":
            frame.write_parquet(path)
        elif rows:
            frame.write_csv(path)
        else:
            path.write_bytes(b"")
        return len(rows)
    body = "\n".join(r if isinstance(r, str) else json.dumps(r) for r in records) + "\n"
    data = body.encode()
    path.write_bytes(gzip.compress(data) if ext.endswith(".gz") else data)
    return sum(1 for r in records if not isinstance(r, str) or r.strip())


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(files)
def test_rows_in_equal_loaded_plus_quarantined_plus_outside(tmp_path_factory, spec):
    root = tmp_path_factory.mktemp("mix")
    folder = root / "requests"
    folder.mkdir()
    written = sum(_write(folder, i, ext, recs) for i, (ext, recs) in enumerate(spec))
    result = read_requests(root, START, END, now=NOW)
    unrecognised = [f for f in result.files if f.error == "unrecognised content"]
    assert not unrecognised or written == 0 or all(f.rows_read == 1 for f in unrecognised)
    if not unrecognised:
        assert result.rows_read == written
    with warehouse.connect(root / "w.duckdb") as con:
        files_meta = [{"path": f.path} for f in result.files]
        for _ in range(2):  # the second load of the same window changes nothing
            stats = oracle_load.load_window(
                con,
                result.requests,
                result.quarantine,
                result.rows_read,
                result.rows_outside_window,
                files_meta,
                START,
                END,
            )
            assert stats.rows_read == (
                stats.rows_loaded + stats.rows_quarantined + stats.rows_outside_window
            )
            assert warehouse.scalar(con, "select count(*) from stg_requests") == stats.rows_loaded
            assert (
                warehouse.scalar(con, "select count(*) from quarantine_requests")
                == stats.rows_quarantined
            )
        polars_tables = _tables(con)
    # The SQL loader (what the asset runs) gives the same tables, twice.
    with warehouse.connect(root / "sql.duckdb") as con:
        for _ in range(2):
            stats, _ = load_requests_sql(con, root, START, END, now=NOW)
            assert stats.rows_read == result.rows_read
            assert stats.rows_read == (
                stats.rows_loaded + stats.rows_quarantined + stats.rows_outside_window
            )
            assert _tables(con) == polars_tables


def _tables(con) -> tuple[list, list]:
    return (
        con.execute("select * from stg_requests order by all").fetchall(),
        con.execute("select * from quarantine_requests order by all").fetchall(),
    )
