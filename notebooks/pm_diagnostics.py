"""PM diagnostics: five questions about LLM cost, answered from the published warehouse.

A marimo notebook. Open it interactively with `marimo edit notebooks/pm_diagnostics.py`, or run it
top to bottom as a plain script: `python notebooks/pm_diagnostics.py` (answers are printed and
each plot is written as an SVG file). The warehouse is opened READ-ONLY: a nightly run can publish
meanwhile.

Environment:
  COSTLINE_WAREHOUSE       the warehouse (default out/warehouse.duckdb)
  COSTLINE_NOTEBOOK_PLOTS  where the script run writes its SVG plots
                           (default: a `notebook/` folder beside the warehouse)
"""

import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="costline: PM diagnostics")


@app.cell
def _():
    import os
    from pathlib import Path

    import duckdb
    import marimo as mo
    import polars as pl

    from pipelines.lib import warehouse
    from pipelines.lib.report import charts
    from pipelines.lib.report import html as fmt

    return Path, charts, duckdb, fmt, mo, os, pl, warehouse


@app.cell
def _(Path, duckdb, mo, os, pl, warehouse):
    WAREHOUSE = Path(os.environ.get("COSTLINE_WAREHOUSE", "out/warehouse.duckdb"))
    PLOTS = Path(os.environ.get("COSTLINE_NOTEBOOK_PLOTS", WAREHOUSE.parent / "notebook"))
    if not WAREHOUSE.exists():
        raise SystemExit(
            f"no warehouse at {WAREHOUSE}: run `costline run` or set COSTLINE_WAREHOUSE"
        )
    con = duckdb.connect(str(WAREHOUSE), read_only=True)

    def ask(query):
        """A read-only query as polars; whole-number sums (HUGEINT) come back as Int64."""
        frame = warehouse.frame(con, query)
        return frame.with_columns(
            pl.col(c).cast(pl.Int64)
            for c, t in frame.schema.items()
            if isinstance(t, pl.Decimal) and t.scale == 0
        )

    def display(frame, places=2, unit_columns=()):
        """Money rounded for display only: 2 decimals (4 for unit costs)."""
        return frame.with_columns(
            pl.col(c)
            .round(4 if c in unit_columns else places)
            .cast(pl.Decimal(38, 4 if c in unit_columns else places))
            for c, t in frame.schema.items()
            if isinstance(t, pl.Decimal)
        )

    def answer(number, question, frame, note=""):
        """Print one answer (script run) and return it for the notebook view."""
        print(f"\n=== Q{number}. {question}")
        if note:
            print(note)
        with pl.Config(tbl_rows=30, tbl_cols=12, tbl_width_chars=160, fmt_str_lengths=90):
            print(frame)
        return frame

    def plot(name, svg):
        """Show a plot; the script run also writes it to PLOTS/<name>.svg."""
        if not mo.running_in_notebook():
            PLOTS.mkdir(parents=True, exist_ok=True)
            (PLOTS / f"{name}.svg").write_text(svg, encoding="utf-8")
            print(f"plot: {PLOTS / f'{name}.svg'}")
        return mo.Html(svg)

    mo.md(f"# costline: PM diagnostics\nWarehouse `{WAREHOUSE}` (read-only), production view.")
    return answer, ask, con, display, plot


@app.cell
def _(answer, ask, charts, con, display, fmt, mo, pl, plot, warehouse):
    # Q1. What does one unit of value (an accepted output) cost, per feature?
    if warehouse.table_exists(con, "mart_feature_unit_costs"):
        _q = ask(
            """select month, feature, currency, sum(requests) as requests,
                      sum(accepted_requests) as accepted, sum(contracted_cost) as contracted_cost
               from mart_feature_unit_costs where environment = 'prod'
               group by all order by month, feature""",
        )
        # ratio from the exact money and the counts (never averaged ratios)
        _q = _q.with_columns(
            pl.when(pl.col("accepted") > 0)
            .then(pl.col("contracted_cost") / pl.col("accepted").cast(pl.Decimal(38, 0)))
            .alias("cost_per_accepted_output")
        )
        unit_costs = answer(
            1,
            "Cost of one unit of value (an accepted output) per feature and month",
            display(_q, unit_columns=("cost_per_accepted_output",)),
        )
        _last = _q.filter(pl.col("month") == _q["month"].max())
        _cur = _last["currency"].drop_nulls().mode().first() if _last.height else None
        _bars = sorted(
            (
                (r["feature"], r["cost_per_accepted_output"])
                for r in _last.iter_rows(named=True)
                if r["cost_per_accepted_output"] is not None and r["currency"] == _cur
            ),
            key=lambda b: b[1],
            reverse=True,
        )
        q1_plot = plot(
            "q1_cost_per_accepted_output",
            charts.bar_chart(
                _bars,
                title="Cost per accepted output, latest month",
                value_format=lambda v: fmt.unit_money(v, _cur),
            ),
        )
    else:
        unit_costs, q1_plot = None, mo.md("Q1: mart_feature_unit_costs is not in the warehouse.")
        print("\n=== Q1. not available: mart_feature_unit_costs is missing")
    q1_plot
    return


@app.cell
def _(answer, ask, charts, con, display, fmt, mo, pl, plot, warehouse):
    # Q2. How much of the spend do the five largest tenants take?
    if warehouse.table_exists(con, "mart_risk"):
        _q = ask(
            """select month, any_value(top5_spend) as top5_spend,
                      any_value(environment_spend) as spend, min(currency) as currency,
                      string_agg(tenant_id, ', ' order by spend_rank)
                          filter (where is_top5) as top5_tenants
               from mart_risk where environment = 'prod' group by month order by month""",
        )
        _q = _q.with_columns(
            (pl.col("top5_spend").cast(pl.Float64) / pl.col("spend").cast(pl.Float64)).alias(
                "top5_share"
            )
        )
        top5 = answer(2, "Top-5 tenants' share of production spend, per month", display(_q))
        q2_plot = plot(
            "q2_top5_share",
            charts.column_chart(
                [(f"{r['month']:%b %Y}", r["top5_share"]) for r in _q.iter_rows(named=True)
                 if r["top5_share"] is not None],
                title="Top-5 tenants' share per month",
                value_format=fmt.percent,
                max_value=1.0,
            ),
        )  # fmt: skip
    else:
        top5, q2_plot = None, mo.md("Q2: mart_risk is not in the warehouse.")
        print("\n=== Q2. not available: mart_risk is missing")
    q2_plot
    return


@app.cell
def _(answer, ask, charts, con, display, fmt, mo, pl, plot, warehouse):
    # Q3. How often do requests repeat, and how often does the app cache answer them?
    if warehouse.table_exists(con, "mart_prompt_repeats"):
        _q = ask(
            """select feature, sum(requests) as requests,
                      sum(fingerprinted_requests) as fingerprinted,
                      sum(repeated_requests) as repeated, sum(app_cache_hits) as app_cache_hits,
                      sum(uncached_repeats) as uncached_repeats,
                      sum(avoidable_cost) as avoidable_cost, min(currency) as currency
               from mart_prompt_repeats
               where environment = 'prod' and request_date > (
                   select max(request_date) from mart_prompt_repeats where environment = 'prod'
               ) - 30
               group by feature order by avoidable_cost desc, feature""",
        )
        _q = _q.with_columns(
            (pl.col("repeated") / pl.col("fingerprinted")).alias("repeat_rate"),
            (pl.col("app_cache_hits") / pl.col("requests")).alias("cache_hit_rate"),
        )
        repeats = answer(
            3,
            "Share of repeated requests and app-cache hit rate per feature (last 30 days of data)",
            display(_q),
        )
        _bars = []
        for _r in _q.iter_rows(named=True):
            _bars.append((f"{_r['feature']} · repeat", _r["repeat_rate"] or 0.0))
            _bars.append((f"{_r['feature']} · cache hit", _r["cache_hit_rate"] or 0.0))
        q3_plot = plot(
            "q3_repeats_and_cache_hits",
            charts.bar_chart(
                _bars, title="Repeat rate and cache-hit rate", value_format=fmt.percent
            ),
        )
    else:
        repeats, q3_plot = None, mo.md("Q3: mart_prompt_repeats is not in the warehouse.")
        print("\n=== Q3. not available: mart_prompt_repeats is missing")
    q3_plot
    return


@app.cell
def _(answer, ask, charts, con, display, fmt, mo, pl, plot, warehouse):
    # Q4. Which features use the expensive model, and why?
    if warehouse.table_exists(con, "mart_feature_model_mix"):
        _q = ask(
            """select feature, feature_kind, provider || '/' || model as model,
                      sum(requests) as requests, sum(contracted_cost) as contracted_cost,
                      min(currency) as currency, max(output_price_multiple) as price_multiple,
                      bool_or(extractive_on_expensive_model) as extractive_on_expensive,
                      any_value(expensive_reason) as why
               from mart_feature_model_mix
               where environment = 'prod' and is_expensive
               group by all order by contracted_cost desc""",
        )
        _share = ask(
            """select feature, sum(expensive_contracted_cost) as expensive_cost,
                      sum(contracted_cost) as cost
               from mart_feature_model_mix where environment = 'prod'
               group by feature order by feature""",
        ).with_columns(
            (pl.col("expensive_cost").cast(pl.Float64) / pl.col("cost").cast(pl.Float64)).alias(
                "expensive_share"
            )
        )
        expensive = answer(
            4,
            "Features on an expensive model, and why (output list price vs the cheapest candidate)",
            display(_q),
            "Expensive share of each feature's spend:\n" + str(display(_share)),
        )
        print("Why:")
        for _r in _q.iter_rows(named=True):
            print(f"- {_r['feature']} on {_r['model']}: {_r['why']}")
        q4_plot = plot(
            "q4_expensive_model_share",
            charts.bar_chart(
                [(r["feature"], r["expensive_share"] or 0.0) for r in _share.iter_rows(named=True)],
                title="Share of each feature's spend on an expensive model",
                value_format=fmt.percent,
            ),
        )
    else:
        expensive, q4_plot = None, mo.md("Q4: mart_feature_model_mix is not in the warehouse.")
        print("\n=== Q4. not available: mart_feature_model_mix is missing")
    q4_plot
    return


@app.cell
def _(answer, ask, charts, con, display, fmt, mo, pl, plot, warehouse):
    # Q5. What does each business unit get charged?
    if warehouse.table_exists(con, "chargeback_lines"):
        _source = "chargeback_lines (allocated invoices; provisional until the invoice arrives)"
        _q = ask(
            """select billing_period as month, coalesce(business_unit, '(unknown)') as business_unit,
                      currency, string_agg(distinct status, ',') as status,
                      sum(requests) as requests, sum(allocated_cost) as charged
               from chargeback_lines where environment = 'prod'
               group by all order by month, charged desc""",
        )
    elif warehouse.table_exists(con, "fct_cost_lines"):
        _source = "fct_cost_lines x dim_tenants (contracted cost; no chargeback table yet)"
        _tenants = warehouse.table_exists(con, "dim_tenants")
        _q = ask(
            f"""select strftime(c.request_date, '%Y-%m') as month,
                       {"coalesce(t.business_unit, '(unknown)')" if _tenants else "'(unknown)'"}
                           as business_unit,
                       c.contracted_currency as currency, count(*) as requests,
                       sum(c.contracted_cost) as charged
                from fct_cost_lines as c
                {"left join dim_tenants as t on t.tenant_id = c.tenant_id" if _tenants else ""}
                where c.environment = 'prod' and c.contracted_cost is not null
                group by all order by month, charged desc""",
        )
    else:
        _q = None
    if _q is not None:
        chargeback = answer(5, "Chargeback per business unit and month", display(_q), _source)
        _last = _q.filter(pl.col("month") == _q["month"].max())
        _cur = _last["currency"].drop_nulls().mode().first() if _last.height else None
        q5_plot = plot(
            "q5_chargeback_by_business_unit",
            charts.bar_chart(
                [(r["business_unit"], r["charged"]) for r in _last.iter_rows(named=True)
                 if r["currency"] == _cur],
                title="Charged per business unit, latest month",
                value_format=lambda v: fmt.money(v, _cur),
            ),
        )  # fmt: skip
    else:
        chargeback, q5_plot = None, mo.md("Q5: no cost lines in the warehouse.")
        print("\n=== Q5. not available: fct_cost_lines is missing")
    q5_plot
    return


@app.cell
def _(con):
    con.close()
    return


if __name__ == "__main__":
    app.run()
