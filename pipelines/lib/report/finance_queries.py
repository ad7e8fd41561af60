"""What the finance sections read: allocated invoices, billed vs logged, budget burn-down.

Same rules as `queries`: read-only connection, polars frames out, `MissingTable` when a table is
not built, money summed as DECIMAL and never divided in SQL. Amounts are grouped by currency and
never added across currencies.
"""

from __future__ import annotations

from datetime import date

import duckdb
import polars as pl

from pipelines.lib import warehouse
from pipelines.lib.report.queries import PROD, MissingTable, budget_as_of, require

__all__ = [
    "UNEXPLAINED",
    "MissingTable",
    "budget_burndown",
    "chargeback_by_tenant",
    "forecast_as_of",
    "invoiced_prod_spend",
    "reconciliation_causes",
    "reconciliation_summary",
    "statements_by_tenant",
    "unbudgeted_tenants",
]

# mart_invoice_reconciliation's catch-all explanations: a gap with no named cause (every other
# explanation names one: discount, untracked usage, tax, credit, correction, rounding, ...).
UNEXPLAINED = r"^(billed above logged cost|billed below logged cost)"


def invoiced_prod_spend(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Production allocated cost per chargeback status and invoice currency, with its months and
    the rows whose amount is unknown (provisional unpriced usage, left out of the sum)."""
    require(con, "chargeback_lines")
    return warehouse.frame(
        con,
        """select status, currency, sum(allocated_cost) as allocated_cost,
                  count(*) filter (where allocated_cost is null) as unknown_rows,
                  string_agg(distinct billing_period, ', ' order by billing_period) as months
           from chargeback_lines where environment = $env and currency is not null
           group by all order by status, allocated_cost desc nulls last, currency""",
        {"env": PROD},
    )


def chargeback_by_tenant(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Allocated cost per billing month, business unit, tenant and invoice currency: production,
    other environments and total, the rows whose amount is unknown (provisional unpriced usage),
    the statuses, latest issue and invoices of its rows."""
    require(con, "chargeback_lines")
    columns = _chargeback_columns(con)
    # one invoice per row (`invoice_id`); warehouses published before carry `invoice_ids`
    invoices = "invoice_id" if "invoice_id" in columns else "invoice_ids"
    return warehouse.frame(
        con,
        f"""select billing_period, business_unit, tenant_id,
                  any_value(tenant_name) as tenant_name, currency,
                  sum(allocated_cost) filter (where environment = $env) as prod_cost,
                  sum(allocated_cost) filter (where environment <> $env) as other_cost,
                  sum(allocated_cost) as allocated_cost,
                  count(*) filter (where allocated_cost is null) as unknown_rows,
                  string_agg(distinct status, ', ' order by status) as statuses,
                  max(issue) as issue,
                  string_agg(distinct {invoices}, ';') as invoice_ids
           from chargeback_lines
           group by billing_period, business_unit, tenant_id, currency
           order by billing_period, business_unit nulls last, tenant_id, currency""",
        {"env": PROD},
    )


def _chargeback_columns(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {
        row[0]
        for row in con.execute(
            "select column_name from duckdb_columns() where table_name = 'chargeback_lines'"
        ).fetchall()
    }


def statements_by_tenant(con: duckdb.DuckDBPyConnection) -> pl.DataFrame | None:
    """Each tenant's statement total per billing month in its statement currency (converted
    with the month's fx rate by the chargeback), or None when the warehouse has no statement
    columns. `unconverted_rows` have an amount but no rate; `unknown_rows` no amount."""
    require(con, "chargeback_lines")
    if "statement_allocated_cost" not in _chargeback_columns(con):
        return None
    return warehouse.frame(
        con,
        """select billing_period, business_unit, tenant_id,
                  any_value(tenant_name) as tenant_name, statement_currency,
                  sum(statement_allocated_cost) as statement_cost,
                  count(*) filter (where statement_allocated_cost is null
                                   and allocated_cost is not null) as unconverted_rows,
                  count(*) filter (where allocated_cost is null) as unknown_rows
           from chargeback_lines
           group by billing_period, business_unit, tenant_id, statement_currency
           order by billing_period, business_unit nulls last, tenant_id, statement_currency""",
    )


def reconciliation_summary(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Billed against logged per provider, billing month and billing currency.

    `logged` is the contracted cost logged in the billing currency; `logged_other` what was logged
    in another currency (no fx here: such a gap is not comparable). `explained` sums the gap of
    rows with a named cause (tax, credit and corrections count whole: nothing was logged for them);
    `unexplained` the catch-all rows. With no incomparable row, billed - logged = explained +
    unexplained exactly.
    """
    require(con, "mart_invoice_reconciliation")
    return warehouse.frame(
        con,
        """with r as (
               select *,
                      charge_category = 'Usage' and charge_class is null and gap is null
                          as incomparable,
                      regexp_matches(explanation, $unexplained) as catch_all
               from mart_invoice_reconciliation
               where billing_currency is not null
           )
           select provider, billing_period, billing_currency as currency,
                  sum(invoice_lines) as invoice_lines,
                  string_agg(distinct invoice_ids, ', ') as invoice_ids,
                  sum(billed_cost) as billed,
                  coalesce(sum(logged_cost) filter (where log_currency = billing_currency), 0)
                      as logged,
                  sum(logged_cost) filter (where log_currency <> billing_currency)
                      as logged_other,
                  string_agg(distinct log_currency, ', ')
                      filter (where log_currency <> billing_currency) as other_currency,
                  count(*) filter (where incomparable) as incomparable_rows,
                  coalesce(sum(coalesce(gap, billed_cost))
                      filter (where not incomparable and not catch_all), 0) as explained,
                  coalesce(sum(gap) filter (where catch_all and not incomparable), 0)
                      as unexplained
           from r
           group by all order by billing_period, provider, currency""",
        {"unexplained": UNEXPLAINED},
    )


def reconciliation_causes(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """The gap per provider, month, currency and explanation (rows with a non-zero effect)."""
    require(con, "mart_invoice_reconciliation")
    return warehouse.frame(
        con,
        """select provider, billing_period, billing_currency as currency, explanation,
                  regexp_matches(explanation, $unexplained) as unexplained,
                  count(*) as rows, sum(billed_cost) as billed,
                  sum(case when charge_category = 'Usage' and charge_class is null
                           then gap else billed_cost end) as gap
           from mart_invoice_reconciliation
           where billing_currency is not null
           group by all
           having sum(billed_cost) <> 0 or coalesce(sum(gap), 0) <> 0
           order by billing_period, provider, currency, abs(sum(coalesce(gap, billed_cost))) desc,
                    explanation""",
        {"unexplained": UNEXPLAINED},
    )


def budget_burndown(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Each budget day by day in the month of the latest as-of day (up to it): month to date,
    limit, forecast and status."""
    require(con, "mart_budget_status")
    as_of = budget_as_of(con)
    return warehouse.frame(
        con,
        """select as_of_date, month_start, tenant_id, feature, currency, month_to_date,
                  monthly_limit, forecast_month_total, status
           from mart_budget_status
           where month_start = date_trunc('month', $as_of::date) and as_of_date <= $as_of
           order by tenant_id, feature nulls first, currency, as_of_date""",
        {"as_of": as_of},
    )


def forecast_as_of(con: duckdb.DuckDBPyConnection) -> date | None:
    """The latest day of int_spend_forecasted that has production data (used when no budget
    gives the as-of day)."""
    require(con, "int_spend_forecasted")
    return warehouse.scalar(
        con,
        """select max(day) from int_spend_forecasted
           where day <= (select max(request_date) from fct_cost_lines where environment = $env)""",
        {"env": PROD},
    )


def unbudgeted_tenants(con: duckdb.DuckDBPyConnection, as_of: date) -> pl.DataFrame:
    """Tenants with production spend but no tenant-wide budget: month to date and forecast on
    `as_of` (int_spend_forecasted)."""
    require(con, "int_spend_forecasted")
    budgeted = (
        "and tenant_id not in (select tenant_id from mart_budget_status where feature is null)"
        if warehouse.table_exists(con, "mart_budget_status")
        else ""
    )
    return warehouse.frame(
        con,
        f"""select tenant_id, currency, month_to_date, forecast_month_total
            from int_spend_forecasted
            where day = $as_of and feature is null {budgeted}
            order by forecast_month_total desc nulls last, tenant_id, currency""",
        {"as_of": as_of},
    )
