"""Allocate every invoice line to tenant × feature × environment × model cells (Decimal).

`allocate(invoice_lines, usage_cells)`:

1. Lines are grouped by invoice, category, class, provider, model, token kind and charge period.
2. A usage line (ChargeCategory Usage, or Adjustment naming a model) goes to the cells of the same
   provider, model and token kind on the days of its charge period, in proportion to their priced
   (contracted) cost. With no such cell it widens: same provider + model on those days (any kind)
   -> same provider + model in the usage month(s) -> same provider in the usage month(s) -> one
   explicit `UNALLOCATED` row (tenant/feature/environment `__unallocated__`). Nothing is dropped.
   Cells whose cost is unpriced weigh 0; a level where every weight is 0 falls back to tokens.
3. On an exact match the cell's logged contracted cost (converted to the invoice currency with the
   dated fx rate) is its `usage` part and the rest of its share is `residual` (untracked usage,
   discount, rounding); widened and Adjustment amounts are all `residual`; lines correcting an
   earlier billing period (ChargeClass Correction) go to `correction`.
4. Tax and Credit lines (and Adjustments without a model) follow the invoice's allocated usage
   shares (positive usage + residual + correction per row); an invoice without usage falls back to
   the provider's cells in the usage month(s), then UNALLOCATED.
5. Rounding happens once, per invoice: the invoice total is the exact line sum rounded to the cent;
   the row totals and the five part totals are each rounded with the largest remainder to add up
   to it, and the row × part table is rounded to meet both (`controlled_round`; if both cannot be
   met, each part is rounded on its own). Per InvoiceId Σ allocated_cost = invoice total to the
   cent, Σ tax_cost = the invoice's tax, and no cent lands on a part that had no amount.

The cells and line groups are in `cells.py`, the rounding in `rounding.py`, `invoice_check` in
`check.py`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import date
from decimal import Decimal, localcontext

import polars as pl

from pipelines.lib.invoices.allocation.cells import (
    UNALLOCATED,
    USAGE_CELL_COLUMNS,
    LineGroup,
    UsageCells,
    group_lines,
    group_order,
    is_usage_like,
    widening_levels,
)
from pipelines.lib.invoices.allocation.check import invoice_check
from pipelines.lib.invoices.allocation.rounding import apportion, controlled_round
from pipelines.money import CENTS, MONEY, round_cents

# `apportion`, `controlled_round` (rounding.py), `invoice_check` (check.py) and `UNALLOCATED`,
# `USAGE_CELL_COLUMNS` (cells.py) stay importable from here.
__all__ = [
    "ALLOCATED_COLUMNS",
    "UNALLOCATED",
    "USAGE_CELL_COLUMNS",
    "FxLookup",
    "allocate",
    "apportion",
    "controlled_round",
    "invoice_check",
]

PARTS = ("usage", "residual", "correction", "tax", "credit")
LEVELS = ("exact", "model_day", "model_period", "provider_period", "unallocated")
EXACT18 = Decimal("1e-18")

ALLOCATED_COLUMNS: dict[str, pl.DataType] = {
    "billing_period": pl.String(),
    "usage_period": pl.String(),
    "InvoiceId": pl.String(),
    "InvoiceIssuerName": pl.String(),
    "BillingAccountId": pl.String(),
    "provider": pl.String(),
    "tenant_id": pl.String(),
    "feature": pl.String(),
    "environment": pl.String(),
    "model": pl.String(),
    "token_kind": pl.String(),
    "charge_date": pl.Date(),
    "allocation_level": pl.String(),
    "billing_currency": pl.String(),
    "usage_cost": CENTS,
    "residual_cost": CENTS,
    "correction_cost": CENTS,
    "tax_cost": CENTS,
    "credit_cost": CENTS,
    "allocated_cost": CENTS,
    "exact_cost": MONEY,
}

FxLookup = Callable[[date, str, str], Decimal | None]


def _split(amount: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """Proportional shares at 60 significant digits (their sum misses `amount` by < 1e-50;
    the cents are fixed per invoice by `apportion`). Equal weights give equal shares, so
    rounding ties stay with the earlier row."""
    total = sum(weights, Decimal(0))
    with localcontext() as ctx:
        ctx.prec = 60
        return [amount * w / total for w in weights]


def allocate(
    invoice_lines: pl.DataFrame,
    usage_cells: pl.DataFrame,
    fx: FxLookup | None = None,
) -> pl.DataFrame:
    """Allocated rows (`ALLOCATED_COLUMNS`): every invoice line, to the cent per invoice."""
    cells = UsageCells.build(usage_cells)
    groups, invoices = group_lines(invoice_lines)
    usage_taken: set[int] = set()
    out: list[dict] = []
    by_invoice: dict[str, list[LineGroup]] = defaultdict(list)
    for group in sorted(groups, key=group_order):
        by_invoice[group.invoice].append(group)
    for invoice in sorted(by_invoice):
        meta = invoices[invoice]
        rows: dict[tuple, dict[str, Decimal]] = {}
        share_groups = []
        for group in by_invoice[invoice]:
            if not is_usage_like(group):
                share_groups.append(group)
                continue
            _allocate_usage(group, groups[group], cells, rows, usage_taken, meta["currency"], fx)
        usage_weights = {
            k: max(Decimal(0), v["usage"] + v["residual"] + v["correction"])
            for k, v in rows.items()
        }
        for group in share_groups:
            part = {"Tax": "tax", "Credit": "credit"}.get(group.category, "residual")
            if group.correction and part == "residual":
                part = "correction"
            _allocate_share(group, groups[group], part, usage_weights, cells, rows)
        out.extend(_round_invoice(invoice, meta, rows))
    frame = pl.DataFrame(out, schema=ALLOCATED_COLUMNS, orient="row")
    return frame.sort(
        [
            "billing_period",
            "InvoiceId",
            "provider",
            "charge_date",
            "tenant_id",
            "feature",
            "environment",
            "model",
            "token_kind",
            "allocation_level",
        ],
        nulls_last=True,
    )


def _row_key(cell: tuple, group: LineGroup, level: str) -> tuple:
    tenant, feature, env, provider, model, kind, day, _ccy = cell
    return (tenant, feature, env, provider, group.model or model, group.kind or kind, day, level)


def _unallocated_key(group: LineGroup) -> tuple:
    return (
        UNALLOCATED,
        UNALLOCATED,
        UNALLOCATED,
        group.provider,
        group.model,
        group.kind,
        group.start,
        "unallocated",
    )


def _add(rows: dict, key: tuple, part: str, amount: Decimal) -> None:
    entry = rows.setdefault(key, dict.fromkeys(PARTS, Decimal(0)))
    entry[part] += amount


def _allocate_usage(
    group: LineGroup,
    amount: Decimal,
    cells: UsageCells,
    rows: dict,
    usage_taken: set[int],
    currency: str,
    fx: FxLookup | None,
) -> None:
    for level, idx in widening_levels(group, cells):
        weights = cells.weights(idx) if idx else None
        if weights is None:
            continue
        shares = _split(amount, weights)
        for i, share in zip(idx, shares, strict=True):
            key = _row_key(cells.rows[i], group, level)
            if group.correction:
                _add(rows, key, "correction", share)
                continue
            usage = Decimal(0)
            if (
                level == "exact"
                and group.category == "Usage"
                and i not in usage_taken
                and cells.cost[i] is not None
            ):
                rate = (
                    fx(cells.rows[i][6], cells.rows[i][7], currency)
                    if fx
                    else (Decimal(1) if cells.rows[i][7] == currency else None)
                )
                if rate is not None:
                    usage = cells.cost[i] * rate
                    usage_taken.add(i)
            _add(rows, key, "usage", usage)
            _add(rows, key, "residual", share - usage)
        return
    _add(rows, _unallocated_key(group), "correction" if group.correction else "residual", amount)


def _allocate_share(
    group: LineGroup, amount: Decimal, part: str, usage_weights: dict, cells: UsageCells, rows: dict
) -> None:
    keys = [k for k, w in sorted(usage_weights.items(), key=lambda kv: _sortable(kv[0])) if w > 0]
    if keys:
        shares = _split(amount, [usage_weights[k] for k in keys])
        for key, share in zip(keys, shares, strict=True):
            _add(rows, key, part, share)
        return
    for level, idx in widening_levels(group, cells):
        weights = cells.weights(idx) if idx else None
        if weights is None:
            continue
        for i, share in zip(idx, _split(amount, weights), strict=True):
            _add(rows, _row_key(cells.rows[i], group, level), part, share)
        return
    _add(rows, _unallocated_key(group), part, amount)


def _sortable(key: tuple) -> tuple:
    return tuple("" if v is None else str(v) for v in key)


def _round_invoice(invoice: str, meta: dict, rows: dict[tuple, dict[str, Decimal]]) -> list[dict]:
    keys = sorted(rows, key=_sortable)
    total = round_cents(meta["total"])
    if not keys:
        return []
    part_exact = [sum((rows[k][p] for k in keys), Decimal(0)) for p in PARTS]
    row_totals = apportion([sum(rows[k].values(), Decimal(0)) for k in keys], total)
    part_totals = apportion(part_exact, total)
    table = [[rows[k][p] for p in PARTS] for k in keys]
    try:
        matrix = controlled_round(table, row_totals, part_totals)
    except ArithmeticError:
        # Row totals that cannot be met together with the part totals (rare, tiny mixed-sign
        # amounts): round each part on its own; rows then stay within a cent per part.
        columns = [apportion([r[j] for r in table], t) for j, t in enumerate(part_totals)]
        matrix = [[columns[j][i] for j in range(len(PARTS))] for i in range(len(keys))]
    rounded = {p: [matrix[n][j] for n in range(len(keys))] for j, p in enumerate(PARTS)}
    out = []
    for n, key in enumerate(keys):
        tenant, feature, env, provider, model, kind, day, level = key
        parts = {p: rounded[p][n] for p in PARTS}
        exact = sum(rows[key].values(), Decimal(0))
        out.append(
            {
                "billing_period": meta["period"],
                "usage_period": day.strftime("%Y-%m"),
                "InvoiceId": invoice,
                "InvoiceIssuerName": meta["issuer"],
                "BillingAccountId": meta["account"],
                "provider": provider,
                "tenant_id": tenant,
                "feature": feature,
                "environment": env,
                "model": model,
                "token_kind": kind,
                "charge_date": day,
                "allocation_level": level,
                "billing_currency": meta["currency"],
                **{f"{p}_cost": parts[p] for p in PARTS},
                "allocated_cost": sum(parts.values(), Decimal(0)),
                "exact_cost": exact.quantize(EXACT18),
            }
        )
    return out
