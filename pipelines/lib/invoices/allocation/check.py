"""The allocation's own reconciliation: per invoice, the invoice total next to Σ allocated_cost."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

import polars as pl

from pipelines.lib.invoices.allocation.cells import UNALLOCATED, group_lines
from pipelines.money import CENTS, round_cents


def invoice_check(invoice_lines: pl.DataFrame, allocated: pl.DataFrame) -> pl.DataFrame:
    """Per InvoiceId: the invoice total (exact line sum to the cent) next to Σ allocated_cost."""
    _groups, invoices = group_lines(invoice_lines)
    sums: dict[str, Decimal] = defaultdict(Decimal)
    unallocated: dict[str, Decimal] = defaultdict(Decimal)
    for inv, tenant, cost in allocated.select(
        "InvoiceId", "tenant_id", "allocated_cost"
    ).iter_rows():
        sums[inv] += cost
        if tenant == UNALLOCATED:
            unallocated[inv] += cost
    rows = [
        {
            "InvoiceId": inv,
            "billing_period": m["period"],
            "currency": m["currency"],
            "invoice_total": round_cents(m["total"]),
            "allocated_total": sums[inv],
            "unallocated": unallocated[inv],
            "matches": round_cents(m["total"]) == sums[inv],
        }
        for inv, m in sorted(invoices.items())
    ]
    return pl.DataFrame(
        rows,
        schema={
            "InvoiceId": pl.String(),
            "billing_period": pl.String(),
            "currency": pl.String(),
            "invoice_total": CENTS,
            "allocated_total": CENTS,
            "unallocated": CENTS,
            "matches": pl.Boolean(),
        },
        orient="row",
    )
