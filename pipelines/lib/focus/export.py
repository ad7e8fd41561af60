"""Export fct_focus_cost_and_usage as FOCUS 1.2 Parquet (Hive layout) plus metadata and manifest.

Files are staged (`pipelines.lib.publish.stage_unit`) and reach these paths at publish:

    <out>/focus/billing_period=YYYY-MM/charge_date=YYYY-MM-DD/part-0.parquet
    <out>/focus.metadata.json      FOCUS metadata + manifest (path, rows, bytes, sha256 per file),
                                   beside the folder so dataset readers see only Parquet

Money and quantities stay decimal128; date-times are Parquet TIMESTAMP (UTC-adjusted, microseconds),
which focus-validator 2.2.1 accepts natively. `write_consolidated` writes one month as a single
Parquet and CSV file (CSV date-times as `YYYY-MM-DDTHH:MM:SSZ`, text cells neutralised by
`safe_csv`), the form validators take.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from datetime import date, timedelta
from pathlib import Path

import duckdb

from pipelines.lib.focus.metadata import metadata_document, metadata_file, write_metadata
from pipelines.lib.publish import published_files, stage_dir, stage_unit, staged_path
from pipelines.lib.safe_csv import write_csv
from pipelines.lib.warehouse import frame, scalar
from schemas.focus.columns import COLUMNS, DATETIME_COLUMNS, X_COLUMNS

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


def _manifest(con: duckdb.DuckDBPyConnection, files: list[tuple[Path, str]]) -> list[dict]:
    """Path (relative to the data folder), rows, bytes and sha256 of each (file, path) pair."""
    manifest = []
    for path, rel in files:
        rows = scalar(con, "select count(*) from read_parquet(?)", [str(path)])
        manifest.append(
            {
                "path": rel,
                "rows": int(rows or 0),
                "bytes": path.stat().st_size,
                "sha256": _sha256(path),
            }
        )
    return manifest


def export_focus(con: duckdb.DuckDBPyConnection, out_dir: Path, start: date, end: date) -> dict:
    """Stage the days [start, end) of `<out_dir>/focus/`, replacing those days at publish, and
    the metadata with the manifest of every file published then. Returns the metadata."""
    staging = stage_dir(out_dir) / f"focus-copy-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.parent.mkdir(parents=True, exist_ok=True)
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
    days = []
    day = start
    while day < end:
        rel = f"billing_period={day:%Y-%m}/charge_date={day.isoformat()}"
        days.append(rel)
        unit = stage_unit(out_dir, f"focus/{rel}")
        if (staging / rel).exists():
            (staging / rel).replace(unit)
        day += timedelta(days=1)
    shutil.rmtree(staging, ignore_errors=True)
    document = metadata_document()
    files = published_files(out_dir, "focus", "billing_period=*/charge_date=*/*.parquet", days)
    document["Files"] = _manifest(con, files)
    stage_unit(out_dir, metadata_file(Path("focus")))
    write_metadata(staged_path(out_dir, "focus"), document)
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
    # through safe_csv: tenant ids, names and tags are user text (same numeric formatting as
    # DuckDB's CSV writer: Polars writes DECIMAL with its full scale too)
    write_csv(frame(con, f"select {_select(False)} {where} order by {_ORDER}", params), csv)
    row = con.execute(f"select count(*) {where}", params).fetchone()
    return {"parquet": parquet, "csv": csv, "rows": int(row[0]) if row else 0}
