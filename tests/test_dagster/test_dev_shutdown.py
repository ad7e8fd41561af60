"""Ctrl-C and SIGTERM stop `make dev` cleanly: no process left behind, no traceback.

`make dev` runs as in a terminal (its own process group), on a free port of 127.0.0.1 and a
temporary instance. Ctrl-C is SIGINT to the whole foreground group (what a terminal sends);
SIGTERM goes to make alone (what `kill`, a supervisor or a container stop sends).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from tests.test_dagster.conftest import ROOT, clean_env

STARTUP_SECONDS = 300  # two shared cores: loading the definitions three times takes a while
SHUTDOWN_SECONDS = 90


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _session_processes(session: int) -> list[str]:
    """Live (not zombie) processes of the session `make dev` started."""
    alive = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # fields after the command name "(...)": state, ppid, pgrp, session
        state, _ppid, _pgrp, sid = stat.rsplit(")", 1)[1].split()[:4]
        if int(sid) == session and state != "Z":
            alive.append(f"{entry.name} {stat[:120]}")
    return alive


def _wait_until_serving(port: int, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        assert proc.poll() is None, "make dev exited before serving"
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=5) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(2)
    raise AssertionError(f"the webserver did not answer within {STARTUP_SECONDS} s")


@pytest.mark.parametrize(
    ("signum", "whole_group"), [(signal.SIGINT, True), (signal.SIGTERM, False)]
)
def test_make_dev_stops_cleanly(tmp_path, signum, whole_group):
    port = _free_port()
    log = tmp_path / "dev.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [
                "make",
                "-o",
                ".venv/.installed",  # the venv is not re-synced; the recipe is `make dev`'s
                "dev",
                f"DAGSTER_HOME={tmp_path / 'home'}",
                f"DAGSTER_PORT={port}",
            ],
            cwd=ROOT,
            env=clean_env(),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_until_serving(port, proc)
        if whole_group:
            os.killpg(proc.pid, signum)
        else:
            os.kill(proc.pid, signum)
        proc.wait(timeout=SHUTDOWN_SECONDS)
        deadline = time.monotonic() + 15  # children may finish a moment after make
        while _session_processes(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert _session_processes(proc.pid) == []
        output = log.read_text()
        assert "Traceback" not in output, output[-4000:]
        assert "Dagster services shut down" in output, output[-4000:]
    finally:
        if _session_processes(proc.pid):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
