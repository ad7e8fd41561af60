"""Small reference tables from `<input>/catalog/`, with errors that name file, line and field."""

from __future__ import annotations

from pathlib import Path

import polars as pl

TENANT_COLUMNS = ("tenant_id", "tenant_name", "business_unit", "cost_center")


class CatalogError(ValueError):
    """A catalog file is malformed; the message names the file, line and field."""


def read_csv_strings(path: Path, required: tuple[str, ...]) -> pl.DataFrame:
    """Read a catalog CSV as strings, with a `line` column (the header is line 1)."""
    if not path.exists():
        raise CatalogError(f"{path}: file not found (expected columns: {', '.join(required)})")
    try:
        df = pl.read_csv(path, infer_schema=False, encoding="utf8-lossy")
    except Exception as exc:  # polars raises several types for unreadable CSV
        raise CatalogError(f"{path}: not a readable CSV ({exc})") from exc
    df = df.rename({c: c.strip().lstrip("\ufeff") for c in df.columns})
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise CatalogError(f"{path}: missing column(s) {', '.join(missing)}")
    return df.with_row_index("line", offset=2).with_columns(
        pl.col(c).str.strip_chars() for c in df.columns
    )


def load_tenants(path: Path) -> pl.DataFrame:
    """catalog/tenants.csv: one row per tenant id."""
    df = read_csv_strings(path, TENANT_COLUMNS)
    empty = df.filter(pl.col("tenant_id").is_null() | (pl.col("tenant_id") == ""))
    if len(empty):
        raise CatalogError(f"{path}: line {empty['line'][0]}, tenant_id: empty tenant id")
    dupes = df.filter(pl.col("tenant_id").is_duplicated())
    if len(dupes):
        raise CatalogError(
            f"{path}: line {dupes['line'][1]}, tenant_id: duplicate tenant id "
            f"{dupes['tenant_id'][0]!r}"
        )
    return df.select(TENANT_COLUMNS)


# Optional tenants.csv column: the tenant's id(s) in the billing system (Stripe `cus_...`),
# several separated by `;`. Revenue importers map billing customers to tenants with it.
BILLING_CUSTOMER_COLUMN = "billing_customer_id"


def load_billing_customers(path: Path) -> dict[str, str]:
    """billing customer id -> tenant_id from tenants.csv (empty when the column is absent)."""
    df = read_csv_strings(path, TENANT_COLUMNS)
    if BILLING_CUSTOMER_COLUMN not in df.columns:
        return {}
    owners: dict[str, str] = {}
    for line, tenant, ids in df.select("line", "tenant_id", BILLING_CUSTOMER_COLUMN).iter_rows():
        for customer in (c.strip() for c in (ids or "").split(";")):
            if not customer:
                continue
            if customer in owners and owners[customer] != tenant:
                raise CatalogError(
                    f"{path}: line {line}, {BILLING_CUSTOMER_COLUMN}: {customer!r} is already "
                    f"the billing customer of tenant {owners[customer]!r}"
                )
            owners[customer] = tenant
    return owners
