"""Late quality feedback (`<input>/feedback/*.jsonl`) into `stg_feedback`, with quarantine.

One JSON object per line: `{request_id, event_time, accepted?, edit_distance?, escalated?, csat?}`.
A record that cannot be used goes to `quarantine_feedback` with file, line, field and a readable
reason (never a raw value: feedback may carry user text in fields we do not read). Records whose
request id is not (yet) in stg_requests are kept and flagged `is_known_request = false`.
Unknown keys are ignored and never stored.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from pipelines.lib import warehouse

FEEDBACK_COLUMNS: dict[str, pl.DataType] = {
    "request_id": pl.String(),
    "event_time": pl.Datetime("us"),
    "accepted": pl.Boolean(),
    "edit_distance": pl.Float64(),
    "escalated": pl.Boolean(),
    "csat": pl.Float64(),
    "is_known_request": pl.Boolean(),
    "source_file": pl.String(),
    "source_line": pl.Int64(),
}
QUARANTINE_FEEDBACK_COLUMNS: dict[str, pl.DataType] = {
    "source_file": pl.String(),
    "source_line": pl.Int64(),
    "request_id": pl.String(),
    "field": pl.String(),
    "reason": pl.String(),
}
QUALITY_FIELDS = ("accepted", "edit_distance", "escalated", "csat")


class BadField(ValueError):
    """A record field that cannot be used; carries the field name and a readable reason."""

    def __init__(self, field_name: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field_name
        self.reason = reason


@dataclass
class FeedbackResult:
    """Parsed feedback: rows_read = len(records) + len(quarantine)."""

    records: pl.DataFrame
    quarantine: pl.DataFrame
    rows_read: int
    files: list[str] = field(default_factory=list)

    @property
    def reasons(self) -> dict[str, int]:
        """Quarantine reason -> count, most frequent first."""
        if self.quarantine.is_empty():
            return {}
        counts = (
            self.quarantine.group_by("reason")
            .len()
            .sort(["len", "reason"], descending=[True, False])
        )
        return dict(zip(counts["reason"], counts["len"], strict=True))


def _timestamp(value: Any) -> datetime:
    if isinstance(value, bool) or value is None:
        raise BadField("event_time", "missing or not a timestamp")
    if isinstance(value, int | float):
        if not math.isfinite(value):
            raise BadField("event_time", "not a finite epoch timestamp")
        seconds = value / 1000 if value > 1e11 else value  # epoch milliseconds or seconds
        return datetime.fromtimestamp(seconds, tz=UTC).replace(tzinfo=None)
    if not isinstance(value, str):
        raise BadField("event_time", "not an ISO 8601 timestamp")
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError as exc:
        raise BadField("event_time", "not an ISO 8601 timestamp") from exc
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed


def _bool(record: dict[str, Any], name: str) -> bool | None:
    value = record.get(name)
    if value is None or isinstance(value, bool):
        return value
    raise BadField(name, "not a boolean")


def _number(record: dict[str, Any], name: str, low: float, high: float | None) -> float | None:
    value = record.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise BadField(name, "not a number")
    if value < low or (high is not None and value > high):
        bounds = f"between {low:g} and {high:g}" if high is not None else f">= {low:g}"
        raise BadField(name, f"out of range (must be {bounds})")
    return float(value)


def parse_record(record: Any) -> dict[str, Any]:
    """Validate one decoded JSON value; raises BadField with the first unusable field."""
    if not isinstance(record, dict):
        raise BadField("record", "not a JSON object")
    request_id = record.get("request_id")
    if not isinstance(request_id, str) or not request_id.strip():
        raise BadField("request_id", "missing or empty request_id")
    out: dict[str, Any] = {"request_id": request_id.strip()}
    out["event_time"] = _timestamp(record.get("event_time"))
    out["accepted"] = _bool(record, "accepted")
    out["edit_distance"] = _number(record, "edit_distance", 0.0, None)
    out["escalated"] = _bool(record, "escalated")
    out["csat"] = _number(record, "csat", 1.0, 5.0)
    if all(out[f] is None for f in QUALITY_FIELDS):
        raise BadField("record", "no quality field (accepted, edit_distance, escalated, csat)")
    return out


def read_feedback(input_dir: Path) -> FeedbackResult:
    """Every `<input_dir>/feedback/*.jsonl` file, sorted by name (blank lines are skipped)."""
    records: list[dict[str, Any]] = []
    bad: list[dict[str, Any]] = []
    rows_read = 0
    folder = input_dir / "feedback"
    files = sorted(folder.glob("*.jsonl")) if folder.is_dir() else []
    for path in files:
        rel = path.relative_to(input_dir).as_posix()
        with path.open("r", encoding="utf-8", errors="replace") as handle:
            for line_no, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                rows_read += 1
                request_id = None
                try:
                    decoded = json.loads(line)
                    if isinstance(decoded, dict) and isinstance(decoded.get("request_id"), str):
                        request_id = decoded["request_id"].strip() or None
                    row = parse_record(decoded)
                except json.JSONDecodeError:
                    bad.append(_bad(rel, line_no, None, "record", "not valid JSON"))
                    continue
                except BadField as exc:
                    bad.append(_bad(rel, line_no, request_id, exc.field, exc.reason))
                    continue
                row.update(source_file=rel, source_line=line_no, is_known_request=False)
                records.append(row)
    frame = (
        pl.DataFrame(records, schema=FEEDBACK_COLUMNS, orient="row")
        if records
        else (pl.DataFrame(schema=FEEDBACK_COLUMNS))
    )
    quarantine = (
        pl.DataFrame(bad, schema=QUARANTINE_FEEDBACK_COLUMNS, orient="row")
        if bad
        else pl.DataFrame(schema=QUARANTINE_FEEDBACK_COLUMNS)
    )
    return FeedbackResult(
        records=frame.select(list(FEEDBACK_COLUMNS)),
        quarantine=quarantine.select(list(QUARANTINE_FEEDBACK_COLUMNS)),
        rows_read=rows_read,
        files=[p.relative_to(input_dir).as_posix() for p in files],
    )


def _bad(file: str, line: int, request_id: str | None, field_name: str, reason: str) -> dict:
    return {
        "source_file": file,
        "source_line": line,
        "request_id": request_id,
        "field": field_name,
        "reason": reason,
    }


def load_feedback(con: duckdb.DuckDBPyConnection, result: FeedbackResult) -> dict[str, int]:
    """Replace stg_feedback and quarantine_feedback (full reload) and flag unknown request ids."""
    has_requests = warehouse.table_exists(con, "stg_requests")
    con.register("incoming_feedback", result.records.to_arrow())
    con.register("incoming_feedback_quarantine", result.quarantine.to_arrow())
    known = (
        "exists (select 1 from stg_requests s where s.request_id = f.request_id)"
        if has_requests
        else "false"
    )
    con.execute("begin transaction")
    try:
        con.execute(
            f"""create or replace table stg_feedback as
                select f.request_id, f.event_time, f.accepted, f.edit_distance, f.escalated,
                       f.csat, {known} as is_known_request, f.source_file, f.source_line
                from incoming_feedback f
                order by f.source_file, f.source_line"""
        )
        con.execute(
            """create or replace table quarantine_feedback as
               select * from incoming_feedback_quarantine order by source_file, source_line"""
        )
        row = con.execute(
            "select count(*), count(*) filter (where not is_known_request) from stg_feedback"
        ).fetchall()[0]
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    finally:
        con.unregister("incoming_feedback")
        con.unregister("incoming_feedback_quarantine")
    loaded, unknown = (int(v) for v in row) if row else (0, 0)
    return {
        "rows_read": result.rows_read,
        "rows_loaded": loaded,
        "rows_quarantined": len(result.quarantine),
        "unknown_request_ids": unknown,
        "files": len(result.files),
    }
