"""`generate`: the deterministic sample data set (requests, late feedback, catalog)."""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, timedelta
from decimal import Decimal
from pathlib import Path

from pipelines.lib.sample import catalogs
from pipelines.lib.sample.calls import StoryState
from pipelines.lib.sample.days import generate_day
from pipelines.lib.sample.writers import FORMATS, jsonl_lines, write_records

FEEDBACK_FIELDS = ("request_id", "event_time", "accepted", "edit_distance", "escalated", "csat")
# Every DUPLICATE_EVERY-th day (by index), one record is shipped again in the next day's file.
DUPLICATE_EVERY, DUPLICATE_OFFSET = 15, 7


@dataclass
class GenerateSummary:
    """What `generate` wrote."""

    out_dir: Path
    days: int = 0
    requests: int = 0  # records written, duplicates included
    duplicates: list[str] = field(default_factory=list)  # request ids shipped twice
    feedback_events: int = 0
    files: list[tuple[str, int]] = field(default_factory=list)  # (path relative to out_dir, bytes)

    @property
    def total_bytes(self) -> int:
        """Bytes written in all."""
        return sum(size for _, size in self.files)

    def __str__(self) -> str:
        lines = [
            f"wrote {len(self.files)} files ({self.total_bytes / 1e6:.2f} MB) to {self.out_dir}",
            f"  {self.days} days, {self.requests} request records "
            f"({len(self.duplicates)} duplicates), {self.feedback_events} late feedback events",
        ]
        return "\n".join(lines)


def day_format(day: date, formats: Sequence[str]) -> str:
    """Format of one day file: mostly the first format, some days the second and third."""
    if len(formats) >= 3 and day.toordinal() % 15 == 4:
        return formats[2]
    if len(formats) >= 2 and day.toordinal() % 7 == 3:
        return formats[1]
    return formats[0]


def _check(start: date, end: date, formats: Sequence[str], scale: float) -> None:
    if end <= start:
        raise ValueError(f"end {end} must be after start {start} (end is exclusive)")
    unknown = [f for f in formats if f not in FORMATS]
    if not formats or unknown:
        raise ValueError(f"formats must be among {', '.join(FORMATS)}, got {list(formats)}")
    if scale <= 0:
        raise ValueError(f"scale must be positive, got {scale}")


def _feedback_event(ev: dict) -> dict:
    out = dict(ev)
    t = ev["event_time"].astimezone(UTC)
    out["event_time"] = t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"
    return out


def generate(
    out_dir: Path,
    start: date,
    end: date,
    *,
    seed: int = 7,
    scale: float = 1.0,
    formats: Sequence[str] = FORMATS,
    with_catalog: bool = True,
) -> GenerateSummary:
    """Write the sample story for [start, end) into out_dir; same arguments, same bytes.

    Layout: requests/YYYY-MM-DD.<fmt> (one file per UTC day), feedback/YYYY-MM.jsonl (late
    feedback by event month), catalog/{tenants,prices,budgets,fx}.csv.
    """
    _check(start, end, formats, scale)
    out_dir = Path(out_dir)
    summary = GenerateSummary(out_dir)
    state = StoryState(seed)
    dup_rng = random.Random(f"{seed}:duplicates")
    daily_costs: dict[tuple[str, str, date], Decimal] = defaultdict(Decimal)
    carry: list[dict] = []  # duplicates to append to the next day's file
    written: list[Path] = []
    n_days = (end - start).days
    for i in range(n_days):
        day = start + timedelta(days=i)
        records = generate_day(state, day, scale)
        for rec in records:
            if rec["environment"] == "prod":
                daily_costs[rec["tenant_id"], rec["feature"], day] += catalogs.estimate_cost(rec)
        fmt = day_format(day, formats)
        path = out_dir / "requests" / f"{day.isoformat()}.{fmt}"
        write_records(path, records + carry, fmt)
        written.append(path)
        summary.requests += len(records) + len(carry)
        carry = []
        if i % DUPLICATE_EVERY == DUPLICATE_OFFSET and i + 1 < n_days:
            calls = [r for r in records if r["status"] == "success" and r["input_tokens"]]
            dup = calls[dup_rng.randrange(len(calls))]
            carry = [dup]
            summary.duplicates.append(dup["request_id"])
    summary.days = n_days

    by_month: dict[str, list[dict]] = defaultdict(list)
    for ev in state.feedback:
        by_month[ev["event_time"].astimezone(UTC).strftime("%Y-%m")].append(_feedback_event(ev))
    for month, events in sorted(by_month.items()):
        events.sort(key=lambda e: (e["event_time"], e["request_id"]))
        path = out_dir / "feedback" / f"{month}.jsonl"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(jsonl_lines(events, FEEDBACK_FIELDS))
        written.append(path)
        summary.feedback_events += len(events)

    if with_catalog:
        budgets = catalogs.budgets_csv(daily_costs)
        written += catalogs.write_catalog(out_dir, start, end, seed, budgets)
    summary.files = [(p.relative_to(out_dir).as_posix(), p.stat().st_size) for p in written]
    return summary
