"""The sums that must agree between the FOCUS rows and the priced cost lines of a window."""

from __future__ import annotations

from datetime import date

import duckdb

from pipelines.lib import warehouse

_KINDS = ("input", "cache_read", "cache_write", "cache_write_1h", "output")
# FOCUS needs a ListUnitPrice on every usage row: where the line has no list price in the
# billing currency, the FOCUS row lists at the contracted price (see the FOCUS model header).
LIST_OR_CONTRACTED = " + ".join(
    f"case when list_currency = contracted_currency "
    f"then coalesce(list_cost_{k}, contracted_cost_{k}) else contracted_cost_{k} end"
    for k in _KINDS
)


def focus_totals(con: duckdb.DuckDBPyConnection, start: date, end: date) -> dict[str, object]:
    """Σ ListCost, ContractedCost, BilledCost and ConsumedQuantity of the window's FOCUS rows."""
    return warehouse.frame(
        con,
        """select coalesce(sum(ListCost), 0) as list,
                  coalesce(sum(ContractedCost), 0) as contracted,
                  coalesce(sum(BilledCost), 0) as billed,
                  coalesce(sum(ConsumedQuantity), 0) as tokens
           from fct_focus_cost_and_usage
           where ChargePeriodStart >= $s and ChargePeriodStart < $e""",
        {"s": start, "e": end},
    ).row(0, named=True)


def cost_line_totals(con: duckdb.DuckDBPyConnection, start: date, end: date) -> dict[str, object]:
    """Σ list (or contracted) cost, contracted cost and tokens of the window's priced lines."""
    return warehouse.frame(
        con,
        f"""select coalesce(sum({LIST_OR_CONTRACTED}), 0) as list,
                  coalesce(sum(contracted_cost), 0) as contracted,
                  coalesce(sum(input_uncached_tokens + cache_read_tokens + cache_write_5m_tokens
                               + cache_write_1h_tokens + output_tokens), 0) as tokens
           from fct_cost_lines
           where request_date >= $s and request_date < $e and price_status = 'priced'""",
        {"s": start, "e": end},
    ).row(0, named=True)
