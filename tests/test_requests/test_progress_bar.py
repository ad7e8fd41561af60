"""Reading request logs shows a progress bar (on stderr, when the CLI asks for progress)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime

from pipelines.lib import progress, warehouse
from pipelines.lib.requests.sql import load_requests_sql

START, END = date(2025, 6, 1), date(2025, 6, 2)
RECORD = {
    "timestamp": "2025-06-01T08:00:00Z",
    "tenant_id": "acme",
    "feature": "f",
    "environment": "prod",
    "provider": "openai",
    "model": "gpt-4.1-mini",
    "input_tokens": 1000,
    "output_tokens": 10,
}


@contextmanager
def progress_on() -> Iterator[None]:
    """Progress output on (as `costline run` turns it on through its resource), off afterwards."""
    progress.enable(True)
    try:
        yield
    finally:
        progress.enable(False)


def _input(tmp_path):
    requests = tmp_path / "in" / "requests"
    requests.mkdir(parents=True)
    for day in range(3):
        lines = [json.dumps({**RECORD, "request_id": f"r{day}-{i}"}) for i in range(50)]
        (requests / f"part-{day}.jsonl").write_text("\n".join(lines) + "\n")
    return tmp_path / "in"


def _load(tmp_path, root) -> None:
    with warehouse.connect(tmp_path / "w.duckdb") as con:
        load_requests_sql(con, root, START, END, now=datetime(2025, 6, 2, tzinfo=UTC))


def test_reading_logs_draws_a_bar_up_to_100_percent(tmp_path, monkeypatch, capsys):
    root = _input(tmp_path)
    monkeypatch.setattr(progress, "BAR_MIN_BYTES", 1)
    with progress_on():
        _load(tmp_path, root)
    err = capsys.readouterr().err
    assert "reading request logs [" in err
    assert "100%" in err.splitlines()[-1]


def test_small_inputs_and_quiet_runs_draw_no_bar(tmp_path, monkeypatch, capsys):
    root = _input(tmp_path)
    with progress_on():
        _load(tmp_path, root)  # far below the 64 MB floor
    progress.enable(False)
    monkeypatch.setattr(progress, "BAR_MIN_BYTES", 1)
    _load(tmp_path, root)
    assert "reading request logs [" not in capsys.readouterr().err
