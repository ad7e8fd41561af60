"""The sample's revenue side: catalog/revenue.csv, catalog/internal_rates.csv and one Stripe
Dashboard invoice export under billing/stripe/.

The story: `initech` is on a small plan and its October runaway makes it lose money on LLM cost
alone; `stark-industries` is thin; `account_summary`'s internal price per accepted output is
below what one costs (the under-priced feature). `hooli` is billed through Stripe (its
billing_customer_id in tenants.csv), one of its invoices voided (skipped by the import rule).
"""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from pathlib import Path

from pipelines.lib.sample import stories as st
from pipelines.money import months_of, next_month

# tenant -> billing system customer id (written to tenants.csv)
BILLING_CUSTOMERS = {"hooli": "cus_QhR7m2X9sLp4Tn"}
# Monthly plans: tenant -> (currency, [(feature or "", amount, description)])
PLANS = {
    "globex": (
        "USD",
        [
            ("", "240.00", "Enterprise platform fee"),
            ("account_summary", "120.00", "Account summaries add-on"),
            ("email_copilot", "60.00", "Email copilot add-on"),
        ],
    ),
    st.RUNAWAY_TENANT: ("USD", [("", "20.00", "Starter plan")]),
    "northwind-eu.01": ("EUR", [("", "180.00", "Enterprise EU plan")]),
    "umbrella": ("USD", [("", "60.00", "Growth plan")]),
    "stark-industries": ("USD", [("", "45.00", "Team plan")]),
    "wayne-ent": ("USD", [("", "30.00", "Team plan")]),
}
STRIPE_PLAN = ("hooli", "usd", "150.00", "12.00", "Growth plan")
# feature -> (unit, rate, currency)
INTERNAL_RATES = (
    ("account_summary", "accepted_output", "0.15", "USD"),
    ("email_copilot", "request", "0.008", "USD"),
    ("faq_assistant", "request", "0.004", "USD"),
    ("ticket_classification", "1000000 Tokens", "2.50", "USD"),
)
STRIPE_COLUMNS = (
    "id",
    "Number",
    "Customer",
    "Customer Name",
    "Customer Email",
    "Status",
    "Currency",
    "Subtotal",
    "Tax",
    "Total",
    "Amount Due",
    "Amount Paid",
    "Amount Remaining",
    "Date (UTC)",
    "Period Start (UTC)",
    "Period End (UTC)",
    "Description",
)


def _csv(rows: list[tuple], header: tuple[str, ...]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows([header, *rows])
    return buf.getvalue()


def revenue_csv(start: date, end: date) -> str:
    """One row per tenant, month and plan line."""
    rows = []
    for month in months_of(start, end):
        for tenant, (currency, lines) in PLANS.items():
            for feature, amount, description in lines:
                rows.append(
                    (tenant, month.strftime("%Y-%m"), amount, currency, feature, description)
                )
    header = ("tenant_id", "billing_period", "amount", "currency", "feature", "description")
    return _csv(rows, header)


def internal_rates_csv(start: date) -> str:
    """One open-ended rate per feature from the first sample month."""
    first = date(start.year, start.month, 1).isoformat()
    rows = [(f, unit, rate, cur, first, "") for f, unit, rate, cur in INTERNAL_RATES]
    return _csv(rows, ("feature", "unit", "rate", "currency", "valid_from", "valid_to"))


def stripe_export_csv(start: date, end: date) -> str:
    """The Dashboard invoice export of the Stripe-billed tenant: one paid invoice a month, and
    one voided duplicate in the last month."""
    tenant, currency, subtotal, tax, description = STRIPE_PLAN
    customer = BILLING_CUSTOMERS[tenant]
    total = str(Decimal(subtotal) + Decimal(tax))
    rows = []
    for n, month in enumerate(months_of(start, end), start=1):
        period_end = next_month(month)
        row = (
            f"in_1S{month:%Y%m}Hq{n:02d}xR",
            f"HOOLI-{n:04d}",
            customer,
            "Hooli",
            "billing@hooli.example",
            "paid",
            currency,
            subtotal,
            tax,
            total,
            total,
            total,
            "0.00",
            f"{month:%Y-%m-%d} 00:00:00",
            f"{month:%Y-%m-%d} 00:00:00",
            f"{period_end:%Y-%m-%d} 00:00:00",
            description,
        )
        rows.append(row)
    void = list(rows[-1])
    void[0], void[1], void[5], void[11] = void[0] + "V", void[1] + "-V", "void", "0.00"
    rows.append(tuple(void))
    return _csv(rows, STRIPE_COLUMNS)


def write_revenue_inputs(out_dir: Path, start: date, end: date) -> list[Path]:
    """Write the three files; returns their paths."""
    files = {
        out_dir / "catalog" / "revenue.csv": revenue_csv(start, end),
        out_dir / "catalog" / "internal_rates.csv": internal_rates_csv(start),
        out_dir / "billing" / "stripe" / "invoices.csv": stripe_export_csv(start, end),
    }
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="")
    return list(files)
