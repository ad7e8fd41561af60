"""The chargeback of one month: one row per tenant × feature × environment × provider × model ×
currency × invoice.

Rows come from two sides: the logs (requests, tokens, list and contracted cost) and the allocated
invoices (usage, residual, correction, tax and credit parts). A provider whose invoice for the
month has arrived is `final` (allocated_cost = its invoice lines); a provider without one is
`provisional` (allocated_cost = logged usage at contracted prices, in the logs' currency, rounded
with the largest remainder per provider). The month is the month the usage happened: a correction
billed on a later invoice lands in the month it corrects (which is then re-issued, see `export`),
on its own row (one invoice per row).

The logged figures of a cell sit on one row only: the row of the invoice billed for the month (or,
without one, a row with no invoice), so summing any column never counts a request twice. An
unknown amount stays NULL (blank in the CSV), never 0.00.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

import polars as pl

from pipelines.lib.invoices.allocation.cells import UNALLOCATED
from pipelines.lib.invoices.allocation.fx import FxRates
from pipelines.lib.invoices.allocation.rounding import apportion
from pipelines.lib.invoices.lines import parse_month
from pipelines.money import CENTS, RATIO, round_cents

PROVISIONAL = "provisional"
FINAL = "final"
CELL = ("tenant_id", "feature", "environment", "provider", "model")
GRAIN = (*CELL, "currency", "invoice_id")
PARTS = ("usage_cost", "residual_cost", "correction_cost", "tax_cost", "credit_cost")
RATE_QUANTUM = Decimal("1e-12")
TOKEN_COLUMNS = {  # chargeback column <- cell token kinds
    "input_tokens": ("input",),
    "cache_read_tokens": ("cache_read",),
    "cache_write_tokens": ("cache_write", "cache_write_1h"),
    "cache_write_1h_tokens": ("cache_write_1h",),
    "output_tokens": ("output",),
}

CHARGEBACK_COLUMNS: dict[str, pl.DataType] = {
    "billing_period": pl.String(),
    "status": pl.String(),
    "issue": pl.Int64(),
    "tenant_id": pl.String(),
    "tenant_name": pl.String(),
    "business_unit": pl.String(),
    "cost_center": pl.String(),
    "feature": pl.String(),
    "environment": pl.String(),
    "provider": pl.String(),
    "model": pl.String(),
    "requests": pl.Int64(),
    **{c: pl.Int64() for c in TOKEN_COLUMNS},
    "list_cost": CENTS,
    "contracted_cost": CENTS,
    "log_currency": pl.String(),
    **{c: CENTS for c in PARTS},
    "allocated_cost": CENTS,
    "currency": pl.String(),
    "previous_allocated_cost": CENTS,
    "change": CENTS,
    "statement_currency": pl.String(),
    "fx_rate": RATIO,
    "statement_allocated_cost": CENTS,
    "invoice_id": pl.String(),
    "invoice_billing_period": pl.String(),
}


class _Log:
    """The logged figures of one cell (exact; one unknown cost makes the sum unknown)."""

    def __init__(self) -> None:
        self.requests = 0
        self.tokens = dict.fromkeys(TOKEN_COLUMNS, 0)
        self.list_exact: Decimal | None = Decimal(0)
        self.contracted_exact: Decimal | None = Decimal(0)
        self.currency: str | None = None
        self.priced = False  # some cell carries a cost

    def add_cell(self, r: dict) -> None:
        for column, kinds in TOKEN_COLUMNS.items():
            if r["token_kind"] in kinds:
                self.tokens[column] += int(r["tokens"] or 0)
        self.list_exact = _plus(self.list_exact, r["list_cost"])
        self.contracted_exact = _plus(self.contracted_exact, r["contracted_cost"])
        self.currency = self.currency or r["currency"]


def _plus(total: Decimal | None, value: Decimal | None) -> Decimal | None:
    return None if total is None or value is None else total + value


def build_chargeback(
    period: str,
    allocated: pl.DataFrame,
    usage_cells: pl.DataFrame,
    request_counts: pl.DataFrame,
    tenants: pl.DataFrame,
    fx: FxRates | None = None,
    statement_currency: str | None = None,
) -> pl.DataFrame:
    """The month's chargeback rows (`CHARGEBACK_COLUMNS`, issue/previous columns left to export).

    `usage_cells`: USAGE_CELL_COLUMNS; `request_counts`: tenant_id, feature, environment, provider,
    model, request_date, requests; `tenants`: tenant_id, tenant_name, business_unit, cost_center and
    optionally `currency` (the tenant's statement currency, else `statement_currency`, else the
    main currency of its business unit, see `convert_statements`).
    """
    start, end = parse_month(period)
    alloc = allocated.filter(pl.col("usage_period") == period)
    cells = usage_cells.filter((pl.col("charge_date") >= start) & (pl.col("charge_date") < end))
    home = alloc.filter(pl.col("billing_period") == period)
    final_providers = set(home["provider"].unique().to_list())
    provider_currency: dict[str, str] = {}
    for provider, currency in home.select("provider", "billing_currency").iter_rows():
        provider_currency.setdefault(provider, currency)

    logs: dict[tuple, _Log] = defaultdict(_Log)
    for r in cells.iter_rows(named=True):
        logs[tuple(r[c] for c in CELL)].add_cell(r)
    counts = request_counts.filter(
        (pl.col("request_date") >= start) & (pl.col("request_date") < end)
    )
    for r in counts.iter_rows(named=True):
        logs[tuple(r[c] for c in CELL)].requests += int(r["requests"] or 0)

    rows: dict[tuple, dict] = {}
    for r in alloc.iter_rows(named=True):
        key = (*(r[c] for c in CELL), r["billing_currency"], r["InvoiceId"])
        entry = rows.setdefault(
            key, {"parts": {p: Decimal(0) for p in PARTS}, "billed": r["billing_period"]}
        )
        for p in PARTS:
            entry["parts"][p] += r[p]
    log_rows = _place_logs(logs, rows, final_providers, provider_currency, period)

    keys = sorted(rows, key=lambda k: tuple("" if v is None else str(v) for v in k))
    _round_log_costs(keys, rows, log_rows)
    tenant_info = {r["tenant_id"]: r for r in tenants.iter_rows(named=True)}
    out = []
    for key in keys:
        cell, currency, invoice = key[:5], key[5], key[6]
        entry, log = rows[key], log_rows.get(key)
        provisional = cell[3] not in final_providers
        parts = dict(entry["parts"])
        if provisional and log is not None:
            parts["usage_cost"] = entry.get("contracted")
        info = tenant_info.get(cell[0], {})
        out.append(
            {
                "billing_period": period,
                "status": PROVISIONAL if provisional else FINAL,
                "issue": None,
                "tenant_id": cell[0],
                "tenant_name": info.get("tenant_name")
                or ("unallocated" if cell[0] == UNALLOCATED else None),
                "business_unit": info.get("business_unit"),
                "cost_center": info.get("cost_center"),
                "feature": cell[1],
                "environment": cell[2],
                "provider": cell[3],
                "model": cell[4],
                "requests": log.requests if log else 0,
                **{c: (log.tokens[c] if log else 0) for c in TOKEN_COLUMNS},
                "list_cost": entry.get("list"),
                "contracted_cost": entry.get("contracted"),
                "log_currency": log.currency if log else None,
                **parts,
                "allocated_cost": None
                if any(v is None for v in parts.values())
                else sum(parts.values(), Decimal(0)),
                "currency": currency,
                "previous_allocated_cost": None,
                "change": None,
                "statement_currency": None,
                "fx_rate": None,
                "statement_allocated_cost": None,
                "invoice_id": invoice,
                "invoice_billing_period": entry.get("billed"),
            }
        )
    frame = pl.DataFrame(out, schema=CHARGEBACK_COLUMNS, orient="row")
    return convert_statements(frame, tenant_info, fx or FxRates(), statement_currency, end)


def _place_logs(
    logs: dict[tuple, _Log],
    rows: dict[tuple, dict],
    final_providers: set[str],
    provider_currency: dict[str, str],
    period: str,
) -> dict[tuple, _Log]:
    """Put each cell's logged figures on exactly one row: for a final provider, the row of the
    month's own invoice (smallest id when several), else a row without invoice in the invoice's
    currency; for a provisional provider always a row without invoice in the logs' currency
    (a later invoice's correction keeps its own row and currency)."""
    by_cell: dict[tuple, list[tuple]] = defaultdict(list)
    for key, entry in rows.items():
        if entry["billed"] == period:
            by_cell[key[:5]].append(key)
    placed: dict[tuple, _Log] = {}
    for cell, log in logs.items():
        provider = cell[3]
        if provider in final_providers:
            own = sorted(by_cell.get(cell, []), key=lambda k: k[6])
            key = own[0] if own else (*cell, provider_currency[provider], None)
        else:
            key = (*cell, log.currency or _provider_log_currency(logs, provider), None)
        rows.setdefault(key, {"parts": {p: Decimal(0) for p in PARTS}, "billed": None})
        placed[key] = log
    return placed


def _provider_log_currency(logs: dict[tuple, _Log], provider: str) -> str | None:
    """The logs' currency of any priced cell of `provider` (an unpriced cell has none)."""
    found = sorted({log.currency for cell, log in logs.items() if cell[3] == provider} - {None})
    return found[0] if found else None


def _round_log_costs(keys: list[tuple], rows: dict[tuple, dict], logs: dict[tuple, _Log]) -> None:
    """list/contracted cost to cents, largest remainder per provider and log currency; unknown
    costs and rows without logged usage stay NULL."""
    groups: dict[tuple, list[tuple]] = defaultdict(list)
    for key in keys:
        if key in logs:
            groups[(key[3], logs[key].currency)].append(key)
    for members in groups.values():
        for exact, target in (("list_exact", "list"), ("contracted_exact", "contracted")):
            known = [k for k in members if getattr(logs[k], exact) is not None]
            values = [getattr(logs[k], exact) for k in known]
            total = round_cents(sum(values, Decimal(0)))
            for k, v in zip(known, apportion(values, total), strict=True):
                rows[k][target] = v


def statement_currencies(
    frame: pl.DataFrame, tenant_info: dict, default_currency: str | None
) -> dict[str, tuple[str | None, bool]]:
    """(statement currency, explicitly asked for) per tenant: its `currency` in tenants.csv, else
    `default_currency` (COSTLINE_STATEMENT_CURRENCY), else the main currency of its business unit
    in the month (the one carrying the largest allocated amount; ties by code), so one business
    unit is never split into several currencies."""
    weight: dict[tuple, Decimal] = defaultdict(Decimal)
    unit_of: dict[str, str] = {}
    for tenant, unit, currency, amount in frame.select(
        "tenant_id", "business_unit", "currency", "allocated_cost"
    ).iter_rows():
        unit_of[tenant] = f"unit:{unit}" if unit is not None else f"tenant:{tenant}"
        if currency is not None:
            weight[(unit_of[tenant], currency)] += abs(amount or Decimal(0))
    main: dict[str, str] = {}
    for (unit, currency), _amount in sorted(weight.items(), key=lambda kv: (-kv[1], kv[0][1])):
        main.setdefault(unit, currency)
    out = {}
    for tenant, unit in unit_of.items():
        asked = (tenant_info.get(tenant, {}).get("currency") or "").strip().upper()
        asked = asked or (default_currency or "").strip().upper()
        out[tenant] = (asked, True) if asked else (main.get(unit), False)
    return out


def convert_statements(
    frame: pl.DataFrame,
    tenant_info: dict,
    fx: FxRates,
    default_currency: str | None,
    period_end: date,
) -> pl.DataFrame:
    """Fill statement_currency / fx_rate / statement_allocated_cost (original amounts kept).

    The rate is the latest on or before the month's last day, quantised to 12 decimals as shown
    in `fx_rate`, and that shown rate is the one applied: each row's exact amount is
    allocated_cost × fx_rate, and the tenant's rows are rounded with the largest remainder to
    their rounded exact total. When a rate is missing, a currency the tenant asked for (catalog
    or setting) leaves its statement amounts empty (unknown, never a wrong number); the default
    (business unit) currency falls back to the rows' own currencies (fx_rate 1). No amount is
    ever labelled with a currency it is not in.
    """
    day = period_end - timedelta(days=1)
    wanted = statement_currencies(frame, tenant_info, default_currency)
    tenants = frame["tenant_id"].to_list()
    currencies = frame["currency"].to_list()
    allocated = frame["allocated_cost"].to_list()
    rates: list[Decimal | None] = []
    for tenant, currency in zip(tenants, currencies, strict=True):
        target = wanted.get(tenant, (None, False))[0]
        rate = fx.rate(day, currency, target) if currency and target else None
        rates.append(rate.quantize(RATE_QUANTUM) if rate is not None else None)
    convertible: dict[str, bool] = defaultdict(lambda: True)
    for tenant, rate, amount in zip(tenants, rates, allocated, strict=True):
        convertible[tenant] &= rate is not None or amount is None
    targets: list[str | None] = []
    for i, tenant in enumerate(tenants):
        target, asked = wanted.get(tenant, (None, False))
        if convertible[tenant] or asked:
            targets.append(target)
        else:
            targets.append(currencies[i])
            rates[i] = Decimal(1).quantize(RATE_QUANTUM) if currencies[i] else None
    groups: dict[tuple, list[int]] = defaultdict(list)
    for i, (tenant, target) in enumerate(zip(tenants, targets, strict=True)):
        if target is not None and allocated[i] is not None and rates[i] is not None:
            groups[(tenant, target)].append(i)
    converted: list[Decimal | None] = [None] * len(frame)
    for (tenant, _), idx in groups.items():
        if not convertible[tenant] and wanted.get(tenant, (None, False))[1]:
            continue  # asked for a currency without a rate: unknown, not partly converted
        exact = [allocated[i] * rates[i] for i in idx]
        total = round_cents(sum(exact, Decimal(0)))
        for i, value in zip(idx, apportion(exact, total), strict=True):
            converted[i] = value
    return frame.with_columns(
        pl.Series("statement_currency", targets, dtype=pl.String()),
        pl.Series("fx_rate", rates, dtype=RATIO),
        pl.Series("statement_allocated_cost", converted, dtype=CENTS),
    )
