"""costline parallel: two days built at once, each one partition run of the daily job in its
own worker process and work database, combined into one lake whose totals equal each day's."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from pipelines.cli.parallel import run_parallel
from pipelines.defs.jobs import DAILY_JOB_NAME
from pipelines.lib.operations.day_lake import plan_days
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
    first, last = (date.fromisoformat(d) for d in DAYS)
    assert run_parallel(per_day_inputs, root, first, last, jobs=2, environ={}) == 0
    # One partition run of the daily job per day, recorded in the instance, each succeeded.
    with dg.DagsterInstance.from_config(str(root / ".dagster")) as instance:
        runs = instance.get_runs()
        assert sorted(r.tags.get("dagster/partition") for r in runs) == list(DAYS)
        assert {r.job_name for r in runs} == {DAILY_JOB_NAME}
        assert all(r.status == dg.DagsterRunStatus.SUCCESS for r in runs)
        pids = {
            r.tags["dagster/partition"]: {
                e.dagster_event.pid
                for e in instance.all_logs(r.run_id, of_type=dg.DagsterEventType.STEP_START)
            }
            for r in runs
        }
    assert all(len(p) == 1 for p in pids.values())  # a day's steps run in its worker process
    assert len(set.union(*pids.values())) == 2  # each day in its own process

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


def test_days_come_with_their_own_folders():
    plans = plan_days(date(2026, 10, 15), date(2026, 10, 16), "in-{day}", Path("out"))
    assert [(str(p.day), str(p.input_dir), str(p.output_dir)) for p in plans] == [
        ("2026-10-15", "in-2026-10-15", "out/days/2026-10-15"),
        ("2026-10-16", "in-2026-10-16", "out/days/2026-10-16"),
    ]
    assert plan_days(date(2026, 10, 16), date(2026, 10, 15), "in", Path("out")) == []


def test_days_before_the_first_one_exit_2(tmp_path, capsys):
    assert run_parallel("in", tmp_path, date(2026, 10, 16), date(2026, 10, 15), jobs=2) == 2
    assert "--to 2026-10-15 is before --from 2026-10-16" in capsys.readouterr().err
