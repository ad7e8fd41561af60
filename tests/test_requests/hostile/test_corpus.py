"""The hostile-input corpus, end to end through the real Dagster asset into a DuckDB file.

Every case of `cases.toml` must end as the quarantine row it names (file, line, field, reason),
as a loaded request, or outside the window; totals add up; a second run changes nothing; tenant
ids holding path characters or SQL are stored as plain data.
"""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from pipelines.defs.requests.assets import dim_tenants, stg_requests
from pipelines.defs.resources import CostlineResource
from pipelines.lib import warehouse

HERE = Path(__file__).parent
CASES = tomllib.loads((HERE / "cases.toml").read_text())
PARTITION = "2025-06-01"
EVIL_TENANTS = {
    "evil-1": "../../etc/passwd",
    "evil-2": "acme'; drop table stg_requests; --",
    "evil-3": "o\"brien\\x'); delete from quarantine_requests; --",
    "evil-4": "tenant/../../../windows\\system32",
}


def _materialize(resource: CostlineResource) -> dg.ExecuteInProcessResult:
    result = dg.materialize(
        [stg_requests, dim_tenants],
        resources={"costline": resource},
        partition_key=PARTITION,
        raise_on_error=True,
    )
    assert result.success
    checks = result.get_asset_check_evaluations()
    assert checks and all(c.passed for c in checks), [c.metadata for c in checks]
    return result


def _tables(path: Path) -> tuple[list[tuple], list[tuple], list[tuple]]:
    with warehouse.connect(path, read_only=True) as con:
        stg = con.execute("select * from stg_requests order by source_file, source_line").fetchall()
        quarantine = con.execute(
            "select * from quarantine_requests order by source_file, source_line"
        ).fetchall()
        audit = con.execute(
            "select rows_read, rows_loaded, rows_quarantined, rows_outside_window "
            "from ingest_audit order by loaded_at"
        ).fetchall()
    return stg, quarantine, audit


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    shutil.copytree(HERE / "corpus", root / "input")
    # The corpus is deliberately mostly bad: here every record may be quarantined (the default
    # 1% threshold stopping a run is tested in tests/test_requests/test_quarantine_threshold.py).
    resource = CostlineResource(
        input_dir=str(root / "input"), output_dir=str(root / "output"), max_quarantine_share="1"
    )
    first = _materialize(resource)
    after_first = _tables(resource.work_db_path)
    second = _materialize(resource)
    after_second = _tables(resource.work_db_path)
    return resource, (first, after_first), (second, after_second)


def _meta(result: dg.ExecuteInProcessResult) -> dict[str, int]:
    mat = result.asset_materializations_for_node("stg_requests")[0]
    keys = ("rows_read", "rows_loaded", "rows_quarantined", "rows_outside_window", "rows_skipped")
    return {k: mat.metadata[k].value for k in keys}


def test_every_quarantine_case_has_its_row_and_reason(runs):
    _, (_, (_, quarantine, _)), _ = runs
    got = {(q[0].removeprefix("requests/"), q[1]): q for q in quarantine}
    for case in CASES["quarantined"]:
        row = got.pop((case["file"], case["line"]), None)
        assert row is not None, case
        assert row[4] == case["field"], case
        assert case["reason"] in row[5], (case, row[5])
        if case["line"] == 0:
            assert row[2] is None and row[3] is None  # a whole file: no id, no date
    assert not got, f"quarantine rows no case expects: {sorted(got)}"


def test_every_repaired_case_has_its_repair_row(runs):
    resource, (first, _), _ = runs
    with warehouse.connect(resource.work_db_path, read_only=True) as con:
        rows = con.execute(
            "select source_file, source_line, field, action from ingest_field_repairs"
        ).fetchall()
    got = sorted((f.removeprefix("requests/"), line, field, a) for f, line, field, a in rows)
    expected = sorted((c["file"], c["line"], c["field"], c["action"]) for c in CASES["repaired"])
    assert got == expected
    mat = first.asset_materializations_for_node("stg_requests")[0]
    assert mat.metadata["fields_repaired"].value == len(expected)


def test_every_skipped_case_is_skipped_not_quarantined(runs):
    resource, _, _ = runs
    with warehouse.connect(resource.work_db_path, read_only=True) as con:
        rows = con.execute(
            "select source_file, source_line, reason from ingest_skipped_records"
        ).fetchall()
    got = {(f.removeprefix("requests/"), line): reason for f, line, reason in rows}
    assert set(got) == {(c["file"], c["line"]) for c in CASES["skipped"]}
    for case in CASES["skipped"]:
        assert case["reason"] in got[(case["file"], case["line"])], case


def test_unknown_fields_are_reported_with_did_you_mean(runs):
    resource, (first, _), _ = runs
    mat = first.asset_materializations_for_node("stg_requests")[0]
    assert (
        "requests/21_unknown_fields.jsonl: unknown field cache_reads_tokens (did you mean "
        "cache_read_tokens?) in 1 records from line 1: records quarantined"
    ) in mat.metadata["unknown_fields"].value
    with warehouse.connect(resource.work_db_path, read_only=True) as con:
        rows = con.execute(
            "select * from ingest_unknown_fields order by source_file, first_line"
        ).fetchall()
    assert rows == [
        ("requests/21_unknown_fields.jsonl", "cache_reads_tokens", 1, 1, "cache_read_tokens", True),
        ("requests/21_unknown_fields.jsonl", "costcentre", 1, 2, None, False),
    ]


def test_every_loaded_case_is_loaded_once(runs):
    _, (_, (stg, _, _)), _ = runs
    loaded = {(r[-2].removeprefix("requests/"), r[-1]): r[0] for r in stg}
    expected = {(c["file"], c["line"]): c["request_id"] for c in CASES["loaded"]}
    assert loaded == expected
    assert len({r[0] for r in stg}) == len(stg)


def test_totals_add_up(runs):
    _, (first, (stg, quarantine, audit)), _ = runs
    meta = _meta(first)
    kinds = ("quarantined", "loaded", "outside", "skipped")
    assert meta == {
        "rows_read": sum(len(CASES[k]) for k in kinds),
        "rows_loaded": len(CASES["loaded"]),
        "rows_quarantined": len(CASES["quarantined"]),
        "rows_outside_window": len(CASES["outside"]),
        "rows_skipped": len(CASES["skipped"]),
    }
    assert (len(stg), len(quarantine)) == (meta["rows_loaded"], meta["rows_quarantined"])
    # ingest_audit keeps its four counts; rows read there include the skipped records.
    assert audit[-1] == tuple(meta.values())[:4]


def test_second_run_is_identical(runs):
    _, (first, after_first), (second, after_second) = runs
    assert _meta(first) == _meta(second)
    assert after_first[0] == after_second[0]
    assert after_first[1] == after_second[1]
    assert len(after_second[2]) == 2 and after_second[2][0] == after_second[2][1]


def test_path_and_sql_tenant_ids_are_data(runs):
    resource, _, _ = runs
    with warehouse.connect(resource.work_db_path, read_only=True) as con:
        tenants = dict(
            con.execute(
                "select request_id, tenant_id from stg_requests where request_id like 'evil-%'"
            ).fetchall()
        )
        tables = {r[0] for r in con.execute("select table_name from duckdb_tables()").fetchall()}
    assert tenants == EVIL_TENANTS
    assert {"stg_requests", "quarantine_requests", "dim_tenants"} <= tables
    # Nothing was written outside the output folder because of a tenant id.
    out = resource.output_path
    assert all(out in p.parents or p == out for p in out.rglob("*"))


def test_unknown_provider_is_accepted_for_pricing_later(runs):
    """design.md: an unknown provider is loaded; pricing marks it `unpriced` (costs NULL, never
    0) and `fct_unpriced_usage` reports it. Ingest must not drop it."""
    resource, _, _ = runs
    with warehouse.connect(resource.work_db_path, read_only=True) as con:
        row = con.execute(
            "select provider, input_tokens from stg_requests where request_id = 'prov-1'"
        ).fetchall()
    assert row == [("my-llm.co", 1000)]


def test_no_prompt_text_reaches_the_warehouse(runs):
    resource, _, _ = runs
    con = duckdb.connect(str(resource.work_db_path), read_only=True)
    try:
        for table in ("stg_requests", "quarantine_requests", "ingest_audit"):
            text = str(con.execute(f"select * from {table}").fetchall())
            assert "SECRET PROMPT TEXT" not in text, table
    finally:
        con.close()
