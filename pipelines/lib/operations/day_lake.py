"""Scale-out on one machine: the days `costline parallel` builds, each into its own output
folder and work database (DuckDB allows one writer per file), combined into one lake.

Daily partitions write disjoint Hive folders, so the days combine by placing their files side
by side under `<output_root>/lake` (`pipelines.lib.publish.lake`); the lake's totals must then
equal each day's own published warehouse.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import duckdb

from pipelines.lib.publish import lake

DAY_TOTALS = """
    select request_date::varchar, count(*)::varchar, sum(contracted_cost)::varchar
    from fct_cost_lines group by all"""


class LakeTotalsError(RuntimeError):
    """The combined lake's totals differ from the day runs' own."""


@dataclass(frozen=True)
class DayFolders:
    """One day of the range with its own input and output folders."""

    day: date
    input_dir: Path
    output_dir: Path


def plan_days(first: date, last: date, input_dir: str, output_root: Path) -> list[DayFolders]:
    """Every day of [first, last]; `input_dir` may contain `{day}` (one input folder per day,
    so a day reads only its own files); outputs go to `<output_root>/days/<day>`."""
    days = []
    day = first
    while day <= last:
        text = day.isoformat()
        days.append(DayFolders(day, Path(input_dir.format(day=text)), output_root / "days" / text))
        day += timedelta(days=1)
    return days


def _published_totals(folders: list[Path]) -> dict[str, list[str]]:
    """Lines and contracted cost per request day, from each day's published warehouse."""
    expected = {}
    for folder in folders:
        with duckdb.connect(str(folder / "warehouse.duckdb"), read_only=True) as con:
            for day, lines, cost in con.execute(DAY_TOTALS).fetchall():
                expected[day] = [lines, cost]
    return expected


def combine_days(outputs: list[Path], root: Path) -> tuple[int, dict[str, list[str | None]]]:
    """Every day's partitions side by side in `root`; returns the files placed and the lake's
    totals per day. LakeTotalsError unless they equal the days' published warehouses."""
    folders = sorted(outputs)
    placed = lake.combine(folders, root)
    found = {row[0]: row[1:] for row in lake.totals(root).get("cost_lines", [])}
    expected = _published_totals(folders)
    if found != expected:
        raise LakeTotalsError(f"lake totals {found} differ from the day runs' {expected}")
    return placed, found
