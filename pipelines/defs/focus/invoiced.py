"""Final (invoiced) FOCUS 1.2 CostAndUsage: the allocated invoices as FOCUS rows with InvoiceId,
checked against the invoice totals, exported per billing month with its metadata."""

from datetime import date

import dagster as dg

from pipelines.defs.checks import invoices_match, schema_check
from pipelines.defs.partitions import daily_asset
from pipelines.defs.resources import CostlineResource, window
from pipelines.defs.sql_assets import upstream_of
from pipelines.lib import warehouse
from pipelines.lib.focus.export_invoiced import (
    FOLDER,
    TABLE,
    build_focus_invoiced,
    export_invoiced,
    invoice_sum_check,
)
from pipelines.lib.invoices.allocation import FxRates
from pipelines.lib.progress import report
from pipelines.money import months_of
from schemas import registry

INVOICED_EQUALS_INVOICE = "billed_equals_invoice_total"
SCHEMA = schema_check(TABLE)

_model = warehouse.discover_models()[TABLE]


@daily_asset(
    name=TABLE,
    group_name=_model.layer,
    deps=sorted(
        {
            *upstream_of(_model, warehouse.discover_models()),
            "fct_allocated_costs",
            "stg_invoice_totals",
        }
    ),
    kinds={"duckdb", "sql"},
    description=f"{_model.description}\n\nGrain: {_model.grain}. Source: sql/{_model.layer}/"
    f"{_model.path.name}",
    check_specs=[
        SCHEMA.spec,
        dg.AssetCheckSpec(
            INVOICED_EQUALS_INVOICE,
            asset=TABLE,
            blocking=True,
            description="per InvoiceId, Σ BilledCost = the invoice total to the cent",
        ),
    ],
)
def fct_focus_invoiced(context: dg.AssetExecutionContext, costline: CostlineResource):
    """Rebuilt from every allocated invoice (a `table` model) with the fx rates of
    catalog/fx.csv registered for the model (see pipelines.lib.focus.export_invoiced)."""
    fx = FxRates.from_csv(costline.input_path / "catalog" / "fx.csv")
    report(f"building {TABLE}")
    with costline.connect() as con:
        rows = build_focus_invoiced(con, fx)
        registry.apply_comments(con, TABLE)
        check = invoice_sum_check(con)
        yield dg.MaterializeResult(metadata={"rows": rows, "invoices": len(check)})
        yield SCHEMA.of_table(con)
    yield invoices_match(INVOICED_EQUALS_INVOICE, check)


@daily_asset(
    group_name="exports",
    deps=[TABLE, "fct_allocated_costs"],
    kinds={"parquet"},
)
def focus_invoiced_export(context: dg.AssetExecutionContext, costline: CostlineResource):
    """`<output>/focus_invoiced/billing_period=YYYY-MM/part-0.parquet` for every billing month the
    window touches (whole months, replaced) and `focus_invoiced.metadata.json` over all files."""
    start, end = window(context)
    months: list[date] = months_of(start, end)
    with costline.connect() as con:
        document = export_invoiced(con, costline.output_path, months)
    files = document.get("Files", [])
    report(f"wrote invoiced FOCUS 1.2 for {len(months)} months to {costline.output_path / FOLDER}")
    return dg.MaterializeResult(
        metadata={
            "months": ", ".join(m.strftime("%Y-%m") for m in months),
            "files": len(files),
            "rows": sum(int(f.get("rows", 0)) for f in files),
            "schema_id": str(document.get("SchemaId")),
        }
    )
