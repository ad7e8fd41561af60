"""PM diagnostics: five questions about LLM cost, answered from the published warehouse.

Each answer runs the README's query for that question ("What the warehouse answers"), so the
figures are the README's; tests/test_report/test_notebook.py checks it. Where the notebook shows
more, it says so: Q1 and Q4 take every month (the README's query names one), Q1-Q4 are the
production view like the README, and Q5 (chargeback) covers every environment like the README,
because the allocated invoices bill every environment.

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
        # The README's query, for every month instead of one.
        _q = ask(
            """select month, feature, cost_per_accepted_output, accepted_requests,
                      contracted_cost, currency
               from mart_feature_unit_costs where environment = 'prod'
               order by month, cost_per_accepted_output desc nulls last""",
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
    return (unit_costs,)


@app.cell
def _(answer, ask, charts, con, display, fmt, mo, pl, plot, warehouse):
    # Q2. How much of the spend do the five largest tenants take?
    if warehouse.table_exists(con, "mart_risk"):
        # The README's query, with the spend and the tenants behind the share.
        _q = ask(
            """select month, any_value(top5_share) as top5_share,
                      any_value(top5_spend) as top5_spend,
                      any_value(environment_spend) as spend, min(currency) as currency,
                      string_agg(tenant_id, ', ' order by spend_rank)
                          filter (where is_top5) as top5_tenants
               from mart_risk where environment = 'prod' group by month order by month""",
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
    return (top5,)


@app.cell
def _(answer, ask, charts, con, display, fmt, mo, pl, plot, warehouse):
    # Q3. How often do requests repeat, and how often does the app cache answer them?
    if warehouse.table_exists(con, "mart_prompt_repeats"):
        # The README's query (every day in the warehouse), with the counts behind the rates.
        _q = ask(
            """select feature, sum(repeated_requests) / sum(fingerprinted_requests) as repeat_rate,
                      sum(app_cache_hits) / sum(requests) as app_cache_hit_rate,
                      sum(avoidable_cost) as avoidable_cost, min(currency) as currency,
                      sum(requests) as requests, sum(fingerprinted_requests) as fingerprinted,
                      sum(repeated_requests) as repeated, sum(app_cache_hits) as app_cache_hits
               from mart_prompt_repeats where environment = 'prod'
               group by feature order by avoidable_cost desc, feature""",
        )
        repeats = answer(
            3,
            "Share of repeated requests and app-cache hit rate per feature (all days)",
            display(_q),
        )
        _bars = []
        for _r in _q.iter_rows(named=True):
            _bars.append((f"{_r['feature']} · repeat", _r["repeat_rate"] or 0.0))
            _bars.append((f"{_r['feature']} · cache hit", _r["app_cache_hit_rate"] or 0.0))
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
    return (repeats,)


@app.cell
def _(answer, ask, charts, con, display, fmt, mo, pl, plot, warehouse):
    # Q4. Which features use the expensive model, and why?
    if warehouse.table_exists(con, "mart_feature_model_mix"):
        # The README's query, for every month instead of one (the routing what-if when built).
        _whatif = warehouse.table_exists(con, "mart_routing_whatif")
        _join = (
            "left join mart_routing_whatif w on w.feature = m.feature "
            "and w.environment = m.environment and w.month_start = m.month_start "
            "and w.candidate_rank = 1"
            if _whatif
            else ""
        )
        _q = ask(
            f"""select m.month_start, m.feature, m.feature_kind, m.model,
                       m.share_of_feature_spend * 100 as pct_of_spend,
                       m.expensive_reason as why,
                       {"w.candidate_model" if _whatif else "null"} as cheapest_candidate,
                       {"w.contracted_saving" if _whatif else "null"} as saving_if_moved
                from mart_feature_model_mix m {_join}
                where m.environment = 'prod' and m.is_expensive
                order by m.month_start, m.extractive_on_expensive_model desc,
                         m.expensive_contracted_cost desc""",
        )
        _share = ask(
            """select feature, sum(expensive_contracted_cost) as expensive_cost,
                      sum(contracted_cost) as cost
               from mart_feature_model_mix where environment = 'prod' and month_start = (
                   select max(month_start) from mart_feature_model_mix
                   where environment = 'prod')
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
            "Expensive share of each feature's spend, latest month:\n" + str(display(_share)),
        )
        print("Why:")
        for _r in _q.iter_rows(named=True):
            print(f"- {_r['month_start']} {_r['feature']} on {_r['model']}: {_r['why']}")
        q4_plot = plot(
            "q4_expensive_model_share",
            charts.bar_chart(
                [(r["feature"], r["expensive_share"] or 0.0) for r in _share.iter_rows(named=True)],
                title="Share of each feature's spend on an expensive model, latest month",
                value_format=fmt.percent,
            ),
        )
    else:
        expensive, q4_plot = None, mo.md("Q4: mart_feature_model_mix is not in the warehouse.")
        print("\n=== Q4. not available: mart_feature_model_mix is missing")
    q4_plot
    return (expensive,)


@app.cell
def _(answer, ask, charts, con, display, fmt, mo, pl, plot, warehouse):
    # Q5. What does each business unit get charged?
    if warehouse.table_exists(con, "chargeback_lines"):
        # The README's query: every environment, because the allocated invoices bill them all.
        _source = (
            "chargeback_lines, every environment (allocated invoices; provisional until the "
            "invoice arrives)"
        )
        _q = ask(
            """select billing_period, status, business_unit, currency,
                      sum(allocated_cost) as allocated_cost
               from chargeback_lines group by all
               order by billing_period, currency, allocated_cost desc""",
        )
    elif warehouse.table_exists(con, "fct_cost_lines"):
        _source = (
            "fct_cost_lines x dim_tenants, every environment (contracted cost from the logs; "
            "no chargeback table yet)"
        )
        _tenants = warehouse.table_exists(con, "dim_tenants")
        _q = ask(
            f"""select strftime(c.request_date, '%Y-%m') as billing_period,
                       'estimate' as status,
                       {"t.business_unit" if _tenants else "null"} as business_unit,
                       c.contracted_currency as currency,
                       sum(c.contracted_cost) as allocated_cost
                from fct_cost_lines as c
                {"left join dim_tenants as t on t.tenant_id = c.tenant_id" if _tenants else ""}
                where c.contracted_cost is not null
                group by all order by billing_period, currency, allocated_cost desc""",
        )
    else:
        _q = None
    if _q is not None:
        chargeback = answer(5, "Chargeback per business unit and month", display(_q), _source)
        _last = _q.filter(pl.col("billing_period") == _q["billing_period"].max())
        _cur = _last["currency"].drop_nulls().mode().first() if _last.height else None
        _bars = (
            _last.filter(pl.col("currency") == _cur)
            .group_by(pl.col("business_unit").fill_null("(unknown)"))
            .agg(pl.col("allocated_cost").sum())
            .sort("allocated_cost", descending=True)
        )
        q5_plot = plot(
            "q5_chargeback_by_business_unit",
            charts.bar_chart(
                [(r["business_unit"], r["allocated_cost"]) for r in _bars.iter_rows(named=True)],
                title="Charged per business unit, latest month",
                value_format=lambda v: fmt.money(v, _cur),
            ),
        )
    else:
        chargeback, q5_plot = None, mo.md("Q5: no cost lines in the warehouse.")
        print("\n=== Q5. not available: fct_cost_lines is missing")
    q5_plot
    return (chargeback,)


@app.cell
def _(con):
    con.close()
    return


if __name__ == "__main__":
    app.run()
