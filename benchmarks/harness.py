"""Shared pieces of the benchmarks: machine facts, benchmark inputs, one `costline run` as a
subprocess with the peak RSS of its process tree, and per-step times from its Dagster event log.

Nothing here is timed in tests; `tests/test_benchmarks` only checks the harness runs on a tiny N.
"""

from __future__ import annotations

import contextlib
import csv
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_CATALOG = ROOT / "data" / "sample" / "catalog"
COSTLINE = Path(sys.executable).parent / "costline"
PROGRESS = re.compile(r"^\s*\[\s*([\d.]+)s\] (.*)$")
DAGSTER_YAML = "telemetry:\n  enabled: false\n"

# Dagster step (= asset) -> the stage it is reported under.
STAGES = {
    "stg_requests": "ingest",
    "stg_feedback": "ingest",
    "stg_invoice_lines": "ingest",
    "dim_tenants": "catalogs",
    "dim_budgets": "catalogs",
    "dim_features": "catalogs",
    "costline_settings": "catalogs",
    "int_settings_resolved": "catalogs",
    "dim_prices": "pricing",
    "fct_cost_lines": "cost lines",
    "fct_focus_cost_and_usage": "FOCUS",
    "focus_export": "FOCUS",
    "cost_lines_export": "exports",
    "chargeback_export": "exports",
    "guardrails_export": "exports",
    "invoice_allocations": "invoices",
    "stg_invoice_totals": "invoices",
    "fct_allocated_costs": "invoices",
    "mart_invoice_reconciliation": "invoices",
    "warehouse_publish": "publish",
}


def stage_of(step: str) -> str:
    """The report stage of a Dagster step key (SQL marts and intermediates are 'marts')."""
    return STAGES.get(step, "marts")


# --- machine ---------------------------------------------------------------------------------


def machine() -> dict[str, object]:
    """Cores, RAM, CPU model and load average (other sessions may share the machine)."""
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_kb = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    except OSError:
        pass
    import duckdb
    import polars

    return {
        "cores": os.cpu_count(),
        "ram_gb": round(mem_kb / 1024 / 1024, 1),
        "cpu": cpu,
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "python": sys.version.split()[0],
        "duckdb": duckdb.__version__,
        "polars": polars.__version__,
    }


def load() -> list[float]:
    """The 1/5/15-minute load average now."""
    return [round(x, 2) for x in os.getloadavg()]


# --- inputs ----------------------------------------------------------------------------------


def bench_tenants() -> list[str]:
    """Every tenant id the benchmark generator emits."""
    from pipelines.lib.sample.bench import N_TENANTS

    return [f"bench-{i:04d}" for i in range(N_TENANTS)]


def write_catalog(input_dir: Path) -> None:
    """The sample catalog, with tenants.csv extended to cover the generated tenant ids."""
    target = input_dir / "catalog"
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(SAMPLE_CATALOG, target)
    tenants = target / "tenants.csv"
    with tenants.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    known = {r[0] for r in rows[1:]}
    units = ("Enterprise", "Mid-Market", "SMB")
    for i, tenant in enumerate(bench_tenants()):
        if tenant not in known:
            rows.append([tenant, f"Bench Tenant {i}", units[i % 3], f"CC-B{i:04d}"])
    with tenants.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


def prepare_input(
    input_dir: Path, day: date, rows: int, fmt: str, seed: int = 7, reuse: bool = True
) -> dict[str, object]:
    """requests/<day>.<fmt> with `rows` synthetic requests + the catalog; returns what was done."""
    from pipelines.lib.sample.bench import generate_benchmark, generate_requests_frame

    marker = input_dir / f".complete-{rows}-{seed}-{fmt}-{day}"
    started = time.perf_counter()
    if not (reuse and marker.exists()):
        if input_dir.exists():
            shutil.rmtree(input_dir)
        input_dir.mkdir(parents=True)
        if fmt == "jsonl":  # the generator writes jsonl.gz; plain JSON lines are written here
            frame = generate_requests_frame(day, day + timedelta(days=1), rows, seed)
            path = input_dir / "requests" / f"{day.isoformat()}.jsonl"
            path.parent.mkdir(parents=True)
            frame.write_ndjson(path)
            del frame
        else:
            generate_benchmark(input_dir, day, day + timedelta(days=1), rows, seed=seed, fmt=fmt)
        write_catalog(input_dir)
        marker.touch()
        generated = True
    else:
        generated = False
    files = sorted((input_dir / "requests").glob("*"))
    return {
        "generated": generated,
        "seconds": round(time.perf_counter() - started, 2),
        "files": [str(p) for p in files],
        "bytes": sum(p.stat().st_size for p in files),
    }


# --- process tree RSS ------------------------------------------------------------------------


def _children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with Path(f"/proc/{entry.name}/stat").open("rb") as handle:
                stat = handle.read()
        except OSError:
            continue
        # pid (comm) state ppid ...: comm may hold spaces, split after the last ')'
        ppid = int(stat[stat.rindex(b")") + 2 :].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    return children


def _rss_bytes(pid: int) -> int:
    try:
        with Path(f"/proc/{pid}/statm").open("rb") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, IndexError, ValueError):
        return 0


def tree_rss(root: int) -> int:
    """Resident bytes of a process and all its descendants now."""
    children = _children_map()
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += _rss_bytes(pid)
        todo.extend(children.get(pid, ()))
    return total


class RssPoller(threading.Thread):
    """Samples the process tree's RSS every `interval` seconds; `.peak` is the largest sum."""

    def __init__(self, pid: int, interval: float = 0.1, kill_above: int = 0) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval, self.peak = pid, interval, 0
        self.kill_above = kill_above
        self.killed_at: int | None = None
        self.samples: list[tuple[float, int]] = []  # (unix time, bytes)
        self._stop_event = threading.Event()

    def run(self) -> None:
        """Sample the tree's memory until stopped; kill the run above `kill_above`."""
        while not self._stop_event.is_set():
            rss = tree_rss(self.pid)
            self.samples.append((time.time(), rss))
            self.peak = max(self.peak, rss)
            if self.kill_above and rss > self.kill_above and self.killed_at is None:
                # protect a shared machine: stop the run (only the process we started)
                self.killed_at = rss
                with contextlib.suppress(ProcessLookupError):
                    os.kill(self.pid, signal.SIGKILL)
            self._stop_event.wait(self.interval)

    def stop(self) -> None:
        """Stop sampling and wait for the thread."""
        self._stop_event.set()
        self.join()


# --- one pipeline run ------------------------------------------------------------------------


@dataclass
class PipelineRun:
    """What one `costline run` subprocess did."""

    command: list[str]
    exit_code: int
    wall_seconds: float
    peak_rss_tree_bytes: int
    peak_rss_getrusage_bytes: int
    load_before: list[float]
    load_after: list[float]
    cpu_seconds: float = 0.0  # user + system CPU of the process tree (independent of load)
    progress: list[tuple[float, str]] = field(default_factory=list)
    steps: dict[str, float] = field(default_factory=dict)
    step_peak_rss_bytes: dict[str, int] = field(default_factory=dict)
    stages: dict[str, float] = field(default_factory=dict)
    first_step_offset_seconds: float | None = None
    dagster_run_seconds: float | None = None
    after_run_seconds: float | None = None
    stderr_tail: str = ""
    killed_above_rss_bytes: int | None = None  # set when --max-rss-gb stopped the run

    def as_dict(self) -> dict[str, object]:
        """JSON-ready."""
        return asdict(self)


def run_costline(
    input_dir: Path,
    output_dir: Path,
    start: date,
    end: date,
    log_dir: Path,
    env: dict[str, str] | None = None,
    max_rss_bytes: int = 0,
) -> PipelineRun:
    """`costline run --from start --to end` (inclusive) as a subprocess, on a fresh output folder
    and a fresh Dagster instance (so per-step times can be read back from its event log)."""
    if output_dir.exists():
        shutil.rmtree(output_dir)
    log_dir.mkdir(parents=True, exist_ok=True)
    home = log_dir / "dagster_home"
    if home.exists():
        shutil.rmtree(home)
    home.mkdir(parents=True)
    (home / "dagster.yaml").write_text(DAGSTER_YAML)
    command = [
        str(COSTLINE),
        "run",
        "--input",
        str(input_dir),
        "--output",
        str(output_dir),
        "--from",
        start.isoformat(),
        "--to",
        end.isoformat(),
    ]
    child_env = dict(os.environ, DAGSTER_HOME=str(home), **(env or {}))
    before = load()
    stdout_path, stderr_path = log_dir / "stdout.txt", log_dir / "stderr.txt"
    began = time.perf_counter()
    with stdout_path.open("wb") as out, stderr_path.open("wb") as err:
        proc = subprocess.Popen(command, stdout=out, stderr=err, env=child_env, cwd=ROOT)
        poller = RssPoller(proc.pid, kill_above=max_rss_bytes)
        poller.start()
        # wait4: the rusage of this child alone (ru_maxrss = its largest process, in KiB)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - began
        poller.stop()
    stderr = stderr_path.read_text(encoding="utf-8", errors="replace")
    progress = []
    for line in stderr.splitlines():
        match = PROGRESS.match(line)
        if match:
            progress.append((float(match.group(1)), match.group(2)))
    run = PipelineRun(
        command=command,
        exit_code=proc.returncode,
        wall_seconds=round(wall, 2),
        peak_rss_tree_bytes=poller.peak,
        peak_rss_getrusage_bytes=usage.ru_maxrss * 1024,
        load_before=before,
        load_after=load(),
        cpu_seconds=round(usage.ru_utime + usage.ru_stime, 2),
        killed_above_rss_bytes=poller.killed_at,
        progress=progress,
        stderr_tail="\n".join(stderr.splitlines()[-25:]),
    )
    _read_step_times(home, run, began, poller.samples)
    return run


def _step_seconds(
    logs: list, run: PipelineRun, samples: list[tuple[float, int]]
) -> tuple[dict[str, float], dict[str, float], float | None, float | None]:
    """Seconds per step, each step's start, the run's start and end; notes step peak RSS."""
    starts: dict[str, float] = {}
    steps: dict[str, float] = {}
    run_start = run_end = None
    for entry in logs:
        event = entry.dagster_event
        if event is None:
            continue
        kind = event.event_type_value
        if kind == "PIPELINE_START" or kind == "RUN_START":
            run_start = entry.timestamp
        elif kind in ("PIPELINE_SUCCESS", "RUN_SUCCESS", "PIPELINE_FAILURE", "RUN_FAILURE"):
            run_end = entry.timestamp
        elif kind == "STEP_START" and entry.step_key:
            starts[entry.step_key] = entry.timestamp
        elif kind in ("STEP_SUCCESS", "STEP_FAILURE") and entry.step_key in starts:
            step_start = starts[entry.step_key]
            steps[entry.step_key] = round(entry.timestamp - step_start, 3)
            inside = [b for t, b in samples if step_start <= t <= entry.timestamp]
            if inside:
                run.step_peak_rss_bytes[entry.step_key] = max(inside)
    return steps, starts, run_start, run_end


def _read_step_times(
    home: Path, run: PipelineRun, began_perf: float, samples: list[tuple[float, int]] = ()
) -> None:
    """Per-step durations (STEP_START -> STEP_SUCCESS/FAILURE) from the run's event log."""
    try:
        import dagster as dg

        instance = dg.DagsterInstance.from_config(str(home))
        records = instance.get_runs(limit=1)
        if not records:
            return
        logs = instance.all_logs(records[0].run_id)
    except Exception as exc:  # the event log is a bonus; the wall time stands without it
        run.stderr_tail += f"\n(benchmark: no Dagster event log: {exc})"
        return
    steps, starts, run_start, run_end = _step_seconds(logs, run, samples)
    run.steps = dict(sorted(steps.items(), key=lambda kv: -kv[1]))
    top = sorted(run.step_peak_rss_bytes.items(), key=lambda kv: -kv[1])[:10]
    run.step_peak_rss_bytes = dict(top)
    stages: dict[str, float] = {}
    for step, seconds in steps.items():
        stage = stage_of(step)
        stages[stage] = round(stages.get(stage, 0.0) + seconds, 3)
    run.stages = dict(sorted(stages.items(), key=lambda kv: -kv[1]))
    if run_start is not None and run_end is not None:
        run.dagster_run_seconds = round(run_end - run_start, 2)
        # process start -> first step: interpreter, imports, definitions, window detection
        first = min(starts.values()) if starts else run_start
        wall_start = time.time() - (time.perf_counter() - began_perf)
        run.first_step_offset_seconds = round(first - wall_start, 2)
        # run end -> process exit: check reporting, the closing summary, interpreter exit
        run.after_run_seconds = round(wall_start + run.wall_seconds - run_end, 2)


def parquet_bytes(folder: Path) -> int:
    """Bytes of every Parquet file under a folder (0 if absent)."""
    if not folder.exists():
        return 0
    return sum(p.stat().st_size for p in folder.rglob("*.parquet"))


def self_maxrss_children() -> int:
    """getrusage(RUSAGE_CHILDREN) max RSS in bytes (the largest child process waited for)."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
