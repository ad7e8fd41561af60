"""Cost lines: one exactly priced row per request."""

from datetime import date
from decimal import Decimal

import dagster as dg
import duckdb

from pipelines.defs.resources import CostlineResource
from pipelines.defs.sql_assets import build_sql_asset, sql_model

UNPRICED_SHARE = "unpriced_token_share"
ONE_LINE_PER_REQUEST = "one_line_per_request"


def unpriced_token_share(
    con: duckdb.DuckDBPyConnection, start: date, end: date, costline: CostlineResource
) -> dg.AssetCheckResult:
    """Fails when more than the configured share of tokens has no price (never costed at $0)."""
    threshold = costline.unpriced_threshold
    row = con.execute(
        """select
             coalesce(sum(input_tokens + output_tokens) filter (price_status = 'unpriced'), 0),
             coalesce(sum(input_tokens + output_tokens), 0),
             count(*) filter (price_status = 'unpriced')
           from fct_cost_lines where request_date >= $s and request_date < $e""",
        {"s": start, "e": end},
    ).fetchone()
    unpriced, total, lines = (int(v) for v in row) if row else (0, 0, 0)
    share = Decimal(unpriced) / Decimal(total) if total else Decimal(0)
    models = con.execute(
        """select provider || '/' || model as model, count(*) as requests
           from fct_cost_lines where price_status = 'unpriced'
             and request_date >= $s and request_date < $e group by all order by 2 desc""",
        {"s": start, "e": end},
    ).fetchall()
    return dg.AssetCheckResult(
        passed=share <= threshold,
        metadata={
            "unpriced_tokens": unpriced,
            "total_tokens": total,
            "unpriced_lines": lines,
            "unpriced_share": float(share),
            "threshold": float(threshold),
            "unpriced_models": ", ".join(f"{m} ({n})" for m, n in models) or "none",
        },
    )


def one_line_per_request(
    con: duckdb.DuckDBPyConnection, start: date, end: date, costline: CostlineResource
) -> dg.AssetCheckResult:
    """Every staged request has exactly one cost line: nothing lost, nothing doubled."""
    row = con.execute(
        """select
             (select count(*) from stg_requests where request_date >= $s and request_date < $e),
             (select count(*) from fct_cost_lines where request_date >= $s and request_date < $e),
             (select count(distinct request_id) from fct_cost_lines
               where request_date >= $s and request_date < $e)""",
        {"s": start, "e": end},
    ).fetchone()
    staged, lines, distinct = row if row else (0, 0, 0)
    return dg.AssetCheckResult(
        passed=staged == lines == distinct,
        metadata={"staged_requests": staged, "cost_lines": lines, "distinct_ids": distinct},
    )


fct_cost_lines = build_sql_asset(
    sql_model("fct_cost_lines"),
    checks=[
        (
            dg.AssetCheckSpec(
                UNPRICED_SHARE,
                asset="fct_cost_lines",
                blocking=True,
                description="unpriced share of tokens stays under the threshold",
            ),
            unpriced_token_share,
        ),
        (
            dg.AssetCheckSpec(
                ONE_LINE_PER_REQUEST,
                asset="fct_cost_lines",
                blocking=True,
                description="exactly one cost line per staged request",
            ),
            one_line_per_request,
        ),
    ],
)
