"""OWASP CSV-injection payloads as tenant ids and names, through a real `costline run`: every
CSV cell (and workbook cell) is neutralised, the Parquet keeps the raw value."""

from __future__ import annotations

import csv
import gzip
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import openpyxl
import polars as pl
import pytest

from pipelines.lib.focus.export import write_consolidated
from pipelines.lib.safe_csv import FORMULA_PREFIXES, neutralise

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "sample"
DAY = "2026-09-03"
# OWASP "CSV Injection" examples and the usual variants (formula, DDE, prefixes, tab, CR)
ID_PAYLOADS = {
    "globex": '=HYPERLINK("http://x","y")',
    "initech": "+1+cmd|' /C calc'!A0",
    "umbrella": "@SUM(1+1)",
    "hooli": "-2+3",
}
# Tab and CR prefixes cannot travel this way (ingest and the catalog strip surrounding
# whitespace); tests/test_lib/test_safe_csv.py writes them through write_csv and the workbook.
NAME_PAYLOADS = {
    "globex": "=cmd|' /C calc'!A0",
    "initech": "=2+5+cmd|' /C calc'!A0",
    "umbrella": "-10+20",
    "hooli": "Hooli\x07bell",
    "northwind-eu.01": "@x",
}


def _payload_input(target: Path) -> Path:
    (target / "requests").mkdir(parents=True)
    with gzip.open(SAMPLE / "requests" / f"{DAY}.jsonl.gz", "rt", encoding="utf-8") as src:
        records = [json.loads(line) for line in src]
    with (target / "requests" / f"{DAY}.jsonl").open("w", encoding="utf-8") as out:
        for record in records:
            record["tenant_id"] = ID_PAYLOADS.get(record["tenant_id"], record["tenant_id"])
            out.write(json.dumps(record) + "\n")
    shutil.copytree(SAMPLE / "catalog", target / "catalog")
    shutil.copytree(SAMPLE / "invoices", target / "invoices")
    tenants = target / "catalog" / "tenants.csv"
    with tenants.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        row["tenant_name"] = NAME_PAYLOADS.get(row["tenant_id"], row["tenant_name"])
        row["tenant_id"] = ID_PAYLOADS.get(row["tenant_id"], row["tenant_id"])
    with tenants.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return target


@pytest.fixture(scope="module")
def payload_run(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("csv_injection")
    source = _payload_input(base / "input")
    out = base / "out"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COSTLINE_", "DAGSTER_"))}
    proc = subprocess.run(
        [
            *(sys.executable, "-m", "pipelines.cli", "run", "--input", str(source)),
            *("--output", str(out), "--from", DAY, "--to", DAY),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return out


def _raw_values() -> set[str]:
    return set(ID_PAYLOADS.values()) | set(NAME_PAYLOADS.values())


def _assert_safe_text(cells: list[str | None], where: str) -> None:
    for value in cells:
        if value is None:
            continue
        assert not value.startswith(FORMULA_PREFIXES), (where, value)
        assert not any(ord(c) < 32 and c not in "\n\r\t" for c in value), (where, value)


def test_chargeback_csvs_are_neutralised_and_parquet_keeps_the_raw_ids(payload_run):
    month = payload_run / "exports" / "chargeback" / DAY[:7]
    table = pl.read_parquet(month / "chargeback.parquet")
    assert set(ID_PAYLOADS.values()) <= set(table["tenant_id"])  # raw in Parquet
    assert set(NAME_PAYLOADS.values()) <= set(table["tenant_name"].drop_nulls())
    files = [month / "chargeback.csv", *sorted((month / "tenants").glob("*.csv"))]
    assert len(files) == 1 + len(set(table["tenant_id"]) - {"__unallocated__"})
    for path in files:
        rows = pl.read_csv(path, infer_schema=False)
        for column in ("tenant_id", "tenant_name", "business_unit", "feature", "model"):
            _assert_safe_text(rows[column].to_list(), f"{path.name}:{column}")
    csv_rows = pl.read_csv(month / "chargeback.csv", infer_schema=False)
    shown = set(csv_rows["tenant_id"]) | set(csv_rows["tenant_name"].drop_nulls())
    for raw in _raw_values():
        assert neutralise(raw) in shown, raw  # the cell shows the text, quoted
    assert '\'=HYPERLINK("http://x","y")' in set(csv_rows["tenant_id"])


def test_the_workbook_cells_are_neutralised(payload_run):
    month = payload_run / "exports" / "chargeback" / DAY[:7]
    book = openpyxl.load_workbook(month / "chargeback.xlsx")
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    _assert_safe_text([cell.value], f"{sheet.title}!{cell.coordinate}")


def test_the_focus_csv_is_neutralised_and_its_parquet_raw(payload_run, tmp_path):
    from datetime import date

    with duckdb.connect(str(payload_run / "warehouse.duckdb"), read_only=True) as con:
        written = write_consolidated(con, tmp_path, date.fromisoformat(DAY))
    parquet = pl.read_parquet(written["parquet"])
    assert set(ID_PAYLOADS.values()) <= set(parquet["x_TenantId"])
    rows = pl.read_csv(written["csv"], infer_schema=False)
    assert len(rows) == len(parquet) == written["rows"]
    for column in ("x_TenantId", "x_TenantName", "Tags", "ChargeDescription"):
        _assert_safe_text(rows[column].to_list(), f"focus csv:{column}")
    assert neutralise("+1+cmd|' /C calc'!A0") in set(rows["x_TenantId"])
    # numbers are untouched: negative or not, every cost parses back to the Parquet's value
    assert [str(v) for v in parquet["BilledCost"]] == rows["BilledCost"].to_list()
