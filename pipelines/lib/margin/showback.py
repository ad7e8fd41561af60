"""Showback of internal prices: `<output>/exports/showback/<YYYY-MM>/`.

    showback.csv           every tenant x feature row of the month (mart_internal_recovery)
    tenants/<slug>-<hash>.csv   one statement per tenant with only its rows
    manifest.json          rows, totals per currency (overall and per tenant), sha256 per file

Same rules as the chargeback (`pipelines.lib.chargeback.export`): CSVs go through
`safe_csv.write_csv`; tenant file names come from `tenant_file_name` (safe for any id); totals
never add two currencies; an unknown charge is blank, never 0.00; the month's folder is built
next to the target and swapped in, so readers never see half a month. `internal_charge` is the
exact charge rounded to cents with the largest remainder per tenant and currency, so a
statement's rows add up to its rounded total.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import polars as pl

from pipelines.lib.chargeback.export import generator_version, tenant_file_name
from pipelines.lib.invoices.allocation.rounding import apportion
from pipelines.lib.publish import stage_unit
from pipelines.lib.safe_csv import write_csv
from pipelines.money import CENTS, MONEY, round_cents

MANIFEST = "manifest.json"
SHOWBACK_COLUMNS: dict[str, pl.DataType] = {
    "billing_period": pl.String(),
    "tenant_id": pl.String(),
    "tenant_name": pl.String(),
    "feature": pl.String(),
    "unit": pl.String(),
    "units": pl.Decimal(38, 6),
    "currency": pl.String(),
    "internal_charge": CENTS,
    "internal_charge_exact": MONEY,
    "reason": pl.String(),
}


def build_showback(recovery: pl.DataFrame) -> pl.DataFrame:
    """Statement rows from mart_internal_recovery rows of one month (`SHOWBACK_COLUMNS`)."""
    rows = sorted(
        recovery.iter_rows(named=True),
        key=lambda r: (r["tenant_id"], r["feature"], r["currency"] or ""),
    )
    groups: dict[tuple, list[int]] = defaultdict(list)
    for i, r in enumerate(rows):
        if r["internal_charge"] is not None:
            groups[(r["tenant_id"], r["currency"])].append(i)
    cents: dict[int, Decimal] = {}
    for idx in groups.values():
        exact = [rows[i]["internal_charge"] for i in idx]
        for i, value in zip(idx, apportion(exact, round_cents(sum(exact))), strict=True):
            cents[i] = value
    out = [
        {
            "billing_period": r["billing_period"],
            "tenant_id": r["tenant_id"],
            "tenant_name": r.get("tenant_name"),
            "feature": r["feature"],
            "unit": r["unit"],
            "units": r["units"],
            "currency": r["currency"],
            "internal_charge": cents.get(i),
            "internal_charge_exact": r["internal_charge"],
            "reason": r["reason"],
        }
        for i, r in enumerate(rows)
    ]
    return pl.DataFrame(out, schema=SHOWBACK_COLUMNS, orient="row")


def _totals(frame: pl.DataFrame) -> dict[str, str]:
    sums: dict[str, Decimal] = defaultdict(Decimal)
    for currency, charge in frame.select("currency", "internal_charge").iter_rows():
        if charge is not None:
            sums[currency] += charge
    return {c: f"{v:.2f}" for c, v in sorted(sums.items())}


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def export_showback(output_dir: Path, period: str, frame: pl.DataFrame) -> Path | None:
    """Stage the month's showback, which replaces the published month at publish; returns the
    published folder it will be, None when there is nothing."""
    target = output_dir / "exports" / "showback" / period
    if frame.is_empty() and not target.exists():
        return None
    # staged whole; the publish step replaces the published month with it
    staging = stage_unit(output_dir, target.relative_to(output_dir))
    (staging / "tenants").mkdir(parents=True)
    write_csv(frame, staging / "showback.csv")
    tenants = []
    for tenant in sorted(frame["tenant_id"].unique().to_list()):
        rows = frame.filter(pl.col("tenant_id") == tenant)
        name = tenant_file_name(tenant)
        write_csv(rows, staging / "tenants" / name)
        tenants.append(
            {
                "tenant_id": tenant,
                "file": f"tenants/{name}",
                "rows": len(rows),
                "internal_charge": _totals(rows),
            }
        )
    files = {
        p.relative_to(staging).as_posix(): _sha256(p)
        for p in sorted(staging.rglob("*"))
        if p.is_file()
    }
    manifest = {
        "billing_period": period,
        "rows": len(frame),
        "tenant_statements": len(tenants),
        "unknown_charges": frame["internal_charge"].null_count(),
        "generator": generator_version(),
        "created_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "totals_per_currency": {"internal_charge": _totals(frame)},
        "tenants": tenants,
        "files": files,
    }
    (staging / MANIFEST).write_text(
        json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return target
