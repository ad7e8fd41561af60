"""notebooks/pm_diagnostics.py runs top to bottom as a plain script and answers every question."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "notebooks" / "pm_diagnostics.py"
QUESTIONS = {
    1: "Cost of one unit of value",
    2: "Top-5 tenants' share",
    3: "Share of repeated requests and app-cache hit rate",
    4: "Features on an expensive model, and why",
    5: "Chargeback per business unit",
}
PLOTS = (
    "q1_cost_per_accepted_output",
    "q2_top5_share",
    "q3_repeats_and_cache_hits",
    "q4_expensive_model_share",
    "q5_chargeback_by_business_unit",
)


def _run(warehouse: Path, plots: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "COSTLINE_WAREHOUSE": str(warehouse),
        "COSTLINE_NOTEBOOK_PLOTS": str(plots),
    }
    return subprocess.run(
        [sys.executable, str(NOTEBOOK)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip


def test_notebook_answers_every_question(full_warehouse: Path, tmp_path: Path) -> None:
    before = full_warehouse.stat().st_mtime_ns
    done = _run(full_warehouse, tmp_path / "plots")
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    for number, text in QUESTIONS.items():
        assert f"=== Q{number}. {text}" in out, (number, out[-2000:])
    assert "not available" not in out
    assert "copilot" in out and "triage" in out  # features answered
    assert "p/m-big output list price is 20.0x" in out  # why the expensive model
    assert "Support" in out and "Sales" in out  # business units
    for name in PLOTS:
        svg = (tmp_path / "plots" / f"{name}.svg").read_text(encoding="utf-8")
        assert svg.startswith("<svg") and "<rect" in svg
    assert full_warehouse.stat().st_mtime_ns == before  # opened read-only


def test_notebook_says_what_is_missing(bare_warehouse: Path, tmp_path: Path) -> None:
    done = _run(bare_warehouse, tmp_path / "plots")
    assert done.returncode == 0, done.stderr[-3000:]
    for number, table in ((1, "mart_feature_unit_costs"), (2, "mart_risk"),
                          (3, "mart_prompt_repeats"), (4, "mart_feature_model_mix")):  # fmt: skip
        assert f"=== Q{number}. not available: {table} is missing" in done.stdout
    assert "=== Q5. Chargeback per business unit" in done.stdout
