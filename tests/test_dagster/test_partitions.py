"""Partitions start at a configured first day: COSTLINE_PARTITIONS_START, by default the day
before the input's earliest request."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import polars as pl

from pipelines.lib.requests.first_day import first_partition_day
from pipelines.settings import Settings
from tests.test_dagster.conftest import DAY, ROOT, SAMPLE, clean_env


def _earliest_local_day(path: Path) -> date:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return min(date.fromisoformat(json.loads(line)["timestamp"][:10]) for line in handle)


def test_default_is_the_day_before_the_earliest_request(one_day_input):
    earliest = _earliest_local_day(SAMPLE / "requests" / f"{DAY}.jsonl.gz")
    assert first_partition_day(one_day_input) == (earliest - timedelta(days=1)).isoformat()


def test_parquet_and_csv_logs_count(tmp_path):
    requests = tmp_path / "requests" / "region"
    requests.mkdir(parents=True)
    pl.DataFrame({"timestamp": ["2026-05-04T10:00:00+02:00", "2026-05-09T10:00:00Z"]}).write_csv(
        requests / "a.csv"
    )
    stamps = [datetime(2026, 4, 20, 8, tzinfo=UTC), datetime(2026, 6, 1, tzinfo=UTC)]
    pl.DataFrame({"timestamp": stamps}).write_parquet(requests / "b.parquet")
    assert first_partition_day(tmp_path) == "2026-04-19"
    (requests / "b.parquet").unlink()  # a changed input is seen (the cache keys on the files)
    assert first_partition_day(tmp_path) == "2026-05-03"


def test_without_requests_the_current_month(tmp_path):
    assert first_partition_day(tmp_path) == datetime.now(UTC).date().replace(day=1).isoformat()


def test_the_setting_wins(one_day_input, monkeypatch):
    monkeypatch.setenv("COSTLINE_INPUT", str(one_day_input))
    monkeypatch.setenv("COSTLINE_PARTITIONS_START", "2026-01-05")
    assert Settings.from_env().partitions_start == "2026-01-05"
    monkeypatch.delenv("COSTLINE_PARTITIONS_START")
    assert Settings.from_env().partitions_start == first_partition_day(one_day_input)


def test_the_daily_job_starts_there(one_day_input):
    code = (
        "from pipelines.definitions import defs\n"
        "job = defs().resolve_job_def('costline_daily')\n"
        "print(job.partitions_def.get_first_partition_key())\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=clean_env(COSTLINE_INPUT=str(one_day_input)),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip().splitlines()[-1] == first_partition_day(one_day_input)


def test_costline_run_refuses_earlier_days(one_day_input, tmp_path):
    first = date.fromisoformat(first_partition_day(one_day_input))
    early = (first - timedelta(days=3)).isoformat()
    proc = subprocess.run(
        [
            *(sys.executable, "-m", "pipelines.cli", "run", "--input", str(one_day_input)),
            *("--output", str(tmp_path / "out"), "--from", early, "--to", DAY),
        ],
        cwd=ROOT,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 2
    assert f"before the first partition {first}" in proc.stderr
    assert f"COSTLINE_PARTITIONS_START={early}" in proc.stderr
    assert "Traceback" not in proc.stderr
