"""Export fct_focus_cost_and_usage as FOCUS 1.2 Parquet (Hive layout) plus metadata and manifest.

    <out>/focus/billing_period=YYYY-MM/charge_date=YYYY-MM-DD/part-0.parquet
    <out>/focus/metadata.json      FOCUS metadata + manifest (path, rows, bytes, sha256 per file)

Money and quantities stay decimal128; date-times are Parquet TIMESTAMP (UTC-adjusted, microseconds),
which focus-validator 2.2.1 accepts natively. `write_consolidated` writes one month as a single
Parquet and CSV file (CSV date-times as `YYYY-MM-DDTHH:MM:SSZ`), the form validators take.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from datetime import date, timedelta
from pathlib import Path

import duckdb

from pipelines.lib.focus.columns import COLUMNS, DATETIME_COLUMNS, X_COLUMNS
from pipelines.lib.focus.metadata import metadata_document
from pipelines.lib.publish import replace_folder_files
from pipelines.lib.warehouse import scalar

TABLE = "fct_focus_cost_and_usage"
_ORDER = "ChargePeriodStart, ServiceName, SkuId, SkuPriceId, x_TenantId, x_Feature, x_Environment"


def _select(utc_timestamps: bool) -> str:
    cols = []
    for col in COLUMNS:
        if col.name in DATETIME_COLUMNS and utc_timestamps:
            cols.append(f"timezone('UTC', {col.name}) as {col.name}")
        elif col.name in DATETIME_COLUMNS:
            cols.append(f"strftime({col.name}, '%Y-%m-%dT%H:%M:%SZ') as {col.name}")
        else:
            cols.append(col.name)
    return ", ".join(cols + list(X_COLUMNS))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _manifest(
    con: duckdb.DuckDBPyConnection,
    root: Path,
    pattern: str = "billing_period=*/charge_date=*/*.parquet",
) -> list[dict[str, object]]:
    files = []
    for path in sorted(root.glob(pattern)):
        rows = scalar(con, "select count(*) from read_parquet(?)", [str(path)])
        files.append(
            {
                "path": path.relative_to(root).as_posix(),
                "rows": int(rows or 0),
                "bytes": path.stat().st_size,
                "sha256": _sha256(path),
            }
        )
    return files


def export_focus(con: duckdb.DuckDBPyConnection, out_dir: Path, start: date, end: date) -> dict:
    """Write the days [start, end) under `<out_dir>/focus/`, replacing those days; rewrite the
    metadata and manifest over every file present. Returns the metadata document."""
    root = out_dir / "focus"
    staging = out_dir / f".focus.staging-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    con.execute("set TimeZone = 'UTC'")
    query = (
        f"select {_select(True)}, strftime(ChargePeriodStart, '%Y-%m') as billing_period, "
        f"strftime(ChargePeriodStart, '%Y-%m-%d') as charge_date from {TABLE} "
        f"where ChargePeriodStart >= $s and ChargePeriodStart < $e order by {_ORDER}"
    )
    con.execute(
        f"copy ({query}) to '{staging}' (format parquet, compression zstd, "
        "partition_by (billing_period, charge_date), filename_pattern 'part-{i}', "
        "row_group_size 1000000)",
        {"s": start, "e": end},
    )
    day = start
    while day < end:
        rel = Path(f"billing_period={day:%Y-%m}") / f"charge_date={day.isoformat()}"
        replace_folder_files(root / rel, staging / rel)
        day += timedelta(days=1)
    shutil.rmtree(staging, ignore_errors=True)
    for month_dir in list(root.glob("billing_period=*")):
        if month_dir.is_dir() and not any(month_dir.iterdir()):
            month_dir.rmdir()
    document = metadata_document()
    document["Files"] = _manifest(con, root)
    root.mkdir(parents=True, exist_ok=True)
    tmp = root / ".metadata.json.tmp"
    tmp.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    tmp.replace(root / "metadata.json")
    return document


def write_consolidated(con: duckdb.DuckDBPyConnection, out_dir: Path, month: date) -> dict:
    """One month as `focus_cost_and_usage.parquet` and `.csv` in `out_dir` (for validators)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    con.execute("set TimeZone = 'UTC'")
    first = month.replace(day=1)
    after = (first + timedelta(days=32)).replace(day=1)
    where = f"from {TABLE} where ChargePeriodStart >= $s and ChargePeriodStart < $e"
    params = {"s": first, "e": after}
    parquet = out_dir / "focus_cost_and_usage.parquet"
    csv = out_dir / "focus_cost_and_usage.csv"
    con.execute(
        f"copy (select {_select(True)} {where} order by {_ORDER}) to '{parquet}' "
        "(format parquet, compression zstd)",
        params,
    )
    con.execute(
        f"copy (select {_select(False)} {where} order by {_ORDER}) to '{csv}' "
        "(format csv, header true)",
        params,
    )
    row = con.execute(f"select count(*) {where}", params).fetchone()
    return {"parquet": parquet, "csv": csv, "rows": int(row[0]) if row else 0}
