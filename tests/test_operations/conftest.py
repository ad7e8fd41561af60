"""Helpers: a small input (two days of the sample), the CLI as a real subprocess, late logs."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "sample"
DAYS = ("2026-09-03", "2026-09-04")


@pytest.fixture
def small_input(tmp_path: Path) -> Path:
    """Two days of request logs with the sample's catalog and invoices."""
    target = tmp_path / "input"
    (target / "requests").mkdir(parents=True)
    for day in DAYS:
        shutil.copy(SAMPLE / "requests" / f"{day}.jsonl.gz", target / "requests")
    shutil.copytree(SAMPLE / "catalog", target / "catalog")
    shutil.copytree(SAMPLE / "invoices", target / "invoices")
    return target


def cli_env(**extra: str) -> dict[str, str]:
    """The environment of a CLI subprocess (ephemeral Dagster instance)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COSTLINE_", "DAGSTER_"))}
    env.update(extra)
    return env


def costline_cmd(*args: str) -> list[str]:
    """`costline ...` run with this interpreter."""
    return [sys.executable, "-m", "pipelines.cli", *args]


def run_cli(
    input_dir: Path, output_dir: Path, start: str, end: str, **env: str
) -> subprocess.CompletedProcess:
    """`costline run` as a subprocess; returns its completed process (text output)."""
    return subprocess.run(
        costline_cmd(
            "run",
            "--input",
            str(input_dir),
            "--output",
            str(output_dir),
            "--from",
            start,
            "--to",
            end,
        ),
        cwd=ROOT,
        env=cli_env(**env),
        capture_output=True,
        text=True,
        timeout=600,
    )


def add_late_logs(input_dir: Path, day: str, count: int) -> Path:
    """`count` late requests for `day` (copies of that day's first records with new ids, at
    noon UTC) in a new file under requests/late/."""
    with gzip.open(SAMPLE / "requests" / f"{day}.jsonl.gz", "rt", encoding="utf-8") as handle:
        records = [json.loads(line) for _, line in zip(range(count), handle, strict=False)]
    path = input_dir / "requests" / "late" / f"{day}-late.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        for i, record in enumerate(records):
            record["request_id"] = f"late-{day}-{i:04d}"
            record["timestamp"] = f"{day}T12:00:{i % 60:02d}Z"
            record.pop("cache_source_request_id", None)
            record["cache_status"] = (
                record.get("cache_status")
                if record.get("cache_status") in (None, "miss", "prefix")
                else "miss"
            )
            out.write(json.dumps(record) + "\n")
    return path


def sha256(path: Path) -> str:
    """Hex digest of a file."""
    return hashlib.sha256(path.read_bytes()).hexdigest()
