"""Schema of stg_revenue (what each tenant was billed, from every revenue input)."""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from pipelines.money import Money
from schemas.fields import f, opt

TABLE = "stg_revenue"
SOURCES = ("revenue_csv", "stripe_csv", "stripe_api", "generic_billing_csv")


class StgRevenue(pa.DataFrameModel):
    """Revenue lines from catalog/revenue.csv, Stripe invoice exports (Dashboard CSV, API JSON)
    and generic billing CSVs under `<input>/billing/`, mapped to tenants (full reload each run).
    Lines of one tenant and month add up. Only paid and open Stripe invoices count.

    Grain: one row per input line (source_file, source_line).
    """

    tenant_id: str = f("Tenant billed (billing customers mapped with tenants.csv)")
    billing_period: str = f("Month the revenue belongs to, YYYY-MM", str_matches=r"^\d{4}-\d{2}$")
    feature: str = opt("Feature the line pays for; NULL = the tenant as a whole")
    amount: Money = f("Amount billed in major units, exact DECIMAL(38,18), tax excluded")
    currency: str = f("ISO 4217 currency of amount", str_length=3)
    description: str = opt("Free-text description from the input")
    source: str = f("Input kind", isin=SOURCES)
    billing_customer_id: str = opt("Customer id in the billing system (Stripe cus_...)")
    invoice_id: str = opt("Invoice id in the billing system")
    invoice_status: str = opt("Stripe invoice status (paid or open)")
    source_file: str = f("Input file, relative to the input folder")
    source_line: pl.Int64 = f("CSV line (header = 1) or JSON invoice position (1-based)", ge=1)

    class Config:
        strict = True
        ordered = True
        unique = ("source_file", "source_line")


MODEL = StgRevenue
