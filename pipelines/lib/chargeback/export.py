"""Write a month's chargeback: `<output>/exports/chargeback/<YYYY-MM>/`.

    chargeback.csv / chargeback.parquet   every row of the month
    chargeback.xlsx                       the same as a workbook: summary per business unit and
                                          tenant, the lines, currency number formats
    tenants/<slug>-<hash>.csv             one statement per tenant with only its rows
    restatements.csv                      rows whose allocated cost changed vs the previous issue
    issues/<n>/                           the files of every earlier final issue
    manifest.json                         counts, totals per provider and invoice, sha256 per file

Issues: a `provisional` month (no invoice yet) is issue 0 and is replaced on every run. The first
`final` issue is 1. A final month is re-issued (n + 1, the previous files moved to `issues/<n>/`)
only when the invoice lines contributing to it change, i.e. when a correction or a late invoice
arrives; otherwise the published files are left untouched. A re-issue fills
`previous_allocated_cost` and `change` and lists the changed rows in `restatements.csv`.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import polars as pl

from pipelines.lib.chargeback.build import FINAL, GRAIN, PROVISIONAL
from pipelines.lib.chargeback.workbook import NO_UNIT, write_workbook
from pipelines.lib.invoices.allocation.cells import UNALLOCATED
from pipelines.lib.publish import stage_unit
from pipelines.lib.safe_csv import write_csv

FOCUS_VERSION = "1.2"
MANIFEST = "manifest.json"
DATA_FILES = ("chargeback.csv", "chargeback.parquet", "chargeback.xlsx", "restatements.csv")


def generator_version() -> str:
    """`costline <version>` of the installed package."""
    try:
        from importlib.metadata import version

        return f"costline {version('costline')}"
    except Exception:  # not installed (tests from a checkout)
        return "costline (unversioned)"


def tenant_file_name(tenant_id: str) -> str:
    """A safe file name for any tenant id: ascii slug + 12 hex of its sha256, `.csv`.

    Never contains a path separator, `..`, quotes or control characters; two ids never share a
    name unless their sha256 prefixes collide.
    """
    ascii_text = unicodedata.normalize("NFKD", tenant_id).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:40].strip("-") or "tenant"
    digest = hashlib.sha256(tenant_id.encode("utf-8", "surrogatepass")).hexdigest()[:12]
    return f"{slug}-{digest}.csv"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fingerprint(line_ids: list[str]) -> str:
    """sha256 over the sorted invoice line ids that contribute to a month."""
    digest = hashlib.sha256()
    for line_id in sorted(set(line_ids)):
        digest.update(line_id.encode("utf-8", "surrogatepass") + b"\n")
    return digest.hexdigest()


@dataclass(frozen=True)
class ExportResult:
    """What `export_month` did."""

    period: str
    action: str  # written | reissued | unchanged
    status: str
    issue: int
    rows: int
    directory: Path


def _read_manifest(directory: Path) -> dict | None:
    path = directory / MANIFEST
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def _money(value: Decimal | None) -> str | None:
    """Cents as text; an unknown amount is null, never "0.00"."""
    return None if value is None else f"{value:.2f}"


def per_currency(frame: pl.DataFrame, amount: str, currency: str) -> dict[str, str]:
    """Σ `amount` per `currency` of `frame` as {currency: "0.00"}; amounts of two currencies are
    never added. Unknown amounts are left out (their rows are counted in `unknown_cost_rows`)."""
    sums: dict[str, Decimal] = defaultdict(Decimal)
    for code, value in frame.select(currency, amount).iter_rows():
        if code is not None and value is not None:
            sums[code] += value
    return {code: f"{value:.2f}" for code, value in sorted(sums.items())}


def _align(previous: pl.DataFrame, like: pl.DataFrame) -> pl.DataFrame:
    """An earlier issue written before a column existed gets it as nulls (so re-issues join)."""
    missing = [c for c in GRAIN if c not in previous.columns]
    aligned = previous.with_columns(pl.lit(None, dtype=like.schema[c]).alias(c) for c in missing)
    if "invoice_id" not in missing or "invoice_ids" not in previous.columns:
        return aligned
    # An issue published before one-invoice-per-row has one row per cell x currency listing its
    # invoices (`a;b`): it is compared with the new row of the month's own invoice when listed,
    # else its first invoice (a NULL id would match no invoiced row: every amount "changed").
    cell = [c for c in GRAIN if c != "invoice_id"]
    own = (
        like.filter(pl.col("invoice_billing_period") == pl.col("billing_period"))
        .group_by(cell)
        .agg(pl.col("invoice_id").min().alias("_own"))
    )
    listed = pl.col("invoice_ids").str.split(";")
    return (
        aligned.join(own, on=cell, how="left", nulls_equal=True)
        .with_columns(
            pl.when(listed.list.contains(pl.col("_own")))
            .then(pl.col("_own"))
            .otherwise(listed.list.first())
            .alias("invoice_id")
        )
        .drop("_own")
    )


def _with_previous(frame: pl.DataFrame, previous: pl.DataFrame | None) -> pl.DataFrame:
    if previous is None:
        return frame
    prev = (
        _align(previous, frame)
        .group_by(list(GRAIN))
        .agg(pl.col("allocated_cost").sum().alias("_prev"))
    )
    joined = frame.drop("previous_allocated_cost", "change").join(
        prev, on=list(GRAIN), how="left", nulls_equal=True
    )
    zero = pl.lit(Decimal("0.00"), dtype=frame.schema["allocated_cost"])
    return (
        joined.with_columns(
            pl.col("_prev").fill_null(zero).alias("previous_allocated_cost"),
            (pl.col("allocated_cost") - pl.col("_prev").fill_null(zero)).alias("change"),
        )
        .drop("_prev")
        .select(frame.columns)
    )


def _restatements(frame: pl.DataFrame, previous: pl.DataFrame) -> pl.DataFrame:
    cur = frame.select(*GRAIN, "allocated_cost")
    prev = _align(previous, frame).group_by(list(GRAIN)).agg(pl.col("allocated_cost").sum())
    joined = cur.join(
        prev, on=list(GRAIN), how="full", coalesce=True, nulls_equal=True, suffix="_previous"
    )
    zero = pl.lit(Decimal("0.00"), dtype=frame.schema["allocated_cost"])
    return (
        joined.with_columns(
            pl.col("allocated_cost").fill_null(zero),
            pl.col("allocated_cost_previous").fill_null(zero).alias("previous_allocated_cost"),
        )
        .with_columns(
            (pl.col("allocated_cost") - pl.col("previous_allocated_cost")).alias("change")
        )
        .filter(pl.col("change") != 0)
        .select(*GRAIN, "previous_allocated_cost", "allocated_cost", "change")
        .sort(list(GRAIN), nulls_last=True)
    )


def invoice_summary(
    allocated: pl.DataFrame, period: str, totals: dict[str, tuple[str, Decimal]]
) -> dict[str, dict]:
    """Per invoice with rows in the month: its total and the part allocated to this month."""
    rows = allocated.filter(pl.col("usage_period") == period)
    sums: dict[str, Decimal] = defaultdict(Decimal)
    for invoice, cost in rows.select("InvoiceId", "allocated_cost").iter_rows():
        sums[invoice] += cost
    everywhere: dict[str, Decimal] = defaultdict(Decimal)
    for invoice, cost in allocated.select("InvoiceId", "allocated_cost").iter_rows():
        everywhere[invoice] += cost
    return {
        inv: {
            "currency": totals[inv][0],
            "invoice_total": _money(totals[inv][1]),
            "allocated_all_periods": _money(everywhere[inv]),
            "allocated_in_this_period": _money(sums[inv]),
        }
        for inv in sorted(sums)
        if inv in totals
    }


def export_month(
    output_dir: Path,
    period: str,
    frame: pl.DataFrame,
    contributing_line_ids: list[str],
    invoices: dict[str, dict],
) -> ExportResult:
    """Stage (or leave alone, or re-issue) the month's chargeback files; they replace the
    published month at publish. `directory` of the result is the staged folder when written."""
    target = output_dir / "exports" / "chargeback" / period
    previous_manifest = _read_manifest(target)
    if frame.is_empty() and previous_manifest is None:
        return ExportResult(period, "unchanged", PROVISIONAL, 0, 0, target)
    status = FINAL if len(frame) and (frame["status"] == FINAL).all() else PROVISIONAL
    print_ = fingerprint(contributing_line_ids)
    previous = None
    if previous_manifest and previous_manifest.get("status") == FINAL:
        if previous_manifest.get("invoice_lines_fingerprint") == print_:
            return ExportResult(
                period,
                "unchanged",
                FINAL,
                previous_manifest["issue"],
                previous_manifest["rows"],
                target,
            )
        previous = pl.read_parquet(target / "chargeback.parquet")
        issue = int(previous_manifest["issue"]) + 1
        action = "reissued"
    else:
        issue = 1 if status == FINAL else 0
        action = "written"
    frame = _with_previous(
        frame.with_columns(pl.lit(issue, dtype=pl.Int64()).alias("issue")), previous
    )
    # staged whole; the publish step replaces the published month with it
    staging = stage_unit(output_dir, target.relative_to(output_dir))
    (staging / "tenants").mkdir(parents=True)
    frame.write_parquet(staging / "chargeback.parquet", compression="zstd")
    write_csv(frame, staging / "chargeback.csv")
    write_workbook(frame, staging / "chargeback.xlsx")
    restated = 0
    if previous is not None:
        changes = _restatements(frame, previous)
        write_csv(changes, staging / "restatements.csv")
        restated = len(changes)
        history = staging / "issues" / str(previous_manifest["issue"])
        if (target / "issues").exists():
            shutil.copytree(target / "issues", staging / "issues")
        history.mkdir(parents=True, exist_ok=True)
        for name in (*DATA_FILES, MANIFEST):
            if (target / name).exists():
                shutil.copy2(target / name, history / name)
        if (target / "tenants").exists():
            shutil.copytree(target / "tenants", history / "tenants")
    tenants = []
    for tenant in sorted(t for t in frame["tenant_id"].unique().to_list() if t != UNALLOCATED):
        name = tenant_file_name(tenant)
        rows = frame.filter(pl.col("tenant_id") == tenant)
        write_csv(rows, staging / "tenants" / name)
        tenants.append(
            {
                "tenant_id": tenant,
                "file": f"tenants/{name}",
                "rows": len(rows),
                "allocated_cost": per_currency(rows, "allocated_cost", "currency"),
                "statement": per_currency(rows, "statement_allocated_cost", "statement_currency"),
            }
        )
    manifest = _manifest(period, status, issue, frame, tenants, invoices, print_, restated, staging)
    (staging / MANIFEST).write_text(
        json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return ExportResult(period, action, status, issue, len(frame), staging)


def _manifest(
    period, status, issue, frame, tenants, invoices, print_, restated, staging: Path
) -> dict:
    files = {}
    for path in sorted(p for p in staging.rglob("*") if p.is_file()):
        files[path.relative_to(staging).as_posix()] = _sha256(path)
    return {
        "billing_period": period,
        "status": status,
        "issue": issue,
        "rows": len(frame),
        "tenant_statements": len(tenants),
        "restated_rows": restated,
        "focus_version": FOCUS_VERSION,
        "generator": generator_version(),
        "created_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "invoice_lines_fingerprint": print_,
        "unknown_cost_rows": frame["allocated_cost"].null_count(),
        "totals_per_currency": per_currency(frame, "allocated_cost", "currency"),
        "totals_per_provider": {
            p: per_currency(rows, "allocated_cost", "currency")
            for (p,), rows in sorted(frame.group_by(["provider"]), key=lambda g: str(g[0][0]))
        },
        "statement_totals_per_business_unit": {
            NO_UNIT if unit is None else unit: per_currency(
                rows, "statement_allocated_cost", "statement_currency"
            )
            for (unit,), rows in sorted(
                frame.group_by(["business_unit"]), key=lambda g: str(g[0][0])
            )
        },
        "invoices": invoices,
        "tenants": tenants,
        "files": files,
    }
