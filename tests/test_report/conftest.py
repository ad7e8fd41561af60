"""Fixture warehouses shared by the report and notebook tests (built once per session).

`fixture.py` is loaded by path, so these tests run under plain `pytest` and `python -m pytest`
alike (the `tests` folder is not a package).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

_spec = importlib.util.spec_from_file_location(
    "costline_report_fixture", Path(__file__).with_name("fixture.py")
)
assert _spec is not None and _spec.loader is not None
fixture = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fixture)


@pytest.fixture(scope="session")
def full_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return fixture.build_warehouse(tmp_path_factory.mktemp("full") / "warehouse.duckdb")


@pytest.fixture(scope="session")
def bare_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return fixture.build_warehouse(tmp_path_factory.mktemp("bare") / "warehouse.duckdb", full=False)
