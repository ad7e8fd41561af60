"""`costline parallel`: several days at once, one process per day (Dagster's multiprocess
executor running `costline_days_parallel`), combined into `<output>/lake`."""

from __future__ import annotations

import os
import shutil
import sys
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _instance(output_root: Path):
    """$DAGSTER_HOME's instance, else one under `<output>/.dagster` with the project's
    dagster.yaml (the multiprocess executor needs a persistent instance)."""
    import dagster as dg

    if os.environ.get("DAGSTER_HOME"):
        return dg.DagsterInstance.get()
    home = output_root / ".dagster"
    home.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "dagster.yaml", home / "dagster.yaml")
    return dg.DagsterInstance.from_config(str(home))


def run_parallel(input_dir: str, output_root: Path, start: date, end: date, jobs: int) -> int:
    """Build [start, end] (inclusive), up to `jobs` days at once; returns the exit code.
    `input_dir` may contain `{day}` for one input folder per day."""
    import dagster as dg

    from pipelines.defs.operations.parallel_days import costline_days_parallel

    if end < start:
        print(f"costline: --to {end} is before --from {start}", file=sys.stderr)
        return 2
    config = {
        "execution": {"config": {"max_concurrent": jobs}},
        "ops": {
            "plan_days": {
                "config": {
                    "first_day": start.isoformat(),
                    "last_day": end.isoformat(),
                    "input_dir": input_dir,
                    "output_root": str(output_root.resolve()),
                }
            }
        },
    }
    with _instance(output_root) as instance:
        result = dg.execute_job(
            dg.reconstructable(costline_days_parallel), instance=instance, run_config=config
        )
        ok = result.success
    lake = output_root / "lake"
    print(
        f"costline parallel {start} .. {end}: {'done' if ok else 'FAILED'}; "
        f"days in {output_root / 'days'}, combined lake in {lake}",
        file=sys.stderr,
    )
    return 0 if ok else 1
