"""The final (invoiced) FOCUS 1.2 Cost and Usage: build `fct_focus_invoiced`, check it, export it.

    <out>/focus_invoiced/billing_period=YYYY-MM/part-0.parquet   one file per invoice month
    <out>/focus_invoiced.metadata.json                            FOCUS metadata + file manifest

`build_focus_invoiced` registers the fx rates the model needs (`invoice_fx_rates`: the rate of
`catalog/fx.csv` for each charge day and currency pair, exactly as the allocation looked it up,
reverse pairs inverted in Python) and runs `sql/marts/fct_focus_invoiced.sql`.
`invoice_sum_check` compares Σ BilledCost per InvoiceId with the invoice totals to the cent.
`export_invoiced` replaces whole billing months and rewrites the metadata (same columns, metadata
document and Parquet typing as the estimate export in `export.py`).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import polars as pl
import pyarrow as pa

from pipelines.lib import warehouse
from pipelines.lib.focus.export import _manifest, _select
from pipelines.lib.focus.metadata import metadata_document, metadata_file, write_metadata
from pipelines.lib.invoices.allocation.fx import FxRates
from pipelines.lib.publish import published_files, stage_unit, staged_path
from pipelines.money import month_start, next_month, round_cents

TABLE = "fct_focus_invoiced"
FX_RELATION = "invoice_fx_rates"
FOLDER = "focus_invoiced"
_ORDER = (
    "InvoiceId, ChargePeriodStart, x_TenantId, x_Feature, x_Environment, x_Model, x_TokenKind, "
    "ChargeCategory, ChargeClass, SkuPriceId, x_ServiceTier, x_ContextTier"
)


def fx_rates_needed(con: duckdb.DuckDBPyConnection, fx: FxRates) -> pa.Table:
    """(charge_date, from_currency, to_currency, rate) for every allocated cell day whose logged
    currency may need converting to its invoice's currency (rate 1 for the same currency)."""
    pairs = warehouse.frame(
        con,
        """select distinct a.charge_date, f.BillingCurrency as from_currency,
                  a.billing_currency as to_currency
           from fct_allocated_costs as a
           join fct_focus_cost_and_usage as f
             on cast(f.ChargePeriodStart as date) = a.charge_date and f.x_Provider = a.provider
           where a.allocation_level = 'exact'""",
    )
    rows: dict[str, list] = {"charge_date": [], "from_currency": [], "to_currency": [], "rate": []}
    for day, source, target in pairs.iter_rows():
        rate = fx.rate(day, source, target)
        if rate is None:
            continue
        rows["charge_date"].append(day)
        rows["from_currency"].append(source)
        rows["to_currency"].append(target)
        rows["rate"].append(rate.quantize(Decimal("1e-18")))
    return pa.table(
        rows,
        schema=pa.schema(
            [
                ("charge_date", pa.date32()),
                ("from_currency", pa.string()),
                ("to_currency", pa.string()),
                ("rate", pa.decimal128(38, 18)),
            ]
        ),
    )


def build_focus_invoiced(con: duckdb.DuckDBPyConnection, fx: FxRates) -> int:
    """Rebuild `fct_focus_invoiced` (a `table` model); returns its row count."""
    model = warehouse.discover_models()[TABLE]
    con.register(FX_RELATION, fx_rates_needed(con, fx))
    try:
        return warehouse.run_model(con, model)
    finally:
        con.unregister(FX_RELATION)


def invoice_totals_to_cent(con: duckdb.DuckDBPyConnection) -> dict[str, Decimal]:
    """InvoiceId -> payable total (exact line sum of stg_invoice_totals, half-even to the cent),
    for the invoices that have been allocated."""
    frame = warehouse.frame(
        con,
        """select invoice_id, billed_total from stg_invoice_totals
           where invoice_id in (select distinct invoice_id from fct_allocated_costs)
           order by invoice_id""",
    )
    return {inv: round_cents(total) for inv, total in frame.iter_rows()}


def invoice_sum_check(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Per allocated invoice: total, Σ BilledCost of fct_focus_invoiced, `matches` (to the cent,
    exactly: every BilledCost is a whole number of cents)."""
    totals = invoice_totals_to_cent(con)
    billed = dict(
        warehouse.frame(
            con,
            f"select InvoiceId, sum(BilledCost) from {TABLE} group by InvoiceId",
        ).iter_rows()
    )
    rows = []
    for invoice in sorted(set(totals) | set(billed)):
        total, got = totals.get(invoice), billed.get(invoice, Decimal(0))
        rows.append(
            {
                "invoice_id": invoice,
                "invoice_total": None if total is None else str(total),
                "sum_billed_cost": str(got),
                "matches": total is not None and got == total,
            }
        )
    return pl.DataFrame(
        rows,
        schema={
            "invoice_id": pl.String(),
            "invoice_total": pl.String(),
            "sum_billed_cost": pl.String(),
            "matches": pl.Boolean(),
        },
    )


def export_invoiced(con: duckdb.DuckDBPyConnection, out_dir: Path, months: list[date]) -> dict:
    """Stage the billing months `months` (first days) of `<out_dir>/focus_invoiced/`, each as
    one Parquet file replacing that month at publish (a month without rows loses its folder),
    and focus_invoiced.metadata.json over every file published then. Returns the metadata."""
    con.execute("set TimeZone = 'UTC'")
    replaced = []
    for month in sorted({month_start(m) for m in months}):
        rel = f"billing_period={month:%Y-%m}"
        replaced.append(rel)
        staged = stage_unit(out_dir, f"{FOLDER}/{rel}")
        params = {"s": month, "e": next_month(month)}
        where = f"from {TABLE} where BillingPeriodStart >= $s and BillingPeriodStart < $e"
        rows = warehouse.scalar(con, f"select count(*) {where}", params)
        if rows:
            staged.mkdir()
            con.execute(
                f"copy (select {_select(True)} {where} order by {_ORDER}) to "
                f"'{staged / 'part-0.parquet'}' (format parquet, compression zstd, "
                "row_group_size 1000000)",
                params,
            )
    document = metadata_document()
    files = published_files(out_dir, FOLDER, "billing_period=*/*.parquet", replaced)
    document["Files"] = _manifest(con, files)
    stage_unit(out_dir, metadata_file(Path(FOLDER)))
    write_metadata(staged_path(out_dir, FOLDER), document)
    return document


def write_invoiced_file(con: duckdb.DuckDBPyConnection, path: Path, where: str = "true") -> int:
    """Rows of fct_focus_invoiced matching `where` as one Parquet file (for validators)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    con.execute("set TimeZone = 'UTC'")
    con.execute(
        f"copy (select {_select(True)} from {TABLE} where {where} order by {_ORDER}) "
        f"to '{path}' (format parquet, compression zstd)"
    )
    return int(warehouse.scalar(con, f"select count(*) from {TABLE} where {where}"))
