"""Currency helpers shared by the report sections: a chart draws one currency, tables show all."""

from __future__ import annotations

import polars as pl

from pipelines.lib.report import html as h


def primary_currency(frame: pl.DataFrame, money_column: str) -> str | None:
    """The currency with the most money (charts draw one currency; tables show all)."""
    if frame.is_empty():
        return None
    totals = (
        frame.filter(pl.col("currency").is_not_null())
        .group_by("currency")
        .agg(pl.col(money_column).sum().abs().alias("m"))
        .sort(["m", "currency"], descending=[True, False])
    )
    return totals["currency"][0] if totals.height else None


def other_currencies_note(frame: pl.DataFrame, shown: str | None) -> str:
    """A note naming the currencies the charts leave out (empty when none)."""
    others = sorted({c for c in frame["currency"].to_list() if c and c != shown})
    if not others:
        return ""
    return h.note(f"Charts show {shown} only; amounts in {', '.join(others)} are in the tables.")
