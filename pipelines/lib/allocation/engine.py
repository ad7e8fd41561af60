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
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_FLOOR, Decimal, localcontext

import polars as pl

from pipelines.lib.invoices.lines import CORRECTION, MONEY_DTYPE, month_start, next_month
from pipelines.lib.money import CENT, round_cents

UNALLOCATED = "__unallocated__"
PARTS = ("usage", "residual", "correction", "tax", "credit")
LEVELS = ("exact", "model_day", "model_period", "provider_period", "unallocated")
EXACT18 = Decimal("1e-18")
CENTS_DTYPE = pl.Decimal(38, 2)

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
    "list_cost": MONEY_DTYPE,
    "contracted_cost": MONEY_DTYPE,
    "currency": pl.String(),
}

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
    "usage_cost": CENTS_DTYPE,
    "residual_cost": CENTS_DTYPE,
    "correction_cost": CENTS_DTYPE,
    "tax_cost": CENTS_DTYPE,
    "credit_cost": CENTS_DTYPE,
    "allocated_cost": CENTS_DTYPE,
    "exact_cost": MONEY_DTYPE,
}

FxLookup = Callable[[date, str, str], Decimal | None]


def apportion(exact: list[Decimal], total: Decimal, quantum: Decimal = CENT) -> list[Decimal]:
    """Round signed exact values to multiples of `quantum` summing to `total` (largest remainder).

    Each value is floored, then the missing units go one by one to the largest fractional parts
    (ties to the earlier index); a negative difference takes units from the smallest fractions.
    A negative total is apportioned on the mirrored values, so credits round like charges.
    """
    if total != total.quantize(quantum):
        raise ValueError(f"total {total} is not a multiple of {quantum}")
    if not exact:
        if total:
            raise ValueError("cannot apportion a non-zero total over no values")
        return []
    if total < 0:  # mirror, so credits round like charges (as money.largest_remainder does)
        return [-v for v in apportion([-e for e in exact], -total, quantum)]
    with localcontext() as ctx:
        ctx.prec = 80
        scaled = [e / quantum for e in exact]
        floors = [int(s.to_integral_value(rounding=ROUND_FLOOR)) for s in scaled]
        fractions = [s - f for s, f in zip(scaled, floors, strict=True)]
    left = int((total / quantum).to_integral_value()) - sum(floors)
    n = len(exact)
    if left >= 0:
        order = sorted(range(n), key=lambda i: (-fractions[i], i))
        step = 1
    else:
        order = sorted(range(n), key=lambda i: (fractions[i], i))
        step = -1
    for k in range(abs(left)):
        floors[order[k % n]] += step
    return [quantum * f for f in floors]


def controlled_round(
    exact: list[list[Decimal]],
    row_totals: list[Decimal],
    col_totals: list[Decimal],
    quantum: Decimal = CENT,
) -> list[list[Decimal]]:
    """Round a table of exact amounts to cents so each row adds up to its rounded row total and
    each column to its rounded column total (both apportioned from the same grand total, so each
    is the floor or the ceiling of its exact sum).

    Every entry starts at its floor and may only move up to its ceiling (an entry that is already
    a whole number of cents never moves: no cent appears where there was no amount). Cents go first
    to the largest fractions whose row and column both miss one; the rest are placed along
    augmenting paths (row -> column -> row that gives up that column's cent -> ...). When the two
    sets of margins cannot be met together it raises ArithmeticError (the caller then rounds each
    column on its own).
    """
    with localcontext() as ctx:
        ctx.prec = 80
        scaled = [[e / quantum for e in row] for row in exact]
    n, width = len(scaled), len(col_totals)
    cells = [[int(v.to_integral_value(rounding=ROUND_FLOOR)) for v in row] for row in scaled]
    can = [[scaled[i][j] != cells[i][j] for j in range(width)] for i in range(n)]
    row_need = [int(t / quantum) - sum(r) for t, r in zip(row_totals, cells, strict=True)]
    col_need = [int(col_totals[j] / quantum) - sum(r[j] for r in cells) for j in range(width)]
    raised: list[set[int]] = [set() for _ in range(width)]  # rows given this column's extra cent
    order = sorted(
        ((scaled[i][j] - cells[i][j], i, j) for i in range(n) for j in range(width) if can[i][j]),
        key=lambda t: (-t[0], t[1], t[2]),
    )
    for _fraction, i, j in order:
        if row_need[i] > 0 and col_need[j] > 0:
            raised[j].add(i)
            row_need[i] -= 1
            col_need[j] -= 1
    for i in range(n):
        while row_need[i] > 0 and _augment(i, can, raised, col_need, width):
            row_need[i] -= 1
    if any(row_need) or any(col_need):
        raise ArithmeticError("controlled rounding found no placement for every cent")
    for j, rows_raised in enumerate(raised):
        for i in rows_raised:
            cells[i][j] += 1
    return [[quantum * v for v in row] for row in cells]


def _augment(
    start: int, can: list[list[bool]], raised: list[set[int]], col_need: list[int], width: int
) -> bool:
    """Give row `start` one more cent along a path ending in a column that still needs one."""
    parent: dict[int, tuple[int, int | None]] = {}  # column -> (row, column that row gave up)
    frontier = [(start, None)]
    seen_rows = {start}
    while frontier:
        next_frontier = []
        for row, gave_up in frontier:
            for j in range(width):
                if j in parent or not can[row][j] or row in raised[j]:
                    continue
                parent[j] = (row, gave_up)
                if col_need[j] > 0:
                    col_need[j] -= 1
                    column: int | None = j
                    while column is not None:
                        r, previous = parent[column]
                        raised[column].add(r)
                        if previous is not None:
                            raised[previous].discard(r)
                        column = previous
                    return True
                for other in list(raised[j]):
                    if other not in seen_rows:
                        seen_rows.add(other)
                        next_frontier.append((other, j))
        frontier = next_frontier
    return False


def _split(amount: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """Proportional shares at 60 significant digits (their sum misses `amount` by < 1e-50;
    the cents are fixed per invoice by `apportion`). Equal weights give equal shares, so
    rounding ties stay with the earlier row."""
    total = sum(weights, Decimal(0))
    with localcontext() as ctx:
        ctx.prec = 60
        return [amount * w / total for w in weights]


def _days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days)]


def _months(start: date, end: date) -> list[date]:
    months, month = [], month_start(start)
    while month < end:
        months.append(month)
        month = next_month(month)
    return months


@dataclass
class _Cells:
    rows: list[tuple]
    weight: list[Decimal]
    tokens: list[int]
    cost: list[Decimal | None]
    by_kind_day: dict = field(default_factory=lambda: defaultdict(list))
    by_model_day: dict = field(default_factory=lambda: defaultdict(list))
    by_model_month: dict = field(default_factory=lambda: defaultdict(list))
    by_provider_month: dict = field(default_factory=lambda: defaultdict(list))

    @classmethod
    def build(cls, usage_cells: pl.DataFrame) -> _Cells:
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
class _Group:
    invoice: str
    category: str
    correction: bool
    provider: str
    model: str | None
    kind: str | None
    start: date
    end: date


def _group_lines(lines: pl.DataFrame) -> tuple[dict[_Group, Decimal], dict[str, dict]]:
    groups: dict[_Group, Decimal] = defaultdict(Decimal)
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
        key = _Group(inv, cat, cls == CORRECTION, provider, model, kind, s, e)
        groups[key] += amount
    return groups, invoices


def _is_usage_like(group: _Group) -> bool:
    return group.category == "Usage" or (group.category == "Adjustment" and group.model is not None)


def allocate(
    invoice_lines: pl.DataFrame,
    usage_cells: pl.DataFrame,
    fx: FxLookup | None = None,
) -> pl.DataFrame:
    """Allocated rows (`ALLOCATED_COLUMNS`): every invoice line, to the cent per invoice."""
    cells = _Cells.build(usage_cells)
    groups, invoices = _group_lines(invoice_lines)
    usage_taken: set[int] = set()
    out: list[dict] = []
    by_invoice: dict[str, list[_Group]] = defaultdict(list)
    for group in sorted(groups, key=_group_order):
        by_invoice[group.invoice].append(group)
    for invoice in sorted(by_invoice):
        meta = invoices[invoice]
        rows: dict[tuple, dict[str, Decimal]] = {}
        share_groups = []
        for group in by_invoice[invoice]:
            if not _is_usage_like(group):
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


def _group_order(group: _Group) -> tuple:
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


def _row_key(cell: tuple, group: _Group, level: str) -> tuple:
    tenant, feature, env, provider, model, kind, day, _ccy = cell
    return (tenant, feature, env, provider, group.model or model, group.kind or kind, day, level)


def _unallocated_key(group: _Group) -> tuple:
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


def _candidates(group: _Group, cells: _Cells) -> Iterator[tuple[str, list[int]]]:
    """The widening levels, narrowest first, each with its cells (computed lazily)."""
    days = _days(group.start, group.end)
    months = _months(group.start, group.end)
    p, m, k = group.provider, group.model, group.kind
    if m is not None and k is not None:
        yield "exact", [i for d in days for i in cells.by_kind_day.get((p, m, k, d), ())]
    if m is not None:
        yield "model_day", [i for d in days for i in cells.by_model_day.get((p, m, d), ())]
        yield "model_period", [i for mo in months for i in cells.by_model_month.get((p, m, mo), ())]
    yield "provider_period", [i for mo in months for i in cells.by_provider_month.get((p, mo), ())]


def _allocate_usage(
    group: _Group,
    amount: Decimal,
    cells: _Cells,
    rows: dict,
    usage_taken: set[int],
    currency: str,
    fx: FxLookup | None,
) -> None:
    for level, idx in _candidates(group, cells):
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
    group: _Group, amount: Decimal, part: str, usage_weights: dict, cells: _Cells, rows: dict
) -> None:
    keys = [k for k, w in sorted(usage_weights.items(), key=lambda kv: _sortable(kv[0])) if w > 0]
    if keys:
        shares = _split(amount, [usage_weights[k] for k in keys])
        for key, share in zip(keys, shares, strict=True):
            _add(rows, key, part, share)
        return
    for level, idx in _candidates(group, cells):
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


def invoice_check(invoice_lines: pl.DataFrame, allocated: pl.DataFrame) -> pl.DataFrame:
    """Per InvoiceId: the invoice total (exact line sum to the cent) next to Σ allocated_cost."""
    _groups, invoices = _group_lines(invoice_lines)
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
            "invoice_total": pl.Decimal(38, 2),
            "allocated_total": pl.Decimal(38, 2),
            "unallocated": pl.Decimal(38, 2),
            "matches": pl.Boolean(),
        },
        orient="row",
    )
