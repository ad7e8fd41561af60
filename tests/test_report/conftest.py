"""Fixture warehouses shared by the report and notebook tests (built once per session).

`fixture.py` and `layout_probe.py` are loaded by path, so these tests run under plain `pytest`
and `python -m pytest` alike (the `tests` folder is not a package).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest


def _load(name: str, file: str):
    spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name(file))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


fixture = _load("costline_report_fixture", "fixture.py")
probe = _load("costline_report_layout_probe", "layout_probe.py")


@pytest.fixture(scope="session")
def layout_probe():
    """tests/test_report/layout_probe.py: measures a page's layout in headless Chromium."""
    return probe


@pytest.fixture(scope="session")
def full_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return fixture.build_warehouse(tmp_path_factory.mktemp("full") / "warehouse.duckdb")


@pytest.fixture(scope="session")
def bare_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return fixture.build_warehouse(tmp_path_factory.mktemp("bare") / "warehouse.duckdb", full=False)
