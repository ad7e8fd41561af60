"""`costline run` with a NaN amount in a real OpenAI Costs page: one line naming file, result and
field, exit 1, no traceback (it was a PanicException from Polars), nothing published."""

import os
import shutil
import subprocess
import sys

import pytest

from pipelines.settings import SAMPLE_INPUT

PAGE = "invoices/openai/2026-09/costs-page-01.json"

pytestmark = pytest.mark.slow


def test_a_nan_amount_stops_the_run_with_file_result_and_field(tmp_path):
    data = tmp_path / "input"
    shutil.copytree(SAMPLE_INPUT, data)
    page = data / PAGE
    text = page.read_text()
    first = text.index('"value": ') + len('"value": ')
    page.write_text(text[:first] + "NaN" + text[text.index(",", first) :])
    out = tmp_path / "out"
    env = {k: v for k, v in os.environ.items() if not k.startswith("COSTLINE_")}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pipelines.cli",
            "run",
            "--input",
            str(data),
            "--output",
            str(out),
            "--from",
            "2026-09-01",
            "--to",
            "2026-09-01",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=1200,
    )
    assert proc.returncode == 1, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr and "Panic" not in proc.stderr
    assert (
        f"{PAGE}: result 1 (data[0].results[0]), amount.value: 'NaN' is not a finite number"
        in proc.stderr
    ), proc.stderr[-3000:]
    assert not (out / "warehouse.duckdb").exists()
