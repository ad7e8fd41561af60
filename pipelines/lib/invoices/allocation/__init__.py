"""Allocation of vendor invoices to tenant × feature × environment × model cells (Decimal)."""

from pipelines.lib.invoices.allocation.engine import (
    ALLOCATED_COLUMNS,
    UNALLOCATED,
    USAGE_CELL_COLUMNS,
    allocate,
    apportion,
    invoice_check,
)
from pipelines.lib.invoices.allocation.fx import FxRates

__all__ = [
    "ALLOCATED_COLUMNS",
    "UNALLOCATED",
    "USAGE_CELL_COLUMNS",
    "FxRates",
    "allocate",
    "apportion",
    "invoice_check",
]
