"""Every revenue input of an input folder, mapped to tenants.

    <input>/catalog/revenue.csv              tenant_id, billing_period, amount, currency[, ...]
    <input>/billing/stripe/**/*.csv          Stripe Dashboard invoice export
    <input>/billing/stripe/**/*.json         Stripe API Invoice objects (object, list or array)
    <input>/billing/generic/**/*.csv         customer_id, billing_period, amount, currency[, ...]

A malformed value stops the run with `file:line:field` (`RevenueError`). A well-formed line that
belongs to no known tenant (a tenant id missing from tenants.csv, or a billing customer no tenant
lists in `billing_customer_id`) is quarantined with the reason and counted, never dropped
silently. Skipped Stripe invoices (draft, void, uncollectible) are counted, and a Stripe
invoice id found in two files is counted once (refused if the two disagree).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from pipelines.lib.catalog import BILLING_CUSTOMER_COLUMN, load_billing_customers, load_tenants
from pipelines.lib.margin.generic_billing import read_generic_billing
from pipelines.lib.margin.lines import (
    RevenueError,
    lines_frame,
    quarantine_frame,
    where,
    where_record,
)
from pipelines.lib.margin.revenue_csv import read_revenue_csv
from pipelines.lib.margin.stripe_invoices import (
    API_SOURCE,
    CSV_SOURCE,
    read_stripe_csv,
    read_stripe_json,
)

STRIPE_SOURCES = (CSV_SOURCE, API_SOURCE)


@dataclass(frozen=True)
class RevenueBatch:
    """What the revenue inputs held."""

    lines: pl.DataFrame  # REVENUE_COLUMNS
    quarantined: pl.DataFrame  # QUARANTINE_COLUMNS
    files: list[str]
    skipped_invoices: int
    duplicate_invoices: int = 0  # Stripe invoices found again in another file, counted once


def _files(root: Path, pattern: str) -> list[Path]:
    return sorted(p for p in root.glob(pattern) if p.is_file()) if root.exists() else []


def read_revenue(input_path: Path) -> RevenueBatch:
    """All revenue lines of `input_path` (an absent input means none)."""
    tenants_path = input_path / "catalog" / "tenants.csv"
    known = (
        set(load_tenants(tenants_path)["tenant_id"].to_list()) if tenants_path.exists() else None
    )
    customers = load_billing_customers(tenants_path) if tenants_path.exists() else {}
    raw: list[dict] = []
    files: list[str] = []
    skipped = 0

    def label(path: Path) -> str:
        return path.relative_to(input_path).as_posix()

    revenue_csv = input_path / "catalog" / "revenue.csv"
    if revenue_csv.exists():
        files.append(label(revenue_csv))
        raw += read_revenue_csv(revenue_csv, label(revenue_csv))
    stripe = input_path / "billing" / "stripe"
    for path in _files(stripe, "**/*.csv"):
        rows, n = read_stripe_csv(path, label(path))
        files.append(label(path))
        raw += rows
        skipped += n
    for path in _files(stripe, "**/*.json"):
        rows, n = read_stripe_json(path, label(path))
        files.append(label(path))
        raw += rows
        skipped += n
    for path in _files(input_path / "billing" / "generic", "**/*.csv"):
        files.append(label(path))
        raw += read_generic_billing(path, label(path))
    raw, duplicates = _once_per_stripe_invoice(raw)
    lines, quarantined = [], []
    for row in raw:
        customer = row.get("billing_customer_id")
        if customer is not None:
            row["tenant_id"] = customers.get(customer)
            if row["tenant_id"] is None:
                quarantined.append(
                    _reject(
                        row,
                        "customer",
                        f"billing customer maps to no tenant (add it to "
                        f"{BILLING_CUSTOMER_COLUMN} in catalog/tenants.csv)",
                    )
                )
                continue
        elif known is not None and row["tenant_id"] not in known:
            quarantined.append(_reject(row, "tenant_id", "tenant_id not in catalog/tenants.csv"))
            continue
        lines.append(row)
    return RevenueBatch(
        lines_frame(lines), quarantine_frame(quarantined), files, skipped, duplicates
    )


def _once_per_stripe_invoice(rows: list[dict]) -> tuple[list[dict], int]:
    """Count a Stripe invoice once when two files hold it (the Dashboard export and the API
    JSON, or an export saved twice); the same id with other figures is refused."""
    first: dict[str, dict] = {}
    kept, duplicates = [], 0
    for row in rows:
        if row["source"] not in STRIPE_SOURCES:
            kept.append(row)
            continue
        seen = first.get(row["invoice_id"])
        if seen is None:
            first[row["invoice_id"]] = row
            kept.append(row)
            continue
        figures = ("billing_customer_id", "billing_period", "amount", "currency")
        if any(seen[f] != row[f] for f in figures):
            at = (where_record if row["source"] == API_SOURCE else where)(
                row["source_file"], row["source_line"], "id"
            )
            raise RevenueError(
                f"{at}: Stripe invoice "
                f"{row['invoice_id']} is also in {seen['source_file']} (line/record "
                f"{seen['source_line']}) with other customer, month, amount or currency"
            )
        duplicates += 1
    return kept, duplicates


def _reject(row: dict, field: str, reason: str) -> dict:
    return {
        "source_file": row["source_file"],
        "source_line": row["source_line"],
        "invoice_id": row.get("invoice_id"),
        "billing_customer_id": row.get("billing_customer_id"),
        "field": field,
        "reason": reason,
    }
