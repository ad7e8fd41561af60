from datetime import date, datetime

import polars as pl
import pytest

from pipelines.lib import warehouse
from pipelines.lib.requests import oracle_load
from schemas.requests.canonical_request import CANONICAL_COLUMNS, QUARANTINE_COLUMNS


def _requests(rows):
    base = {c: None for c in CANONICAL_COLUMNS}
    records = []
    for i, (rid, day) in enumerate(rows, start=1):
        r = dict(base)
        r.update(
            request_id=rid,
            timestamp_utc=datetime(day.year, day.month, day.day, 12),
            request_date=day,
            tenant_id="t1",
            feature="f",
            environment="prod",
            provider="openai",
            model="gpt-4.1-mini",
            service_tier="standard",
            input_tokens=10,
            cache_read_tokens=0,
            cache_write_tokens=0,
            cache_write_1h_tokens=0,
            output_tokens=5,
            reasoning_tokens=0,
            input_uncached_tokens=10,
            cache_write_5m_tokens=0,
            cache_status="miss",
            status="success",
            source_format="native-jsonl",
            source_file=f"{day}.jsonl",
            source_line=i,
        )
        records.append(r)
    return pl.DataFrame(records, schema=CANONICAL_COLUMNS)


def _quarantine(rows):
    return pl.DataFrame(
        [
            dict(
                source_file=f,
                source_line=n,
                request_id=None,
                request_date=d,
                field="x",
                reason="bad",
            )
            for f, n, d in rows
        ],
        schema=QUARANTINE_COLUMNS,
    )


D1, D2 = date(2026, 9, 1), date(2026, 9, 2)


def _load(con, reqs, quar, outside=0, start=D1, end=D2):
    files = [{"path": p} for p in sorted(set(reqs["source_file"]) | set(quar["source_file"]))]
    return oracle_load.load_window(
        con, reqs, quar, len(reqs) + len(quar) + outside, outside, files, start, end
    )


def test_rerunning_a_window_replaces_it(tmp_path):
    with warehouse.connect(tmp_path / "w.duckdb") as con:
        reqs = _requests([("a", D1), ("b", D1)])
        quar = _quarantine([("2026-09-01.jsonl", 9, D1)])
        first = _load(con, reqs, quar)
        second = _load(con, reqs, quar)
        assert first == second
        assert con.execute("select count(*) from stg_requests").fetchone()[0] == 2
        assert con.execute("select count(*) from quarantine_requests").fetchone()[0] == 1
        assert con.execute("select count(*) from ingest_audit").fetchone()[0] == 2


def test_an_id_already_loaded_for_another_day_is_quarantined_once(tmp_path):
    with warehouse.connect(tmp_path / "w.duckdb") as con:
        _load(con, _requests([("a", D1)]), _quarantine([]))
        stats = _load(
            con, _requests([("a", D2), ("c", D2)]), _quarantine([]), start=D2, end=date(2026, 9, 3)
        )
        assert (stats.rows_loaded, stats.rows_quarantined) == (1, 1)
        reason = con.execute("select reason from quarantine_requests").fetchone()[0]
        assert reason.startswith("duplicate request_id (already loaded from 2026-09-01.jsonl:1")
        assert con.execute("select count(*) from stg_requests").fetchone()[0] == 2


def test_broken_accounting_is_refused_and_nothing_is_written(tmp_path):
    with warehouse.connect(tmp_path / "w.duckdb") as con:
        reqs = _requests([("a", D1)])
        with pytest.raises(RuntimeError, match="row accounting broken"):
            oracle_load.load_window(con, reqs, _quarantine([]), 5, 0, [{"path": "x"}], D1, D2)
        assert con.execute("select count(*) from stg_requests").fetchone()[0] == 0
