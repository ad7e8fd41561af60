"""Every failure a user can cause prints one clear line saying what to do (no traceback)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.test_operations.conftest import ROOT, cli_env, costline_cmd, run_cli

DAY = "2026-09-03"


def _run(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        costline_cmd("run", *args),
        cwd=ROOT,
        env=cli_env(**env),
        capture_output=True,
        text=True,
        timeout=600,
    )


def _one_clear_line(result: subprocess.CompletedProcess, code: int, *needles: str) -> str:
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr
    errors = [
        line
        for line in result.stderr.splitlines()
        if line.startswith("costline: ") and " -> " not in line
    ]
    assert errors, result.stderr
    text = "\n".join(errors)
    for needle in needles:
        assert needle in text, text
    return text


def test_missing_input_folder(tmp_path):
    result = _run("--input", str(tmp_path / "nope"), "--output", str(tmp_path / "out"))
    _one_clear_line(result, 2, "input folder", "not found", "--input")


def test_input_without_requests_folder(tmp_path):
    (tmp_path / "in").mkdir()
    result = _run("--input", str(tmp_path / "in"), "--output", str(tmp_path / "out"))
    _one_clear_line(result, 2, "no requests/ folder", "--input")


@pytest.mark.parametrize("name", ["tenants.csv", "prices.csv"])
def test_missing_catalog_file(small_input, tmp_path, name):
    (small_input / "catalog" / name).unlink()
    result = _run(
        "--input", str(small_input), "--output", str(tmp_path / "out"), "--from", DAY, "--to", DAY
    )
    _one_clear_line(result, 2, f"catalog/{name} is missing", "Add it")


def test_bad_prices_line(small_input, tmp_path):
    prices = small_input / "catalog" / "prices.csv"
    lines = prices.read_text(encoding="utf-8").splitlines()
    fields = lines[2].split(",")
    fields[4] = "1x5"  # unit_price
    lines[2] = ",".join(fields)
    prices.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run_cli(small_input, tmp_path / "out", DAY, DAY)
    text = _one_clear_line(
        result,
        1,
        "prices.csv: line 3, unit_price",
        "fix it and run again",
        "last published outputs are unchanged",
    )
    assert "Error occurred while executing" not in result.stderr
    assert text.count("\n") <= 2


def test_to_before_from(tmp_path):
    result = _run("--output", str(tmp_path / "out"), "--from", "2026-09-04", "--to", "2026-09-03")
    _one_clear_line(result, 2, "--to 2026-09-03 is before --from 2026-09-04", "--from <= --to")


def test_output_not_writable(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = _run("--output", str(blocker / "out"), "--from", DAY, "--to", DAY)
    _one_clear_line(result, 2, "cannot write to the output folder", "writable --output")


def test_day_before_the_partitions_start(tmp_path):
    result = _run(
        "--output",
        str(tmp_path / "out"),
        "--from",
        "2024-12-30",
        "--to",
        "2025-01-02",
        COSTLINE_PARTITIONS_START="2025-01-01",
    )
    _one_clear_line(
        result, 2, "before the first partition 2025-01-01", "COSTLINE_PARTITIONS_START=2024-12-30"
    )


def _hold_write_lock(db: Path) -> subprocess.Popen:
    db.parent.mkdir(parents=True, exist_ok=True)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time\n"
            f"con = duckdb.connect({str(db)!r})\n"
            "print('ready', flush=True)\n"
            "time.sleep(120)\n",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "ready"
    return holder


def test_warehouse_locked_by_another_writer(tmp_path):
    out = tmp_path / "out"
    holder = _hold_write_lock(out / ".work" / "warehouse.duckdb")
    try:
        result = _run("--output", str(out), "--from", DAY, "--to", DAY)
    finally:
        holder.kill()
        holder.wait()
    _one_clear_line(result, 2, "is locked by process", str(holder.pid), "then run again")


def test_another_run_in_progress(tmp_path):
    out = tmp_path / "out"
    (out / ".work").mkdir(parents=True)
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    try:
        (out / ".work" / "run-in-progress.json").write_text(
            json.dumps(
                {
                    "run_id": "other",
                    "pid": sleeper.pid,
                    "host": os.uname().nodename,
                    "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ"),
                }
            )
        )
        result = _run("--output", str(out), "--from", DAY, "--to", DAY)
    finally:
        sleeper.kill()
        sleeper.wait()
    _one_clear_line(
        result, 2, f"another run (pid {sleeper.pid}, started", f"is writing {out}", "wait for it"
    )
