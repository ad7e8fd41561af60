"""`<input>/catalog/revenue.csv`: `tenant_id, billing_period, amount, currency[, feature,
description]`, amounts in major units; rows of one tenant and month add up."""

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

REQUIRED = ("tenant_id", "billing_period", "amount", "currency")
OPTIONAL = ("feature", "description")
SOURCE = "revenue_csv"


def read_revenue_csv(path: Path, label: str) -> list[dict]:
    """Revenue lines of the file (`label` is the path shown in lineage and errors)."""
    rows = []
    for line, rec in read_rows(path, REQUIRED, {c: () for c in OPTIONAL}):
        tenant = require_text(rec["tenant_id"], where(label, line, "tenant_id"))
        rows.append(
            {
                "tenant_id": tenant,
                "billing_period": parse_period(
                    rec["billing_period"], where(label, line, "billing_period")
                ),
                "feature": rec.get("feature") or None,
                "amount": parse_amount(rec["amount"], where(label, line, "amount")),
                "currency": parse_currency(rec["currency"], where(label, line, "currency")),
                "description": rec.get("description") or None,
                "source": SOURCE,
                "billing_customer_id": None,
                "invoice_id": None,
                "invoice_status": None,
                "source_file": label,
                "source_line": line,
            }
        )
    return rows
