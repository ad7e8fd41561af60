"""One run at a time on an output folder: an OS lock held by real processes."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipelines.lib import publish
from tests.test_operations.conftest import ROOT, cli_env, costline_cmd, run_cli

DAY = "2026-09-03"

HOLDER = """
import os, sys, time
from pathlib import Path
from pipelines.lib import publish
lock = publish.lock_output(Path(sys.argv[1]), "holder-run")
print("held", flush=True)
if sys.argv[2] == "die":
    os._exit(9)  # like SIGKILL: no release, the holder file keeps its pid
time.sleep(120)
"""


def _holder(out: Path, mode: str) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(out), mode],
        cwd=ROOT,
        env=cli_env(),
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout.readline().strip() == "held"
    return proc


def test_a_held_lock_names_its_holder(tmp_path):
    out = tmp_path / "out"
    holder = _holder(out, "hold")
    try:
        with pytest.raises(publish.RunInProgressError) as error:
            publish.lock_output(out, "mine")
        with pytest.raises(publish.RunInProgressError):
            publish.check_output_lock(out, "a-dagster-run")
        publish.check_output_lock(out, "holder-run")  # the holder's own steps may go on
    finally:
        holder.kill()
        holder.wait()
    assert f"another run (pid {holder.pid}, started " in str(error.value)
    assert f"is writing {out}" in str(error.value)


def test_the_lock_of_a_dead_process_is_taken_over_and_released_empty(tmp_path):
    out = tmp_path / "out"
    dead = _holder(out, "die")
    assert dead.wait(timeout=30) == 9
    lock = publish.lock_output(out, "mine")
    try:
        assert lock.taken_over["pid"] == dead.pid
        assert json.loads((out / ".work" / "run.lock").read_text())["run_id"] == "mine"
    finally:
        lock.release()
    assert (out / ".work" / "run.lock").read_text() == ""
    again = publish.lock_output(out, "next")  # released: free, and nothing to take over
    assert again.taken_over is None
    again.release()


def test_a_second_costline_run_on_the_same_output_exits_2_at_once(small_input, tmp_path):
    out = tmp_path / "out"
    first = subprocess.Popen(
        costline_cmd(
            "run", "--input", str(small_input), "--output", str(out), "--from", DAY, "--to", DAY
        ),
        cwd=ROOT,
        env=cli_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lock_file = out / ".work" / "run.lock"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not (
        lock_file.exists() and str(first.pid) in lock_file.read_text()
    ):
        time.sleep(0.05)
    second = run_cli(small_input, out, DAY, DAY)
    first_still_running = first.poll() is None
    first_out, first_err = first.communicate(timeout=600)

    assert first_still_running, "the second run must end while the first still holds the lock"
    assert second.returncode == 2, second.stderr
    assert "Traceback" not in second.stderr
    assert f"another run (pid {first.pid}, started " in second.stderr
    assert f"is writing {out}" in second.stderr
    assert first.returncode == 0, first_err
    assert "costline run 2026-09-03 .. 2026-09-03" in first_out
    assert lock_file.read_text() == ""  # released at the end


def test_a_run_takes_over_the_lock_of_a_killed_run_and_says_so(small_input, tmp_path):
    out = tmp_path / "out"
    dead = _holder(out, "die")
    assert dead.wait(timeout=30) == 9
    result = run_cli(small_input, out, DAY, DAY)
    assert result.returncode == 0, result.stderr
    assert f"took over {out}: the run that held it (pid {dead.pid}, started " in result.stderr
    assert "is gone" in result.stderr
