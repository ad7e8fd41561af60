"""What the report reads from the published warehouse, one function per section.

Every function takes a read-only connection and returns polars frames. A section whose table is
not in the warehouse raises `MissingTable`, so the page can say so instead of failing. Production
is the default view: every query filters `environment = 'prod'`. Money stays DECIMAL (sums only,
no division in SQL); ratios are derived from the money and count columns in Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb
import polars as pl

from pipelines.lib import warehouse

PROD = "prod"


class MissingTable(LookupError):
    """A table the section needs is not in the warehouse (not built yet)."""

    def __init__(self, *names: str) -> None:
        super().__init__(", ".join(names))
        self.names = names


def require(con: duckdb.DuckDBPyConnection, *names: str) -> None:
    """Raise `MissingTable` naming every table of `names` the warehouse does not have."""
    missing = [n for n in names if not warehouse.table_exists(con, n)]
    if missing:
        raise MissingTable(*missing)


@dataclass(frozen=True)
class Overview:
    """Header totals and the data-freshness line."""

    first_day: date | None
    last_day: date | None
    prod_first_day: date | None
    prod_last_day: date | None
    prod_requests: int
    prod_tenants: int
    prod_features: int
    prod_unpriced: int
    spend: pl.DataFrame  # currency, contracted_cost, list_cost (prod, priced lines)
    quarantined: int | None  # None when quarantine_requests is missing


def overview(con: duckdb.DuckDBPyConnection) -> Overview:
    """Window covered, prod requests, tenants, features, unpriced and spend per currency."""
    require(con, "fct_cost_lines")
    first_day, last_day = con.execute(
        "select min(request_date), max(request_date) from fct_cost_lines"
    ).fetchall()[0]
    row = con.execute(
        """select min(request_date), max(request_date), count(*), count(distinct tenant_id),
                  count(distinct feature), count(*) filter (where price_status = 'unpriced')
           from fct_cost_lines where environment = $env""",
        {"env": PROD},
    ).fetchall()[0]
    spend = warehouse.frame(
        con,
        """select contracted_currency as currency, sum(contracted_cost) as contracted_cost,
                  sum(list_cost) as list_cost, count(*) as requests
           from fct_cost_lines
           where environment = $env and contracted_cost is not null
             and contracted_currency is not null
           group by all order by contracted_cost desc""",
        {"env": PROD},
    )
    quarantined = (
        int(warehouse.scalar(con, "select count(*) from quarantine_requests"))
        if warehouse.table_exists(con, "quarantine_requests")
        else None
    )
    return Overview(
        first_day=first_day,
        last_day=last_day,
        prod_first_day=row[0],
        prod_last_day=row[1],
        prod_requests=int(row[2]),
        prod_tenants=int(row[3]),
        prod_features=int(row[4]),
        prod_unpriced=int(row[5]),
        spend=spend,
        quarantined=quarantined,
    )


def tenant_daily_cost(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """request_date, tenant_id, currency, cost: prod contracted cost per tenant and day."""
    require(con, "fct_cost_lines")
    return warehouse.frame(
        con,
        """select request_date, tenant_id, contracted_currency as currency,
                  sum(contracted_cost) as cost
           from fct_cost_lines
           where environment = $env and contracted_cost is not null
             and contracted_currency is not null
           group by all order by request_date, tenant_id""",
        {"env": PROD},
    )


def tenant_totals(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Per prod tenant and currency: name, business unit, requests, unpriced, cost."""
    require(con, "fct_cost_lines")
    if warehouse.table_exists(con, "dim_tenants"):
        names = "t.tenant_name, t.business_unit"
        join = "left join dim_tenants as t on t.tenant_id = c.tenant_id"
    else:
        names = "cast(null as varchar) as tenant_name, cast(null as varchar) as business_unit"
        join = ""
    return warehouse.frame(
        con,
        f"""with lines as (
                select tenant_id, contracted_currency as currency, contracted_cost, price_status
                from fct_cost_lines where environment = $env
            ),
            per_tenant as (
                select tenant_id, count(*) as requests,
                       count(*) filter (where price_status = 'unpriced') as unpriced_requests
                from lines group by tenant_id
            ),
            priced as (
                select tenant_id, currency, sum(contracted_cost) as cost
                from lines where contracted_cost is not null and currency is not null
                group by tenant_id, currency
            )
            select c.tenant_id, {names}, p.currency, c.requests, c.unpriced_requests, p.cost
            from per_tenant as c
            left join priced as p on p.tenant_id = c.tenant_id
            {join}
            order by p.cost desc nulls last, c.tenant_id""",
        {"env": PROD},
    )


def feature_unit_costs(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """mart_feature_unit_costs (prod) per feature, month and currency, sums only."""
    require(con, "mart_feature_unit_costs")
    return warehouse.frame(
        con,
        """select feature, month, currency, sum(requests) as requests,
                  sum(rated_requests) as rated_requests,
                  sum(accepted_requests) as accepted_requests,
                  sum(unpriced_requests) as unpriced_requests,
                  sum(contracted_cost) as contracted_cost
           from mart_feature_unit_costs where environment = $env
           group by all order by feature, month""",
        {"env": PROD},
    )


def cache_savings(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """mart_cache_efficiency (prod) per feature and currency: hits and savings (sums)."""
    require(con, "mart_cache_efficiency")
    return warehouse.frame(
        con,
        """with filled as (
               select *, coalesce(currency, any_value(currency) over (partition by feature))
                   as filled_currency
               from mart_cache_efficiency where environment = $env
           )
           select feature, filled_currency as currency, sum(requests) as requests,
                  sum(exact_hits) as exact_hits,
                  sum(semantic_hits) as semantic_hits, sum(prefix_hits) as prefix_hits,
                  sum(app_cache_saved_cost) as app_cache_saved_cost,
                  sum(app_hits_saving_unknown) as app_hits_saving_unknown,
                  sum(prefix_read_savings) as prefix_read_savings,
                  sum(prefix_write_premium) as prefix_write_premium,
                  sum(prefix_net_savings) as prefix_net_savings,
                  sum(total_saved_cost) as total_saved_cost,
                  sum(cross_tenant_hits) as cross_tenant_hits
           from filled
           group by all order by total_saved_cost desc, feature""",
        {"env": PROD},
    )


def app_cache_savings_by_kind(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Exact vs semantic app-cache savings (int_cache_hits_resolved, prod, sources found)."""
    require(con, "int_cache_hits_resolved")
    return warehouse.frame(
        con,
        """select cache_status, source_currency as currency, count(*) as hits,
                  sum(saved_cost) as saved_cost
           from int_cache_hits_resolved
           where environment = $env and source_found and saved_cost is not null
           group by all order by cache_status""",
        {"env": PROD},
    )


def budget_status(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """mart_budget_status on its latest as-of day that has production data (the mart may run
    ahead of the data), the worst statuses first."""
    require(con, "mart_budget_status")
    return warehouse.frame(
        con,
        """select as_of_date, tenant_id, feature, currency, monthly_limit, daily_limit,
                  day_spend, month_to_date, forecast_month_total, monthly_used_pct,
                  forecast_used_pct, status, status_reason, guardrail_action
           from mart_budget_status
           where as_of_date = $as_of
           order by case status when 'hard' then 0 when 'soft' then 1
                    when 'unsupported_currency' then 2 else 3 end,
                    monthly_used_pct desc nulls last, tenant_id, feature nulls first""",
        {"as_of": budget_as_of(con)},
    )


def budget_as_of(con: duckdb.DuckDBPyConnection) -> date | None:
    """The budgets' latest as-of day that has production data (the mart may run ahead of the
    data), else its latest day."""
    require(con, "mart_budget_status")
    last_day = (
        warehouse.scalar(
            con,
            "select max(request_date) from fct_cost_lines where environment = $env",
            {"env": PROD},
        )
        if warehouse.table_exists(con, "fct_cost_lines")
        else None
    )
    return warehouse.scalar(
        con,
        """select coalesce(
               (select max(as_of_date) from mart_budget_status where as_of_date <= $last_day),
               (select max(as_of_date) from mart_budget_status))""",
        {"last_day": last_day},
    )


def weekly_scorecard(con: duckdb.DuckDBPyConnection, weeks: int = 4) -> pl.DataFrame:
    """mart_weekly_scorecard (prod), the last `weeks` weeks, newest first."""
    require(con, "mart_weekly_scorecard")
    return warehouse.frame(
        con,
        """with last_week as (
               select max(week_start) as week_start from mart_weekly_scorecard
               where environment = $env
           )
           select s.week_start, s.iso_year, s.iso_week, s.feature, s.requests, s.executions,
                  s.currency, s.contracted_cost, s.unpriced_requests,
                  s.cost_per_1000_executions, s.cost_per_execution_change_pct,
                  s.acceptance_rate, s.acceptance_change_pts, s.escalation_rate, s.mean_csat,
                  s.freeze_or_rollback
           from mart_weekly_scorecard as s, last_week as l
           where s.environment = $env and s.week_start > l.week_start - $days::integer
           order by s.week_start desc, s.freeze_or_rollback desc, s.feature""",
        {"env": PROD, "days": 7 * weeks},
    )


def weekly_flags(con: duckdb.DuckDBPyConnection) -> int:
    """All prod feature-weeks flagged freeze_or_rollback, over the whole history."""
    require(con, "mart_weekly_scorecard")
    return int(
        warehouse.scalar(
            con,
            "select count(*) from mart_weekly_scorecard "
            "where environment = $env and freeze_or_rollback",
            {"env": PROD},
        )
    )


def top5_by_month(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """mart_risk (prod): the top-5 tenants' spend and the month's spend, per month."""
    require(con, "mart_risk")
    return warehouse.frame(
        con,
        """select month, any_value(top5_spend) as top5_spend,
                  any_value(environment_spend) as environment_spend,
                  count(*) as tenants, min(currency) as currency
           from mart_risk where environment = $env
           group by month order by month""",
        {"env": PROD},
    )


def top_tenants_latest_month(con: duckdb.DuckDBPyConnection, limit: int = 5) -> pl.DataFrame:
    """mart_risk (prod): the largest spenders of the latest month."""
    require(con, "mart_risk")
    return warehouse.frame(
        con,
        """select month, spend_rank, tenant_id, tenant_name, business_unit, spend, currency,
                  environment_spend
           from mart_risk
           where environment = $env
             and month = (select max(month) from mart_risk where environment = $env)
             and spend_rank <= $limit
           order by spend_rank""",
        {"env": PROD, "limit": limit},
    )


def price_status_counts(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Requests per environment and price_status (all environments)."""
    require(con, "fct_cost_lines")
    return warehouse.frame(
        con,
        """select environment, count(*) as requests,
                  count(*) filter (where price_status = 'priced') as priced,
                  count(*) filter (where price_status = 'no_provider_call') as no_provider_call,
                  count(*) filter (where price_status = 'unpriced') as unpriced,
                  sum(input_tokens + output_tokens) filter (where price_status = 'unpriced')
                      as unpriced_tokens
           from fct_cost_lines group by environment
           order by case environment when 'prod' then 0 when 'staging' then 1 else 2 end""",
    )


def unpriced_models(con: duckdb.DuckDBPyConnection, limit: int = 10) -> pl.DataFrame:
    """Unpriced requests per provider, model, environment and reason (all environments), the
    most requests first."""
    require(con, "fct_cost_lines")
    return warehouse.frame(
        con,
        """select provider, model, environment, unpriced_reason as reason, count(*) as requests,
                  sum(input_tokens + output_tokens) as tokens,
                  min(request_date) as first_day, max(request_date) as last_day
           from fct_cost_lines where price_status = 'unpriced'
           group by all
           order by requests desc, provider, model, environment, reason limit $limit""",
        {"limit": limit},
    )


def quarantine_reasons(con: duckdb.DuckDBPyConnection, limit: int = 10) -> pl.DataFrame:
    """Quarantined rows per field and kind of reason (the reason without its trailing
    parenthesis, which names a file position), with the first file and line as an example.
    Reasons carry no raw values."""
    require(con, "quarantine_requests")
    return warehouse.frame(
        con,
        r"""select field, regexp_replace(reason, '\s*\(.*\)$', '') as reason, count(*) as rows,
                  count(distinct source_file) as files,
                  min(source_file || coalesce(':' || source_line, '')) as example
           from quarantine_requests group by all order by rows desc, field, reason
           limit $limit""",
        {"limit": limit},
    )
