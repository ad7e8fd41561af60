"""What the engine allocates to and from: usage cells indexed for the widening levels, and
invoice lines grouped by invoice, category, class, provider, model, token kind and charge period.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

import polars as pl

from pipelines.money import MONEY, month_start, months_of
from schemas.invoices.invoice_line import CORRECTION

UNALLOCATED = "__unallocated__"

# The cells the engine allocates to: logged, priced usage per day and token kind.
USAGE_CELL_COLUMNS: dict[str, pl.DataType] = {
    "tenant_id": pl.String(),
    "feature": pl.String(),
    "environment": pl.String(),
    "provider": pl.String(),
    "model": pl.String(),
    "token_kind": pl.String(),
    "charge_date": pl.Date(),
    "tokens": pl.Int64(),
    "list_cost": MONEY,
    "contracted_cost": MONEY,
    "currency": pl.String(),
}


def days_of(start: date, end: date) -> list[date]:
    """The days of [start, end)."""
    return [start + timedelta(days=i) for i in range((end - start).days)]


@dataclass
class UsageCells:
    """The usage cells as rows, indexed by the keys each allocation level looks up."""

    rows: list[tuple]
    weight: list[Decimal]
    tokens: list[int]
    cost: list[Decimal | None]
    by_kind_day: dict = field(default_factory=lambda: defaultdict(list))
    by_model_day: dict = field(default_factory=lambda: defaultdict(list))
    by_model_month: dict = field(default_factory=lambda: defaultdict(list))
    by_provider_month: dict = field(default_factory=lambda: defaultdict(list))

    @classmethod
    def build(cls, usage_cells: pl.DataFrame) -> UsageCells:
        """Index the usage cells frame (USAGE_CELL_COLUMNS) for the allocation."""
        frame = usage_cells.select(list(USAGE_CELL_COLUMNS)).sort(
            [
                "provider",
                "model",
                "token_kind",
                "charge_date",
                "tenant_id",
                "feature",
                "environment",
            ],
            nulls_last=True,
        )
        cells = cls([], [], [], [])
        for i, row in enumerate(frame.iter_rows()):
            tenant, feature, env, provider, model, kind, day, tokens, _lc, cc, ccy = row
            cells.rows.append((tenant, feature, env, provider, model, kind, day, ccy))
            cells.tokens.append(int(tokens or 0))
            cells.cost.append(cc)
            cells.weight.append(cc if cc is not None and cc > 0 else Decimal(0))
            cells.by_kind_day[(provider, model, kind, day)].append(i)
            cells.by_model_day[(provider, model, day)].append(i)
            cells.by_model_month[(provider, model, month_start(day))].append(i)
            cells.by_provider_month[(provider, month_start(day))].append(i)
        return cells

    def weights(self, idx: list[int]) -> list[Decimal] | None:
        """Cost weights, token weights when every cost is 0, None when nothing was used."""
        weights = [self.weight[i] for i in idx]
        if sum(weights, Decimal(0)) > 0:
            return weights
        tokens = [Decimal(self.tokens[i]) for i in idx]
        return tokens if sum(tokens, Decimal(0)) > 0 else None


@dataclass(frozen=True)
class LineGroup:
    """Invoice lines allocated together: same invoice, category, model, token kind, period."""

    invoice: str
    category: str
    correction: bool
    provider: str
    model: str | None
    kind: str | None
    start: date
    end: date


def group_lines(lines: pl.DataFrame) -> tuple[dict[LineGroup, Decimal], dict[str, dict]]:
    """Sum the invoice lines per LineGroup; also each invoice's header fields."""
    groups: dict[LineGroup, Decimal] = defaultdict(Decimal)
    invoices: dict[str, dict] = {}
    cols = [
        "InvoiceId",
        "InvoiceIssuerName",
        "BillingAccountId",
        "BillingPeriodStart",
        "billing_currency",
        "ChargeCategory",
        "ChargeClass",
        "provider",
        "model",
        "token_kind",
        "ChargePeriodStart",
        "ChargePeriodEnd",
        "billed_cost",
    ]
    for row in lines.select(cols).iter_rows():
        inv, issuer, account, period, ccy, cat, cls, provider, model, kind, s, e, amount = row
        invoices.setdefault(
            inv,
            {
                "issuer": issuer,
                "account": account,
                "currency": ccy,
                "period": period.strftime("%Y-%m"),
                "total": Decimal(0),
            },
        )
        invoices[inv]["total"] += amount
        key = LineGroup(inv, cat, cls == CORRECTION, provider, model, kind, s, e)
        groups[key] += amount
    return groups, invoices


def is_usage_like(group: LineGroup) -> bool:
    """Whether the group is allocated like usage (usage, or an adjustment naming a model)."""
    return group.category == "Usage" or (group.category == "Adjustment" and group.model is not None)


def group_order(group: LineGroup) -> tuple:
    """Sort key that allocates the groups in a fixed order."""
    return (
        group.invoice,
        group.correction,
        group.category,
        group.provider,
        group.model or "",
        group.kind or "",
        group.start,
        group.end,
    )


def widening_levels(group: LineGroup, cells: UsageCells) -> Iterator[tuple[str, list[int]]]:
    """The widening levels, narrowest first, each with its cells (computed lazily)."""
    days = days_of(group.start, group.end)
    months = months_of(group.start, group.end)
    p, m, k = group.provider, group.model, group.kind
    if m is not None and k is not None:
        yield "exact", [i for d in days for i in cells.by_kind_day.get((p, m, k, d), ())]
    if m is not None:
        yield "model_day", [i for d in days for i in cells.by_model_day.get((p, m, d), ())]
        yield "model_period", [i for mo in months for i in cells.by_model_month.get((p, m, mo), ())]
    yield "provider_period", [i for mo in months for i in cells.by_provider_month.get((p, mo), ())]
