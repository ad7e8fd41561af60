"""The closing summary of `costline run`, read back from the published warehouse."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TextIO

from pipelines.lib import warehouse
from pipelines.lib.operations.restatements import restatements_of_run
from pipelines.lib.requests import side_tables


def money_text(value: Decimal | None) -> str:
    """A cost for the terminal: cents, or two significant digits when below 1 so that a small
    cost never reads as 0.00 (0.0042, not 0.00). Blank-ish `-` when unknown."""
    if value is None:
        return "-"
    value = Decimal(value)
    if value == 0 or abs(value) >= 1:
        return f"{value:,.2f}"
    decimals = max(2, -value.adjusted() + 1)
    return f"{value:,.{decimals}f}"


def _cost_by_provider(con, window: dict) -> list[tuple]:
    """(provider, requests, unpriced, no list price, currency, contracted, list) per provider and
    currency: list and contracted costs are each summed in their own currency only."""
    return con.execute(
        """with lines as (
               select * from fct_cost_lines where request_date >= $s and request_date < $e
           ), counts as (
               select provider, count(*) as requests,
                      count(*) filter (price_status = 'unpriced') as unpriced,
                      count(*) filter (price_status = 'priced' and list_cost is null) as no_list
               from lines group by provider
           ), money as (
               select provider, contracted_currency as currency, contracted_cost as contracted,
                      null::decimal(38, 18) as list
               from lines where contracted_currency is not null
               union all
               select provider, list_currency, null, list_cost
               from lines where list_currency is not null
           ), sums as (
               select provider, currency, sum(contracted) as contracted, sum(list) as list
               from money group by provider, currency
           )
           select c.provider, c.requests, c.unpriced, c.no_list, s.currency, s.contracted, s.list
           from counts c left join sums s using (provider)
           order by c.provider, s.currency""",
        window,
    ).fetchall()


def _outputs(output_dir: Path, db: Path, end: date) -> list[tuple[str, Path]]:
    """Every output this run wrote (or refreshed) that exists, with its path."""
    chargeback = output_dir / "exports" / "chargeback"
    months = sorted(p.name for p in chargeback.glob("????-??") if p.is_dir())
    listed = [
        ("warehouse", db),
        ("cost lines", output_dir / "cost_lines"),
        ("FOCUS 1.2", output_dir / "focus"),
        ("invoiced FOCUS", output_dir / "focus_invoiced"),
        ("marts", output_dir / "marts"),
        ("guardrails", output_dir / "exports" / "guardrails" / f"{end.isoformat()}.json"),
    ]
    out = [(label, path) for label, path in listed if path.exists()]
    if months:
        out.append(("chargeback", chargeback / f"<month>/chargeback.csv  ({', '.join(months)})"))
        out.append(("statements", chargeback / "<month>/tenants/<tenant>.csv"))
    showback = output_dir / "exports" / "showback"
    shown = sorted(p.name for p in showback.glob("????-??") if p.is_dir())
    if shown:
        out.append(("showback", showback / f"<month>/showback.csv  ({', '.join(shown)})"))
    return out


def _write_costs(out: TextIO, by_provider: list[tuple]) -> tuple[int, int]:
    """One line per provider and currency, then a total per currency. Returns the requests
    without any price and those without a list price."""
    # per currency: contracted, list (None while no line has a list price in that currency)
    totals: dict[str, list[Decimal | None]] = {}
    unpriced_total = no_list_total = 0
    previous = None
    for provider, requests, unpriced, no_list, currency, contracted, list_cost in by_provider:
        first = provider != previous
        previous = provider
        if first:
            unpriced_total += unpriced
            no_list_total += no_list
        notes = [f"{unpriced:,} unpriced"] if first and unpriced else []
        notes += [f"{no_list:,} without list price"] if first and no_list else []
        head = f"{provider:<14} {requests:>10,} requests" if first else " " * 34
        out.write(
            f"    {head}  {currency or '-':>3} {money_text(contracted):>14}  "
            f"[{money_text(list_cost)}]" + ("  " + ", ".join(notes) if notes else "") + "\n"
        )
        if currency:
            _add_to_total(totals.setdefault(currency, [None, None]), contracted, list_cost)
    for currency, (contracted, list_cost) in sorted(totals.items()):
        out.write(
            f"    {'total':<34}  {currency:>3} {money_text(contracted):>14}  "
            f"[{money_text(list_cost)}]\n"
        )
    return unpriced_total, no_list_total


def _add_to_total(total: list[Decimal | None], *amounts: Decimal | None) -> None:
    for i, amount in enumerate(amounts):
        if amount is not None:
            total[i] = (total[i] or Decimal(0)) + amount


def _write_restated(out: TextIO, restated: list[dict]) -> None:
    """The closed days this run restated, before -> after."""
    if not restated:
        return
    out.write(f"  restated closed days ({len(restated)} rows, table fct_restatements):\n")
    for r in restated:
        out.write(
            f"    {r['day']} {r['provider']:<14} {r['currency'] or '-':>3} "
            f"requests {r['previous_requests']:,} -> {r['new_requests']:,}  "
            f"contracted {money_text(r['previous_contracted_cost'])} -> "
            f"{money_text(r['new_contracted_cost'])} "
            f"({'+' if (r['contracted_cost_change'] or 0) >= 0 else ''}"
            f"{money_text(r['contracted_cost_change'])})\n"
        )


def print_summary(
    output_dir: Path,
    start: date,
    end: date,
    seconds: float,
    run_id: str | None = None,
    findings: Sequence[object] = (),
) -> None:
    """Rows, quarantine, cost by provider and per currency, requests without a list price,
    restatements of this run and where every output is. `start`, `end`: inclusive days."""
    db = output_dir / "warehouse.duckdb"
    window = {"s": start, "e": end + timedelta(days=1)}
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
        by_provider = _cost_by_provider(con, window)
        ingest_lines = side_tables.summary_lines(con, window)
        restated = restatements_of_run(con, run_id).rows(named=True) if run_id else []
    out = sys.stdout
    out.write(f"\ncostline run {start} .. {end} (inclusive days, UTC) in {seconds:.1f}s\n")
    out.write(f"  requests loaded      {loaded:>12,}\n")
    out.write(f"  rows quarantined     {quarantined:>12,}   (table quarantine_requests)\n")
    out.write("".join(line + "\n" for line in ingest_lines))
    out.write("  cost by provider (contracted; list in brackets; each currency apart):\n")
    unpriced_total, no_list_total = _write_costs(out, by_provider)
    if no_list_total:
        out.write(
            f"  {no_list_total:,} requests have a contracted price but no list price: "
            "list totals exclude them (fct_cost_lines.list_cost is NULL)\n"
        )
    if unpriced_total:
        out.write(
            f"  {unpriced_total:,} requests are unpriced (no price at all): both totals "
            "exclude them (price_status = 'unpriced')\n"
        )
    _write_restated(out, restated)
    if findings:
        out.write(f"  warnings: {len(findings)} (printed above, in words; details in Dagster)\n")
    out.write("  outputs:\n")
    for label, path in _outputs(output_dir, db, end):
        out.write(f"    {label:<15} {path}\n")
