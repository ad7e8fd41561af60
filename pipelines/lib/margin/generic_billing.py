"""A generic billing CSV for any other billing system: `customer_id, billing_period, amount,
currency[, feature, description, invoice_id]`, amounts in major units, every row counts."""

from __future__ import annotations

from pathlib import Path

from pipelines.lib.margin.csv_rows import read_rows
from pipelines.lib.margin.lines import (
    parse_amount,
    parse_currency,
    parse_period,
    require_text,
    where,
)

REQUIRED = ("customer_id", "billing_period", "amount", "currency")
OPTIONAL = ("feature", "description", "invoice_id")
SOURCE = "generic_billing_csv"


def read_generic_billing(path: Path, label: str) -> list[dict]:
    """Revenue lines with `billing_customer_id` (the tenant is looked up by the caller)."""
    rows = []
    for line, rec in read_rows(path, REQUIRED, {c: () for c in OPTIONAL}):
        rows.append(
            {
                "billing_customer_id": require_text(
                    rec["customer_id"], where(label, line, "customer_id")
                ),
                "billing_period": parse_period(
                    rec["billing_period"], where(label, line, "billing_period")
                ),
                "feature": rec.get("feature") or None,
                "amount": parse_amount(rec["amount"], where(label, line, "amount")),
                "currency": parse_currency(rec["currency"], where(label, line, "currency")),
                "description": rec.get("description") or None,
                "source": SOURCE,
                "invoice_id": rec.get("invoice_id") or None,
                "invoice_status": None,
                "source_file": label,
                "source_line": line,
            }
        )
    return rows
