"""The closing summary of `costline run`, read back from the published warehouse."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

from pipelines.lib import warehouse
from pipelines.lib.restatements import restatements_of_run


def print_summary(
    output_dir: Path, start: date, end: date, seconds: float, run_id: str | None = None
) -> None:
    """Rows, quarantine, cost by provider, restatements of this run and where the outputs are."""
    db = output_dir / "warehouse.duckdb"
    window = {"s": start, "e": end}
    with warehouse.connect(db, read_only=True) as con:
        loaded = con.execute(
            "select count(*) from stg_requests where request_date >= $s and request_date < $e",
            window,
        ).fetchone()[0]
        quarantined = con.execute(
            """select count(*) from quarantine_requests
               where (request_date >= $s and request_date < $e) or request_date is null""",
            window,
        ).fetchone()[0]
        by_provider = con.execute(
            """select provider, max(contracted_currency) as currency, count(*) as requests,
                      count(*) filter (price_status = 'unpriced') as unpriced,
                      sum(list_cost), sum(contracted_cost)
               from fct_cost_lines where request_date >= $s and request_date < $e
               group by provider order by provider""",
            window,
        ).fetchall()
        restated = restatements_of_run(con, run_id).rows(named=True) if run_id else []
    out = sys.stdout
    out.write(f"\ncostline run {start} .. {end} (exclusive) in {seconds:.1f}s\n")
    out.write(f"  requests loaded      {loaded:>12,}\n")
    out.write(f"  rows quarantined     {quarantined:>12,}   (table quarantine_requests)\n")
    out.write("  cost by provider (contracted; list in brackets):\n")
    for provider, currency, requests, unpriced, list_cost, contracted in by_provider:
        out.write(
            f"    {provider:<14} {requests:>10,} requests  {currency or '-':>3} "
            f"{(contracted or 0):>14,.2f}  [{(list_cost or 0):,.2f}]"
            + (f"  {unpriced:,} unpriced" if unpriced else "")
            + "\n"
        )
    if restated:
        out.write(f"  restated closed days ({len(restated)} rows, table fct_restatements):\n")
        for r in restated:
            out.write(
                f"    {r['day']} {r['provider']:<14} {r['currency'] or '-':>3} "
                f"requests {r['previous_requests']:,} -> {r['new_requests']:,}  "
                f"contracted {r['previous_contracted_cost']:,.2f} -> "
                f"{r['new_contracted_cost']:,.2f} ({r['contracted_cost_change']:+,.2f})\n"
            )
    out.write("  outputs:\n")
    for label, path in (
        ("warehouse", db),
        ("FOCUS 1.2", output_dir / "focus"),
        ("cost lines", output_dir / "cost_lines"),
    ):
        out.write(f"    {label:<11} {path}\n")
