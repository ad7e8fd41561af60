"""One real `costline run` over the whole sample, shared by the end-to-end tests."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipelines.settings import SAMPLE_INPUT


@pytest.fixture(scope="session")
def sample_run(tmp_path_factory) -> Path:
    """Output folder of `costline run` on data/sample (as a new user runs it)."""
    out = tmp_path_factory.mktemp("sample_out")
    env = {k: v for k, v in os.environ.items() if not k.startswith("COSTLINE_")}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pipelines.cli",
            "run",
            "--input",
            str(SAMPLE_INPUT),
            "--output",
            str(out),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=1200,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    (out / "run.log").write_text(proc.stdout + proc.stderr)
    return out
