"""Schema of mart_tenant_margin."""

from __future__ import annotations

import pandera.polars as pa

from pipelines.money import Money, Ratio
from schemas.fields import f, opt

TABLE = "mart_tenant_margin"
STATUSES = ("loss", "thin", "ok", "no_revenue", "unknown")


class MartTenantMargin(pa.DataFrameModel):
    """Margin per tenant and month: revenue against all of the tenant's LLM cost (invoiced when the
    month is final, else the contracted estimate). Tenants with cost and no revenue and revenue
    with no cost both appear. Loss and thin tenants first: filter margin_status.

    Grain: billing_period x tenant_id x currency.
    """

    billing_period: str = f("Month, YYYY-MM", str_matches=r"^\d{4}-\d{2}$")
    tenant_id: str = f("Tenant")
    tenant_name: str = opt("Tenant name from tenants.csv")
    business_unit: str = opt("Business unit from tenants.csv")
    currency: str = opt(
        "ISO 4217: the revenue's currency; for cost without revenue, the cost's", str_length=3
    )
    revenue: Money = opt("Revenue of the key in currency, exact; NULL = no revenue line")
    llm_cost: Money = opt(
        "All LLM cost (every environment) converted to currency with the fx.csv rate on or "
        "before the month's first day, exact (18 decimals); 0 without usage; NULL with a reason"
    )
    llm_cost_prod: Money = opt("The production part of llm_cost")
    llm_cost_reason: str = opt(
        "Why llm_cost is NULL (missing fx rate, unpriced requests, revenue in several currencies)"
    )
    cost_basis: str = f(
        "invoiced (the month is final: allocated invoice cost) or estimated (contracted cost)",
        isin=("invoiced", "estimated"),
    )
    gross_margin: Money = opt("revenue - llm_cost")
    llm_cost_share: Ratio = opt(
        "llm_cost / revenue, exact quotient rounded half-even to 12 decimals; NULL if revenue <= 0"
    )
    margin_status: str = f(
        "loss (gross_margin < 0), thin (llm_cost_share > thin_margin_share), ok; no_revenue "
        "(cost without revenue), unknown (llm_cost NULL)",
        isin=STATUSES,
    )
    thin_margin_share: Ratio = f("COSTLINE_THIN_MARGIN_SHARE used (default 0.3)")

    class Config:
        strict = True
        ordered = True
        unique = ("billing_period", "tenant_id", "currency")


MODEL = MartTenantMargin
