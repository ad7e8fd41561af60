"""Write a month's chargeback: `<output>/exports/chargeback/<YYYY-MM>/`.

    chargeback.csv / chargeback.parquet   every row of the month
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
import os
import re
import shutil
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import polars as pl

from pipelines.lib.allocation.cells import UNALLOCATED
from pipelines.lib.chargeback.build import FINAL, GRAIN, PROVISIONAL

FOCUS_VERSION = "1.2"
MANIFEST = "manifest.json"
DATA_FILES = ("chargeback.csv", "chargeback.parquet", "restatements.csv")


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


def _money(value: Decimal | None) -> str:
    return "0.00" if value is None else f"{value:.2f}"


def _with_previous(frame: pl.DataFrame, previous: pl.DataFrame | None) -> pl.DataFrame:
    if previous is None:
        return frame
    prev = previous.group_by(list(GRAIN)).agg(pl.col("allocated_cost").sum().alias("_prev"))
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
    prev = previous.group_by(list(GRAIN)).agg(pl.col("allocated_cost").sum())
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
    """Publish (or leave alone, or re-issue) the month's chargeback files."""
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
    staging = target.with_name(f".{period}.staging-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    (staging / "tenants").mkdir(parents=True)
    frame.write_parquet(staging / "chargeback.parquet", compression="zstd")
    frame.write_csv(staging / "chargeback.csv")
    restated = 0
    if previous is not None:
        changes = _restatements(frame, previous)
        changes.write_csv(staging / "restatements.csv")
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
        rows.write_csv(staging / "tenants" / name)
        tenants.append(
            {
                "tenant_id": tenant,
                "file": f"tenants/{name}",
                "rows": len(rows),
                "allocated_cost": _money(rows["allocated_cost"].sum()),
            }
        )
    manifest = _manifest(period, status, issue, frame, tenants, invoices, print_, restated, staging)
    (staging / MANIFEST).write_text(
        json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    old = target.with_name(f".{period}.old-{os.getpid()}")
    if target.exists():
        target.replace(old)
    staging.replace(target)
    shutil.rmtree(old, ignore_errors=True)
    return ExportResult(period, action, status, issue, len(frame), target)


def _manifest(
    period, status, issue, frame, tenants, invoices, print_, restated, staging: Path
) -> dict:
    per_provider: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for provider, currency, cost in frame.select(
        "provider", "currency", "allocated_cost"
    ).iter_rows():
        per_provider[provider][currency] += cost
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
        "totals_per_provider": {
            p: {c: _money(v) for c, v in sorted(cur.items())}
            for p, cur in sorted(per_provider.items())
        },
        "invoices": invoices,
        "tenants": tenants,
        "files": files,
    }
