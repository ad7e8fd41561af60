"""The nightly schedule and the invoice sensor are off by default, and the commands the README
gives switch them on in the instance `make dev` uses."""

from __future__ import annotations

import shutil
import subprocess

import dagster as dg

from pipelines.definitions import defs
from tests.test_dagster.conftest import ROOT, clean_env


def test_schedule_and_sensor_are_stopped_by_default():
    d = defs()
    schedule = d.resolve_schedule_def("nightly_costline")
    sensor = d.resolve_sensor_def("invoice_files_sensor")
    assert schedule.default_status == dg.DefaultScheduleStatus.STOPPED
    assert sensor.default_status == dg.DefaultSensorStatus.STOPPED


def test_the_readme_commands_switch_them_on(tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(ROOT / "dagster.yaml", home / "dagster.yaml")
    dagster = str(ROOT / ".venv" / "bin" / "dagster")
    for kind, name in (("schedule", "nightly_costline"), ("sensor", "invoice_files_sensor")):
        proc = subprocess.run(
            [dagster, kind, "start", name, "-m", "pipelines.definitions"],
            cwd=ROOT,
            env=clean_env(DAGSTER_HOME=str(home)),
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert proc.returncode == 0, proc.stderr[-3000:]
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    with dg.DagsterInstance.get() as instance:
        states = {s.instigator_name: s.status.value for s in instance.all_instigator_state()}
    assert states == {"nightly_costline": "RUNNING", "invoice_files_sensor": "RUNNING"}
