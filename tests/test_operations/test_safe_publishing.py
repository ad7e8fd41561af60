"""Safe publishing, done for real: readers hold the published warehouse during a run, and runs
are killed halfway."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

from tests.test_operations.conftest import (
    ROOT,
    add_late_logs,
    cli_env,
    costline_cmd,
    run_cli,
    sha256,
)

START, END = "2026-09-03", "2026-09-04"
CONSISTENT = """
    select (select coalesce(sum(contracted_cost), 0) from fct_cost_lines
              where price_status = 'priced')::varchar,
           (select coalesce(sum(ContractedCost), 0) from fct_focus_cost_and_usage)::varchar,
           (select count(*) from fct_cost_lines),
           (select list(table_name order by table_name) from information_schema.tables)
"""

READER = """
import json, sys, time
from pathlib import Path
import duckdb

db, log, stop, mode = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]), sys.argv[4]
query = sys.argv[5]
con = duckdb.connect(db, read_only=True) if mode == "hold" else None
with log.open("w") as out:
    while not stop.exists():
        try:
            c = con if mode == "hold" else duckdb.connect(db, read_only=True)
            lines, focus, rows, tables = c.execute(query).fetchall()[0]
            if mode != "hold":
                c.close()
            out.write(json.dumps({"lines": lines, "focus": focus, "rows": rows,
                                  "tables": tables}) + "\\n")
            out.flush()
        except Exception as exc:
            out.write(json.dumps({"error": f"{type(exc).__name__}: {exc}"}) + "\\n")
            sys.exit(1)
        time.sleep(0.02)
"""


def _snapshot(db: Path) -> dict:
    with duckdb.connect(str(db), read_only=True) as con:
        lines, focus, rows, tables = con.execute(CONSISTENT).fetchall()[0]
    return {"lines": lines, "focus": focus, "rows": rows, "tables": tables}


def _start_reader(tmp_path: Path, db: Path, mode: str) -> tuple[subprocess.Popen, Path]:
    log = tmp_path / f"reader-{mode}.jsonl"
    proc = subprocess.Popen(
        [sys.executable, "-c", READER, str(db), str(log), str(tmp_path / "stop"), mode, CONSISTENT],
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 30
    while (not log.exists() or not log.read_text()) and time.monotonic() < deadline:
        time.sleep(0.05)
    return proc, log


def test_readers_never_see_a_partial_warehouse(small_input, tmp_path):
    out = tmp_path / "out"
    db = out / "warehouse.duckdb"
    first = run_cli(small_input, out, START, END)
    assert first.returncode == 0, first.stderr
    old = _snapshot(db)
    assert old["lines"] == old["focus"] and old["rows"] > 0

    add_late_logs(small_input, START, 50)
    holder, hold_log = _start_reader(tmp_path, db, "hold")
    reopener, reopen_log = _start_reader(tmp_path, db, "reopen")
    second = run_cli(small_input, out, START, END)
    time.sleep(1.0)  # a few reads after the swap
    (tmp_path / "stop").touch()
    for proc in (holder, reopener):
        assert proc.wait(timeout=60) == 0, proc.stderr.read()
    assert second.returncode == 0, second.stderr

    new = _snapshot(db)  # a new connection sees the new warehouse
    assert new["rows"] == old["rows"] + 50
    assert new["lines"] == new["focus"] and new["lines"] != old["lines"]

    seen = {}
    for mode, log in (("hold", hold_log), ("reopen", reopen_log)):
        reads = [json.loads(line) for line in log.read_text().splitlines()]
        assert reads and not [r for r in reads if "error" in r], reads[-1]
        for r in reads:
            assert r["lines"] == r["focus"], r  # one consistent snapshot per query
            assert set(old["tables"]) <= set(r["tables"])  # the table set is complete
            assert (r["rows"], r["lines"]) in {
                (old["rows"], old["lines"]),
                (new["rows"], new["lines"]),
            }, r
        seen[mode] = {r["rows"] for r in reads}
    assert seen["hold"] == {old["rows"]}  # an open connection keeps its snapshot
    assert seen["reopen"] == {old["rows"], new["rows"]}  # reopening crosses the swap


def _exports(out: Path) -> dict[str, str]:
    return {
        p.relative_to(out).as_posix(): sha256(p)
        for p in sorted(out.rglob("*"))
        if p.is_file() and ".work" not in p.parts
    }


def _assert_exports_intact(out: Path) -> None:
    parquet = [p for p in out.rglob("*.parquet") if ".work" not in p.parts]
    assert parquet
    for path in parquet:
        pq.read_table(path)  # complete, readable files only
    manifests = list((out / "exports" / "chargeback").glob("*/manifest.json"))
    assert manifests
    for manifest in manifests:
        document = json.loads(manifest.read_text())
        for name, digest in document["files"].items():
            assert sha256(manifest.parent / name) == digest, name
    focus = json.loads((out / "focus.metadata.json").read_text())
    assert focus["Files"]
    pq.read_table(out / "cost_lines")
    assert pq.read_table(out / "focus", ignore_prefixes=[".", "_", "metadata"]).num_rows


def _restated_requests(db: Path) -> int:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(
            "select coalesce(sum(requests_change), 0) from fct_restatements"
        ).fetchall()[0][0]


def _kill_then_recover(small_input: Path, out: Path, crash) -> None:
    db = out / "warehouse.duckdb"
    first = run_cli(small_input, out, START, END)
    assert first.returncode == 0, first.stderr
    published = sha256(db)
    before = _snapshot(db)
    add_late_logs(small_input, START, 30)

    code = crash()
    assert code in (137, -signal.SIGKILL), code
    assert sha256(db) == published  # the last good warehouse, byte for byte
    assert (out / ".work" / "run-in-progress.json").exists()
    _assert_exports_intact(out)

    again = run_cli(small_input, out, START, END)
    assert again.returncode == 0, again.stderr
    assert "recovery: previous run" in again.stderr
    assert not (out / ".work" / "run-in-progress.json").exists()
    assert not [p for p in out.rglob("*") if ".staging-" in p.name or ".old-" in p.name]
    after = _snapshot(db)
    assert after["rows"] == before["rows"] + 30 and after["lines"] == after["focus"]
    # the dead run's half-built work was discarded, so the change is still seen and recorded once
    assert _restated_requests(db) == 30
    _assert_exports_intact(out)


def test_run_killed_after_an_export_leaves_the_last_good_outputs(small_input, tmp_path):
    out = tmp_path / "out"

    def crash() -> int:
        result = subprocess.run(
            [
                *(sys.executable, "-m", "tests.test_operations.crash_run", "focus_export", "run"),
                *("--input", str(small_input), "--output", str(out), "--from", START, "--to", END),
            ],
            cwd=ROOT,
            env=cli_env(),
            capture_output=True,
            text=True,
            timeout=600,
        )
        return result.returncode

    _kill_then_recover(small_input, out, crash)


def test_run_killed_by_sigkill_mid_pipeline_leaves_the_last_good_outputs(small_input, tmp_path):
    out = tmp_path / "out"

    def crash() -> int:
        proc = subprocess.Popen(
            costline_cmd(
                "run",
                "--input",
                str(small_input),
                "--output",
                str(out),
                "--from",
                START,
                "--to",
                END,
            ),
            cwd=ROOT,
            env=cli_env(),
            stderr=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            text=True,
        )
        for line in proc.stderr:
            if "building mart_" in line:  # mid-pipeline: cost lines exported, marts running
                proc.send_signal(signal.SIGKILL)
                break
        return proc.wait(timeout=120)

    _kill_then_recover(small_input, out, crash)
