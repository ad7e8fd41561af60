"""The chargeback of one month: one row per tenant × feature × environment × provider × model.

Rows come from two sides: the logs (requests, tokens, list and contracted cost) and the allocated
invoices (usage, residual, correction, tax and credit parts). A provider whose invoice for the month
has arrived is `final` (allocated_cost = its invoice lines); a provider without one is
`provisional` (allocated_cost = logged usage at contracted prices, rounded with the largest
remainder per provider). The month is the month the usage happened: a correction billed on a later
invoice lands in the month it corrects (which is then re-issued, see `export`).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

import polars as pl

from pipelines.lib.allocation.cells import UNALLOCATED
from pipelines.lib.allocation.engine import CENTS_DTYPE
from pipelines.lib.allocation.fx import FxRates
from pipelines.lib.allocation.rounding import apportion
from pipelines.lib.invoices.lines import parse_month
from pipelines.lib.money import round_cents

PROVISIONAL = "provisional"
FINAL = "final"
GRAIN = ("tenant_id", "feature", "environment", "provider", "model", "currency")
PARTS = ("usage_cost", "residual_cost", "correction_cost", "tax_cost", "credit_cost")
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
    "list_cost": CENTS_DTYPE,
    "contracted_cost": CENTS_DTYPE,
    "log_currency": pl.String(),
    **{c: CENTS_DTYPE for c in PARTS},
    "allocated_cost": CENTS_DTYPE,
    "currency": pl.String(),
    "previous_allocated_cost": CENTS_DTYPE,
    "change": CENTS_DTYPE,
    "statement_currency": pl.String(),
    "fx_rate": pl.Decimal(38, 12),
    "statement_allocated_cost": CENTS_DTYPE,
    "invoice_ids": pl.String(),
}


def _month_days(period: str) -> tuple[date, date]:
    return parse_month(period)


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
    optionally `currency` (the tenant's statement currency, else `statement_currency`).
    """
    start, end = _month_days(period)
    alloc = allocated.filter(pl.col("usage_period") == period)
    cells = usage_cells.filter((pl.col("charge_date") >= start) & (pl.col("charge_date") < end))
    final_providers = set(
        alloc.filter(pl.col("billing_period") == period)["provider"].unique().to_list()
    )
    rows: dict[tuple, dict] = {}

    def row(tenant, feature, env, provider, model, currency) -> dict:
        key = (tenant, feature, env, provider, model, currency)
        if key not in rows:
            rows[key] = {
                "requests": 0,
                **dict.fromkeys(TOKEN_COLUMNS, 0),
                "list_exact": Decimal(0),
                "contracted_exact": Decimal(0),
                "log_currency": None,
                **{p: Decimal(0) for p in PARTS},
                "invoices": set(),
            }
        return rows[key]

    provider_currency: dict[str, str] = {}
    for r in alloc.iter_rows(named=True):
        provider_currency.setdefault(r["provider"], r["billing_currency"])
        entry = row(
            r["tenant_id"],
            r["feature"],
            r["environment"],
            r["provider"],
            r["model"],
            r["billing_currency"],
        )
        for p in PARTS:
            entry[p] += r[p]
        entry["invoices"].add(r["InvoiceId"])
    by_cell_key: dict[tuple, tuple] = {}
    for r in cells.iter_rows(named=True):
        # unpriced cells have no currency: their (zero) amounts take the invoice's or USD
        currency = provider_currency.get(r["provider"]) or r["currency"] or "USD"
        key = (r["tenant_id"], r["feature"], r["environment"], r["provider"], r["model"])
        by_cell_key[key] = (*key, currency)
        entry = row(*key, currency)
        for column, kinds in TOKEN_COLUMNS.items():
            if r["token_kind"] in kinds:
                entry[column] += int(r["tokens"] or 0)
        entry["list_exact"] += r["list_cost"] or Decimal(0)
        entry["contracted_exact"] += r["contracted_cost"] or Decimal(0)
        entry["log_currency"] = r["currency"]
    counts = request_counts.filter(
        (pl.col("request_date") >= start) & (pl.col("request_date") < end)
    )
    for r in counts.iter_rows(named=True):
        key = (r["tenant_id"], r["feature"], r["environment"], r["provider"], r["model"])
        full = by_cell_key.get(key) or (*key, provider_currency.get(r["provider"], "USD"))
        row(*full)["requests"] += int(r["requests"] or 0)

    keys = sorted(rows, key=lambda k: tuple("" if v is None else str(v) for v in k))
    _round_log_costs(keys, rows)
    for key in keys:
        entry = rows[key]
        provider = key[3]
        if provider in final_providers:
            entry["status"] = FINAL
        else:
            entry["status"] = PROVISIONAL
            entry["usage_cost"] = entry["contracted"]
    tenant_info = {r["tenant_id"]: r for r in tenants.iter_rows(named=True)}
    out = []
    for key in keys:
        tenant, feature, env, provider, model, currency = key
        entry = rows[key]
        info = tenant_info.get(tenant, {})
        parts = {p: entry[p] for p in PARTS}
        out.append(
            {
                "billing_period": period,
                "status": entry["status"],
                "issue": None,
                "tenant_id": tenant,
                "tenant_name": info.get("tenant_name")
                or ("unallocated" if tenant == UNALLOCATED else None),
                "business_unit": info.get("business_unit"),
                "cost_center": info.get("cost_center"),
                "feature": feature,
                "environment": env,
                "provider": provider,
                "model": model,
                "requests": entry["requests"],
                **{c: entry[c] for c in TOKEN_COLUMNS},
                "list_cost": entry["list"],
                "contracted_cost": entry["contracted"],
                "log_currency": entry["log_currency"],
                **parts,
                "allocated_cost": sum(parts.values(), Decimal(0)),
                "currency": currency,
                "previous_allocated_cost": None,
                "change": None,
                "statement_currency": None,
                "fx_rate": None,
                "statement_allocated_cost": None,
                "invoice_ids": ";".join(sorted(entry["invoices"])) or None,
            }
        )
    frame = pl.DataFrame(out, schema=CHARGEBACK_COLUMNS, orient="row")
    return convert_statements(frame, tenant_info, fx or FxRates(), statement_currency, end)


def _round_log_costs(keys: list[tuple], rows: dict[tuple, dict]) -> None:
    """list/contracted cost to cents, largest remainder per provider and log currency."""
    groups: dict[tuple, list[tuple]] = defaultdict(list)
    for key in keys:
        groups[(key[3], rows[key]["log_currency"])].append(key)
    for members in groups.values():
        for exact, target in (("list_exact", "list"), ("contracted_exact", "contracted")):
            values = [rows[k][exact] for k in members]
            total = round_cents(sum(values, Decimal(0)))
            for k, v in zip(members, apportion(values, total), strict=True):
                rows[k][target] = v


def convert_statements(
    frame: pl.DataFrame,
    tenant_info: dict,
    fx: FxRates,
    default_currency: str | None,
    period_end: date,
) -> pl.DataFrame:
    """Fill statement_currency / fx_rate / statement_allocated_cost per tenant (original amounts
    kept). The rate is the latest on or before the month's last day; each tenant's converted rows
    are rounded with the largest remainder to the rounded converted total."""
    day = period_end - timedelta(days=1)
    targets, rates, converted = [], [], [None] * len(frame)
    for tenant, currency in frame.select("tenant_id", "currency").iter_rows():
        info = tenant_info.get(tenant, {})
        target = (info.get("currency") or default_currency or currency or "").upper() or None
        targets.append(target)
        rates.append(fx.rate(day, currency, target) if currency and target else None)
    by_tenant: dict[tuple, list[int]] = defaultdict(list)
    for i, (tenant, target) in enumerate(zip(frame["tenant_id"], targets, strict=True)):
        by_tenant[(tenant, target)].append(i)
    allocated = frame["allocated_cost"].to_list()
    for idx in by_tenant.values():
        if any(rates[i] is None for i in idx):
            continue
        exact = [allocated[i] * rates[i] for i in idx]
        for i, value in zip(
            idx, apportion(exact, round_cents(sum(exact, Decimal(0)))), strict=True
        ):
            converted[i] = value
    return frame.with_columns(
        pl.Series("statement_currency", targets, dtype=pl.String()),
        pl.Series(
            "fx_rate",
            [r.quantize(Decimal("1e-12")) if r is not None else None for r in rates],
            dtype=pl.Decimal(38, 12),
        ),
        pl.Series("statement_allocated_cost", converted, dtype=CENTS_DTYPE),
    )
