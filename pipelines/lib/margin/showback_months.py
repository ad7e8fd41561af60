"""The showback of every month a run touches, from mart_internal_recovery."""

from datetime import date
from pathlib import Path

import duckdb

from pipelines.lib import warehouse
from pipelines.lib.margin.showback import build_showback, export_showback
from pipelines.lib.progress import report


def export_showback_months(
    con: duckdb.DuckDBPyConnection, output_dir: Path, months: list[date]
) -> dict[str, dict[str, object]]:
    """Stage each month's showback; returns rows and folder per month that has one."""
    written: dict[str, dict[str, object]] = {}
    for month in months:
        period = month.strftime("%Y-%m")
        recovery = warehouse.frame(
            con, "select * from mart_internal_recovery where billing_period = $p", {"p": period}
        )
        frame = build_showback(recovery)
        target = export_showback(output_dir, period, frame)
        if target is not None:
            written[period] = {"rows": len(frame), "path": str(target)}
            report(f"showback {period}: {len(frame)} rows")
    return written
