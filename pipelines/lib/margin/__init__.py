"""The revenue side: revenue inputs (revenue.csv, Stripe, generic billing CSV), internal rates,
and the exact margin and internal-recovery figures (see docs/margin.md)."""

from pipelines.lib.margin.lines import QUARANTINE_COLUMNS, REVENUE_COLUMNS, RevenueError
from pipelines.lib.margin.reader import RevenueBatch, read_revenue

__all__ = ["QUARANTINE_COLUMNS", "REVENUE_COLUMNS", "RevenueBatch", "RevenueError", "read_revenue"]
