"""`costline run` without dates runs exactly the data's UTC days, never padded."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, date, datetime

import polars as pl
import pytest

from pipelines.lib import progress
from pipelines.lib.operations.request_window import detect_request_window
from tests.test_operations.conftest import SAMPLE


def _jsonl(path, stamps):
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "".join(
        json.dumps({"request_id": str(i), "timestamp": s}) + "\n" for i, s in enumerate(stamps)
    )
    if path.name.endswith(".gz"):
        path.write_bytes(gzip.compress(text.encode()))
    else:
        path.write_text(text)


def test_local_offsets_move_records_to_their_utc_day(tmp_path):
    requests = tmp_path / "requests"
    _jsonl(
        requests / "a.jsonl.gz",
        ["2026-09-01T23:30:00-05:00", "2026-09-02T12:00:00Z"],  # UTC: 09-02, 09-02
    )
    _jsonl(requests / "late" / "b.jsonl", ["2026-09-04T00:30:00.5+02:00"])  # UTC: 09-03
    assert detect_request_window(requests) == (date(2026, 9, 2), date(2026, 9, 3))


def test_table_files_with_text_and_typed_timestamps(tmp_path):
    requests = tmp_path / "requests"
    requests.mkdir()
    pl.DataFrame({"timestamp": ["2026-09-10T01:00:00+05:30"]}).write_csv(requests / "a.csv")
    typed = datetime(2026, 9, 12, 23, 0, tzinfo=UTC)
    pl.DataFrame({"timestamp": [typed]}).write_parquet(requests / "b.parquet")
    # 09-10 01:00 at +05:30 is 09-09 19:30 UTC
    assert detect_request_window(requests) == (date(2026, 9, 9), date(2026, 9, 12))


def test_the_sample_window_is_its_61_days():
    assert detect_request_window(SAMPLE / "requests") == (date(2026, 9, 1), date(2026, 10, 31))


@pytest.fixture
def progress_on():
    """Progress output on for one test (as `costline run` turns it on), off afterwards."""
    progress.enable(True)
    yield
    progress.enable(False)


def test_a_bar_shows_while_the_logs_are_scanned(progress_on, monkeypatch, capsys):
    monkeypatch.setattr(progress, "BAR_MIN_BYTES", 0)
    detect_request_window(SAMPLE / "requests")
    lines = [line for line in capsys.readouterr().err.splitlines() if "scanning" in line]
    assert lines[0].startswith("  scanning request logs for their days [") and "0%" in lines[0]
    assert lines[-1].endswith(" MB") and "100%" in lines[-1]
    assert 2 <= len(lines) <= progress.LOG_STEPS + 1  # one line per tenth off a terminal


def test_no_bar_for_small_inputs_or_when_progress_is_off(progress_on, capsys):
    with progress.Bar("reading", total=1000) as bar:  # below BAR_MIN_BYTES
        bar.advance(1000)
    progress.enable(False)
    with progress.Bar("reading", total=1000, min_total=0) as bar:
        bar.advance(1000)
    assert capsys.readouterr().err == ""


def test_the_bar_text():
    bar = progress.Bar("reading", total=4 * 1024 * 1024, min_total=0)
    bar.advance(1024 * 1024)
    assert bar.line() == "  reading [#######.......................]  25%  1/4 MB"
