"""`make run` and `make dev` use one Dagster instance, so the UI lists the runs of `make run`."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import dagster as dg

from tests.test_dagster.conftest import DAY, ROOT, clean_env


def _dry_run(target: str) -> str:
    return subprocess.run(
        ["make", "-n", "-o", ".venv/.installed", target],
        cwd=ROOT,
        env=clean_env(),
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def test_run_and_dev_point_at_the_same_instance_folder():
    home = f"DAGSTER_HOME={ROOT / '.dagster_home'}"
    run, dev = _dry_run("run"), _dry_run("dev")
    assert home in run and home in dev
    for recipe in (run, dev):
        assert f"cp dagster.yaml {ROOT / '.dagster_home'}/dagster.yaml" in recipe


def test_a_make_run_is_recorded_in_the_instance(one_day_input: Path, tmp_path: Path, monkeypatch):
    home = tmp_path / "dagster_home"
    # `-o .venv/.installed`: the venv is not re-synced; the recipe is exactly `make run`'s.
    proc = subprocess.run(
        [
            "make",
            "-o",
            ".venv/.installed",
            "run",
            f"INPUT={one_day_input}",
            f"OUTPUT={tmp_path / 'out'}",
            f"DAGSTER_HOME={home}",
        ],
        cwd=ROOT,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert (home / "dagster.yaml").read_text() == (ROOT / "dagster.yaml").read_text()
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    with dg.DagsterInstance.get() as instance:
        runs = instance.get_runs()
        assert [r.job_name for r in runs] == ["costline_daily"], proc.stderr[-3000:]
        tags = runs[0].tags
        # the days of the input (detected by `costline run`)
        assert tags["dagster/asset_partition_range_start"] <= DAY
        assert tags["dagster/asset_partition_range_end"] >= DAY
        # the project's dagster.yaml configures it (one run at a time: DuckDB has one writer)
        assert instance.get_settings("concurrency")["runs"]["max_concurrent_runs"] == 1
        assert runs[0].status == dg.DagsterRunStatus.SUCCESS, proc.stderr[-3000:]
    assert proc.returncode == 0, proc.stderr[-3000:]
    # start-up prints no Python or Dagster warning (check warnings are costline's own lines)
    assert not re.search(r"\w+Warning: | - WARNING - ", proc.stdout + proc.stderr)
