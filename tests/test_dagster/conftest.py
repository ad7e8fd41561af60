"""Helpers: a one-day input cut from the sample, and an environment free of COSTLINE_*/DAGSTER_*."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "sample"
DAY = "2026-09-03"


@pytest.fixture
def one_day_input(tmp_path: Path) -> Path:
    """The sample's catalog and one day of its request logs."""
    target = tmp_path / "input"
    (target / "requests").mkdir(parents=True)
    shutil.copy(SAMPLE / "requests" / f"{DAY}.jsonl.gz", target / "requests")
    shutil.copytree(SAMPLE / "catalog", target / "catalog")
    return target


def clean_env(**extra: str) -> dict[str, str]:
    """This environment without costline or Dagster settings, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COSTLINE_", "DAGSTER_"))}
    env.update(extra)
    return env
