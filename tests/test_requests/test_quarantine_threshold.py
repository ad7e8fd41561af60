"""The blocking quarantine threshold (`COSTLINE_MAX_QUARANTINE_SHARE`, default 1% of the window's
records, skipped ones not counted): past it the run fails at the asset check
`stg_requests.quarantine_share`, nothing is published, and the message names the top reasons
with their counts and the first file:line of each."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import dagster as dg
import pytest

from pipelines.defs.requests.assets import QUARANTINE_SHARE, quarantine_share_check, stg_requests
from pipelines.defs.resources import CostlineResource

ROOT = Path(__file__).resolve().parents[2]
DAY = "2025-06-01"
GOOD = {
    "timestamp": f"{DAY}T12:00:00Z",
    "tenant_id": "acme",
    "feature": "summarise",
    "environment": "prod",
    "provider": "openai",
    "model": "gpt-4.1-mini",
    "input_tokens": 1000,
    "output_tokens": 300,
}


def _input(root: Path, good: int, bad_tokens: int, bad_env: int) -> Path:
    """`good` valid records, then `bad_tokens` with a text token count, then `bad_env` with an
    unknown environment; the catalog of the committed sample."""
    (root / "requests").mkdir(parents=True)
    shutil.copytree(ROOT / "data" / "sample" / "catalog", root / "catalog")
    rows = [{**GOOD, "request_id": f"g{i}", "latency_ms": 812.6} for i in range(good)]
    rows += [{**GOOD, "request_id": f"t{i}", "input_tokens": "lots"} for i in range(bad_tokens)]
    rows += [{**GOOD, "request_id": f"e{i}", "environment": "qa"} for i in range(bad_env)]
    (root / "requests" / "day.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    return root


def _materialize(root: Path, max_share: str = "0.01") -> dg.ExecuteInProcessResult:
    resource = CostlineResource(
        input_dir=str(root), output_dir=str(root / "out"), max_quarantine_share=max_share
    )
    return dg.materialize(
        [stg_requests], resources={"costline": resource}, partition_key=DAY, raise_on_error=False
    )


def _share_check(result: dg.ExecuteInProcessResult) -> dg.AssetCheckEvaluation:
    (check,) = [c for c in result.get_asset_check_evaluations() if c.check_name == QUARANTINE_SHARE]
    return check


def test_over_threshold_fails_the_step_with_top_reasons(tmp_path):
    result = _materialize(_input(tmp_path, good=97, bad_tokens=2, bad_env=1))
    assert not result.success  # the blocking check stops the step: nothing downstream runs
    check = _share_check(result)
    assert not check.passed
    message = check.metadata["message"].value
    assert message.startswith("3 of 100 records quarantined (3.00%), over ")
    assert (
        "input_tokens is not an integer: 2 (first at requests/day.jsonl:98); "
        "unknown environment: 1 (first at requests/day.jsonl:100)"
    ) in message
    # Repairs never count toward the threshold: 97 fractional latencies were rounded.
    mat = result.asset_materializations_for_node("stg_requests")[0]
    assert mat.metadata["fields_repaired"].value == 97


def test_at_or_under_threshold_passes(tmp_path):
    result = _materialize(_input(tmp_path, good=97, bad_tokens=2, bad_env=1), max_share="0.03")
    assert result.success
    assert _share_check(result).passed


@pytest.mark.parametrize(
    ("loaded", "quarantined", "passed"), [(99, 1, True), (98, 2, False), (0, 0, True)]
)
def test_share_is_of_records_in_the_window(loaded, quarantined, passed):
    check = quarantine_share_check(loaded, quarantined, Decimal("0.01"), [])
    assert check.passed is passed


def test_costline_run_fails_and_publishes_nothing(tmp_path):
    """End to end: `costline run` exits 1, names the check, the reasons and where they start,
    and leaves no published warehouse or export behind."""
    root = _input(tmp_path / "in", good=60, bad_tokens=3, bad_env=0)
    out = tmp_path / "out"
    env = {
        k: v
        for k, v in __import__("os").environ.items()
        if not k.startswith(("COSTLINE_", "DAGSTER_HOME"))
    }
    proc = subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "run", "--input", str(root), "--output", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        env=env,
    )
    assert proc.returncode == 1, proc.stderr[-3000:]
    assert "check failed" in proc.stderr and "quarantine_share" in proc.stderr
    assert "input_tokens is not an integer: 3 (first at requests/day.jsonl:61)" in proc.stderr
    assert not (out / "warehouse.duckdb").exists()
    assert not (out / "focus").exists() and not (out / "cost_lines").exists()
