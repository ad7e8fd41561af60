"""The monthly chargeback: allocated invoices -> `<output>/exports/chargeback/<YYYY-MM>/`.

Like the invoice assets it works on the months the run's window touches (`months_of`), in the one
daily job; the invoice sensor requests a month's final chargeback when its invoice files arrive.
"""

import dagster as dg

from pipelines.defs.checks import schema_check
from pipelines.defs.partitions import daily_asset
from pipelines.defs.resources import CostlineResource, window
from pipelines.lib.chargeback.months import CHARGEBACK_TABLE, ChargebackInputs, issue_chargebacks
from pipelines.lib.invoices.allocate_months import ALLOCATIONS_TABLE
from pipelines.lib.invoices.allocation import FxRates
from pipelines.money import months_of

CHARGEBACK_SCHEMA = schema_check(CHARGEBACK_TABLE, "chargeback_export")


@daily_asset(
    group_name="exports",
    deps=[ALLOCATIONS_TABLE, "int_usage_cells_aggregated", "fct_cost_lines", "dim_tenants"],
    kinds={"csv", "parquet"},
    check_specs=[CHARGEBACK_SCHEMA.spec],
)
def chargeback_export(context: dg.AssetExecutionContext, costline: CostlineResource):
    """`<output>/exports/chargeback/<YYYY-MM>/`: the chargeback of every month the window touches
    and of every month its invoices correct (provisional until the month's invoices arrive, then
    final; a final month is re-issued only when a correction arrives), with one statement per
    tenant and a manifest. Also table `chargeback_lines`."""
    start, end = window(context)
    inputs = ChargebackInputs(
        input_path=costline.input_path,
        output_path=costline.output_path,
        fx=FxRates.from_csv(costline.input_path / "catalog" / "fx.csv"),
        statement_currency=costline.statement_currency,
    )
    with costline.connect() as con:
        run = issue_chargebacks(con, months_of(start, end), inputs)
    yield dg.MaterializeResult(metadata={"months": dg.MetadataValue.json(run.months())})
    yield CHARGEBACK_SCHEMA.of_frame(run.built())
