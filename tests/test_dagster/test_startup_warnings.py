"""Loading the definitions prints no warning twice (and none of the ones we fixed)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections import Counter

from tests.test_dagster.conftest import ROOT, clean_env

DAGSTER = ROOT / ".venv" / "bin" / "dagster"
# A Dagster log line ("... - dagster.x - WARNING - text") or a Python warning ("XWarning: text")
LOGGED = re.compile(r" - ([\w.-]+) - (?:\x1b\[\d+m)?WARNING(?:\x1b\[0m)? - (.*)")
PYTHON = re.compile(r"(\w+Warning): (.*)")


def _warnings(output: str) -> Counter[str]:
    found: Counter[str] = Counter()
    for line in output.splitlines():
        match = LOGGED.search(line) or PYTHON.search(line)
        if match:
            found[f"{match.group(1)}: {match.group(2).strip()}"] += 1
    return found


def test_definitions_validate_repeats_no_warning(tmp_path):
    shutil.copy(ROOT / "dagster.yaml", tmp_path / "dagster.yaml")
    proc = subprocess.run(
        [str(DAGSTER), "definitions", "validate", "-m", "pipelines.definitions"],
        cwd=ROOT,
        env=clean_env(DAGSTER_HOME=str(tmp_path)),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    found = _warnings(proc.stdout + proc.stderr)
    assert {w: n for w, n in found.items() if n > 1} == {}
    # fixed: the code location name derived from the checkout folder's name
    assert not [w for w in found if "code location name" in w]
    # left: Dagster's CLI advising its `dg` CLI (not installed), once
    assert set(found) <= {
        "SupersessionWarning: Function `definitions_validate_command` is superseded and its "
        "usage is discouraged. Use 'dg check defs' instead."
    }


def test_loading_the_definitions_in_process_warns_at_most_once_each():
    code = (
        "import logging, sys, warnings\n"
        "handler = logging.StreamHandler(sys.stderr)\n"
        "handler.setFormatter(logging.Formatter('WARNING: %(name)s %(message)s'))\n"
        "handler.setLevel(logging.WARNING)\n"
        "for name in ('', 'dagster'):\n"
        "    logging.getLogger(name).addHandler(handler)\n"
        "warnings.simplefilter('always')\n"
        "from pipelines.definitions import defs\n"
        "d = defs()\n"
        "d.resolve_job_def('costline_daily')\n"
        "d.resolve_asset_graph()\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = [
        line
        for line in proc.stderr.splitlines()
        if line.startswith("WARNING:") or PYTHON.search(line)
    ]
    repeated = {line: n for line, n in Counter(lines).items() if n > 1}
    assert repeated == {}
