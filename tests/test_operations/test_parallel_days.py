"""costline_days_parallel: two days built at once by Dagster's multiprocess executor, each in
its own process and work database, combined into one lake whose totals equal each day's."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from pipelines.defs.operations.parallel_days import costline_days_parallel
from pipelines.lib.publish import lake

from .conftest import SAMPLE

# Two sample days without the planted unpriced model (which fails its blocking check on purpose).
DAYS = ("2026-10-15", "2026-10-16")


@pytest.fixture
def per_day_inputs(tmp_path: Path) -> str:
    """One input folder per day (`{day}` in the configured path)."""
    for day in DAYS:
        target = tmp_path / f"input-{day}"
        (target / "requests").mkdir(parents=True)
        shutil.copy(SAMPLE / "requests" / f"{day}.jsonl.gz", target / "requests")
        shutil.copytree(SAMPLE / "catalog", target / "catalog")
    return str(tmp_path / "input-{day}")


@pytest.mark.slow
def test_two_days_run_in_parallel_processes_and_combine(per_day_inputs, tmp_path):
    root = tmp_path / "out"
    config = {
        "ops": {
            "plan_days": {
                "config": {
                    "first_day": DAYS[0],
                    "last_day": DAYS[1],
                    "input_dir": per_day_inputs,
                    "output_root": str(root),
                }
            }
        }
    }
    home = tmp_path / "dagster_home"  # the project's own instance settings
    home.mkdir()
    shutil.copy(SAMPLE.parents[1] / "dagster.yaml", home / "dagster.yaml")
    with dg.DagsterInstance.from_config(str(home)) as instance:
        result = dg.execute_job(
            dg.reconstructable(costline_days_parallel), instance=instance, run_config=config
        )
        assert result.success
        steps = {
            e.step_key: e.pid
            for e in result.all_events
            if e.event_type == dg.DagsterEventType.STEP_START
        }
    day_steps = [k for k in steps if k.startswith("run_day[")]
    assert len(day_steps) == 2
    assert len({steps[k] for k in day_steps}) == 2  # each day in its own process

    found = lake.totals(root / "lake")["cost_lines"]
    assert [row[0] for row in found] == list(DAYS)
    for day, lines, cost in found:
        db = root / "days" / day / "warehouse.duckdb"
        with duckdb.connect(str(db), read_only=True) as con:
            expected = con.execute(
                "select count(*)::varchar, sum(contracted_cost)::varchar from fct_cost_lines"
            ).fetchall()[0]
        assert [lines, cost] == list(expected)
        assert int(lines) > 1000
    assert (root / "lake" / "focus").is_dir()


def test_days_at_once_comes_from_run_config():
    plan = {
        "first_day": DAYS[0],
        "last_day": DAYS[1],
        "input_dir": "in-{day}",
        "output_root": "out",
    }
    for jobs, expected in ((None, 4), (1, 1)):
        config: dict = {"ops": {"plan_days": {"config": plan}}}
        if jobs:
            config["execution"] = {"config": {"max_concurrent": jobs}}
        resolved = dg.validate_run_config(costline_days_parallel, config)
        assert resolved["execution"]["multiprocess"]["max_concurrent"] == expected
