"""Scale-out: daily partitions in parallel, each day one partition run of the daily job in its
own worker process with its OWN output folder and work warehouse (DuckDB allows one writer per
file), then combined by readers through the Hive-partitioned Parquet layout.

    .venv/bin/python -m benchmarks.parallel_days [--rows-per-day 250000] [--days 4] [--jobs 4]

Runs, on the same input:
  1. parallel:   `costline parallel --from D1 --to D4 --jobs N` (one `costline_daily`
                 partition run per day, recorded in the Dagster instance, N worker processes at
                 once; then the days' partitions are placed in one lake and its totals checked);
  2. sequential: `costline run --from D --to D` for each day, one after another;
  3. one run:    `costline run --from D1 --to D4` (the single-run backfill `costline` does);
then reads the lake with DuckDB `hive_partitioning = true`, checking its totals equal the
one-run output. Writes `<out>/<date>-parallel-<days>x<rows>.{json,md}`.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from benchmarks import harness
from pipelines.lib.publish.lake import LAKE_QUERIES

DEFAULT_START = date(2026, 10, 12)


def _prepare(work: Path, start: date, days: int, rows_per_day: int, seed: int) -> list[Path]:
    """One input folder per day (requests/<day>.parquet + catalog) and one with all days."""
    from pipelines.lib.sample.bench import generate_benchmark

    all_days = work / "input-all"
    marker = all_days / f".complete-{start}-{days}-{rows_per_day}-{seed}"
    if not marker.exists():
        if all_days.exists():
            shutil.rmtree(all_days)
        all_days.mkdir(parents=True)
        end = start + timedelta(days=days)
        generate_benchmark(all_days, start, end, rows_per_day * days, seed=seed)
        harness.write_catalog(all_days)
        marker.touch()
    inputs = []
    for i in range(days):
        day = start + timedelta(days=i)
        folder = work / f"input-{day}"
        if folder.exists():
            shutil.rmtree(folder)
        (folder / "requests").mkdir(parents=True)
        name = f"{day.isoformat()}.parquet"
        os.link(all_days / "requests" / name, folder / "requests" / name)
        shutil.copytree(all_days / "catalog", folder / "catalog")
        inputs.append(folder)
    return inputs


def _command(input_dir: Path, output_dir: Path, first: date, last: date) -> list[str]:
    return [
        str(harness.COSTLINE), "run", "--input", str(input_dir), "--output", str(output_dir),
        "--from", first.isoformat(), "--to", last.isoformat(),
    ]  # fmt: skip


class _TreePoller(threading.Thread):
    """Peak RSS of every process below this one (the benchmark itself excluded)."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak, self._stop_event = 0, threading.Event()

    def run(self) -> None:
        me = os.getpid()
        while not self._stop_event.is_set():
            self.peak = max(self.peak, harness.tree_rss(me) - harness._rss_bytes(me))
            self._stop_event.wait(0.2)

    def stop(self) -> None:
        self._stop_event.set()
        self.join()


def _run_all(commands: list[list[str]], jobs: int, logs: Path) -> dict[str, object]:
    """Run the commands with at most `jobs` at once; wall time, peak RSS, exit codes."""
    logs.mkdir(parents=True, exist_ok=True)
    for cmd in commands:
        out = Path(cmd[cmd.index("--output") + 1])
        if out.exists():
            shutil.rmtree(out)
    poller = _TreePoller()
    poller.start()
    before = harness.load()
    began = time.perf_counter()
    pending, running, codes, durations = list(enumerate(commands)), [], {}, {}
    while pending or running:
        while pending and len(running) < jobs:
            i, cmd = pending.pop(0)
            err = (logs / f"stderr-{i}.txt").open("wb")
            proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, cwd=harness.ROOT)
            running.append((i, proc, err, time.perf_counter()))
        for item in list(running):
            i, proc, err, t0 = item
            if proc.poll() is not None:
                err.close()
                codes[i], durations[i] = proc.returncode, round(time.perf_counter() - t0, 2)
                running.remove(item)
        time.sleep(0.1)
    wall = time.perf_counter() - began
    poller.stop()
    return {
        "wall_seconds": round(wall, 2),
        "per_run_seconds": [durations[i] for i in range(len(commands))],
        "exit_codes": [codes[i] for i in range(len(commands))],
        "peak_rss_all_processes_bytes": poller.peak,
        "load_before": before,
        "load_after": harness.load(),
    }


def _read_lake(root: Path) -> dict[str, list[list[str]]]:
    from pipelines.lib.publish import lake

    return lake.totals(root)


def main(argv: list[str] | None = None) -> int:
    """Run the three modes, compare the lake with the one-run output, write the results."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.parallel_days", description=__doc__)
    parser.add_argument("--rows-per-day", type=int, default=250_000)
    parser.add_argument("--days", type=int, default=4)
    parser.add_argument("--jobs", type=int, default=4)
    parser.add_argument("--start", type=date.fromisoformat, default=DEFAULT_START)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--work", type=Path, default=Path("/tmp/costline-bench/parallel"))
    parser.add_argument("--out", type=Path, default=harness.ROOT / "benchmarks" / "results")
    parser.add_argument("--skip-one-run", action="store_true")
    args = parser.parse_args(argv)
    work: Path = args.work
    work.mkdir(parents=True, exist_ok=True)
    days = [args.start + timedelta(days=i) for i in range(args.days)]
    machine = harness.machine()
    sys.stderr.write(f"parallel_days: preparing {args.days} x {args.rows_per_day:,} requests\n")
    inputs = _prepare(work, args.start, args.days, args.rows_per_day, args.seed)
    outputs = [work / f"output-{d}" for d in days]
    per_day = [_command(i, o, d, d) for i, o, d in zip(inputs, outputs, days, strict=True)]
    parallel_root = work / "parallel"
    parallel_cmd = [
        str(harness.COSTLINE), "parallel", "--input", str(work / "input-{day}"),
        "--output", str(parallel_root), "--from", days[0].isoformat(),
        "--to", days[-1].isoformat(), "--jobs", str(args.jobs),
    ]  # fmt: skip

    sys.stderr.write(f"parallel_days: {args.days} days, {args.jobs} at once ({harness.load()})\n")
    parallel = _run_all([parallel_cmd], 1, work / "logs-parallel")
    lake = parallel_root / "lake"
    lake_totals = _read_lake(lake)
    sys.stderr.write(f"parallel_days: the same runs one by one ({harness.load()})\n")
    sequential = _run_all(per_day, 1, work / "logs-sequential")
    one_run = one_run_totals = None
    if not args.skip_one_run:
        sys.stderr.write(f"parallel_days: one run over all days ({harness.load()})\n")
        single_out = work / "output-one-run"
        one_run = _run_all(
            [_command(work / "input-all", single_out, days[0], days[-1])], 1, work / "logs-one"
        )
        one_run_totals = _read_lake(single_out)
    result = {
        "date": datetime.now(UTC).date().isoformat(),
        "command": "python -m benchmarks.parallel_days "
        + " ".join(argv if argv is not None else sys.argv[1:]),
        "machine": machine,
        "days": [d.isoformat() for d in days],
        "rows_per_day": args.rows_per_day,
        "jobs": args.jobs,
        "parallel": parallel,
        "sequential": sequential,
        "one_run": one_run,
        "speedup_vs_sequential": round(sequential["wall_seconds"] / parallel["wall_seconds"], 2),
        "speedup_vs_one_run": round(one_run["wall_seconds"] / parallel["wall_seconds"], 2)
        if one_run
        else None,
        "lake": str(lake),
        "lake_queries": LAKE_QUERIES,
        "parallel_command": " ".join(parallel_cmd),
        "lake_totals": lake_totals,
        "one_run_totals": one_run_totals,
        # the lake may hold neighbour-day rows only in the one run (local dates); compare days
        "lake_equals_one_run": lake_totals == one_run_totals if one_run_totals else None,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    stem = args.out / f"{result['date']}-parallel-{args.days}x{args.rows_per_day}"
    stem.with_suffix(".json").write_text(json.dumps(result, indent=2, default=str) + "\n")
    stem.with_suffix(".md").write_text(_markdown(result))
    sys.stdout.write(_markdown(result))
    return 0 if all(c in (0, 1) for c in parallel["exit_codes"]) else 1


def _markdown(r: dict[str, object]) -> str:
    m = r["machine"]
    gib = 1024**3
    rows = [
        f"# costline parallel days {r['date']}: {len(r['days'])} days x {r['rows_per_day']:,}",
        "",
        f"- command: `{r['command']}`",
        f"- machine: {m['cores']} cores, {m['ram_gb']} GB, {m['cpu']}, load {m['load_average']}",
        "",
        "| mode | wall | per run | peak RSS (all) | exit codes | load before → after |",
        "|---|---|---|---|---|---|",
    ]
    for mode in ("parallel", "sequential", "one_run"):
        x = r[mode]
        if not x:
            continue
        rows.append(
            f"| {mode} | {x['wall_seconds']:.1f} s | {x['per_run_seconds']} "
            f"| {x['peak_rss_all_processes_bytes'] / gib:.2f} GiB | {x['exit_codes']} "
            f"| {x['load_before'][0]} → {x['load_after'][0]} |"
        )
    rows += [
        "",
        f"- speedup parallel vs sequential: {r['speedup_vs_sequential']}x; vs one run: "
        f"{r['speedup_vs_one_run']}x",
        f"- lake totals equal the one-run outputs: {r['lake_equals_one_run']}",
        "",
        "Lake read with DuckDB (`hive_partitioning = true`):",
        "",
        "```sql" + LAKE_QUERIES["cost_lines"].replace("{root}", "lake") + "\n```",
        "",
        "| request_date | lines | contracted_cost |",
        "|---|---|---|",
    ]
    rows += [f"| {' | '.join(map(str, x))} |" for x in r["lake_totals"]["cost_lines"]]
    rows += ["", "| billing_period | charge_date | rows | billed_cost |", "|---|---|---|---|"]
    rows += [f"| {' | '.join(map(str, x))} |" for x in r["lake_totals"]["focus"]]
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
