"""`costline run` on the sample with an OpenAI Costs page and the generic invoice CSV saved twice
(as a browser saves them: `costs-page-01 (1).json`): every invoice total and allocation equals the
unduplicated input's to the cent, and the run output names both files of each repeat.

The unduplicated side is the sample's own invoice files, read and allocated with the run's own
usage cells (the cells do not depend on invoices), so one run is enough.
"""

import json
import os
import shutil
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from pipelines.lib import warehouse
from pipelines.lib.invoices import INVOICE_LINE_COLUMNS, invoice_totals, read_invoices
from pipelines.lib.invoices.allocation import ALLOCATED_COLUMNS, FxRates, allocate
from pipelines.lib.invoices.tables import known_models, usage_cells
from pipelines.settings import SAMPLE_INPUT

PAGE = "invoices/openai/2026-10/costs-page-01.json"
PAGE_COPY = "invoices/openai/2026-10/costs-page-01 (1).json"
GENERIC = "invoices/generic/openai-invoice-pdf-lines.csv"
GENERIC_COPY = "invoices/generic/openai-invoice-pdf-lines (1).csv"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def repeated_run(tmp_path_factory) -> tuple[Path, str]:
    """(output folder, run output) of `costline run` on the sample with two files saved twice."""
    root = tmp_path_factory.mktemp("h2-repeated")
    data = root / "input"
    shutil.copytree(SAMPLE_INPUT, data)
    shutil.copy(data / PAGE, data / PAGE_COPY)
    shutil.copy(data / GENERIC, data / GENERIC_COPY)
    out = root / "out"
    env = {k: v for k, v in os.environ.items() if not k.startswith("COSTLINE_")}
    proc = subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "run", "--input", str(data), "--output", str(out)],
        capture_output=True,
        text=True,
        env=env,
        timeout=1200,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    return out, proc.stdout + proc.stderr


def test_the_run_warns_naming_both_files_of_each_repeat(repeated_run):
    _out, output = repeated_run
    (warning,) = [
        line for line in output.splitlines() if "stg_invoice_lines.lines_counted_once" in line
    ]
    assert warning.startswith("warning:")
    for copy, original in ((PAGE_COPY, PAGE), (GENERIC_COPY, GENERIC)):
        assert f"{copy} repeats" in warning and f"line(s) of {original}" in warning


def test_invoice_lines_and_allocations_equal_the_unduplicated_input(repeated_run):
    out, _output = repeated_run
    con = duckdb.connect(str(out / "warehouse.duckdb"), read_only=True)
    try:
        single = read_invoices(SAMPLE_INPUT, known_models(con))
        assert not single.repeats
        stored = warehouse.frame(con, "select * from stg_invoice_lines")
        assert (
            stored.cast(INVOICE_LINE_COLUMNS).sort("line_id").equals(single.lines.sort("line_id"))
        )
        cells = usage_cells(con, date(2000, 1, 1), date(2100, 1, 1))
        allocated = warehouse.frame(con, "select * from invoice_allocations")
    finally:
        con.close()
    fx = FxRates.from_csv(SAMPLE_INPUT / "catalog" / "fx.csv")
    expected = allocate(single.lines, cells, fx.rate)
    columns = list(ALLOCATED_COLUMNS)
    assert len(allocated) == len(expected) > 0
    assert (
        allocated.cast(ALLOCATED_COLUMNS)
        .select(columns)
        .sort(columns)
        .equals(expected.sort(columns))
    )


def test_published_invoice_totals_are_the_unduplicated_totals_to_the_cent(repeated_run):
    out, _output = repeated_run
    totals = invoice_totals(read_invoices(SAMPLE_INPUT).lines)
    seen = set()
    for manifest_path in sorted((out / "exports" / "chargeback").glob("*/manifest.json")):
        manifest = json.loads(manifest_path.read_text())
        for invoice, figures in manifest["invoices"].items():
            currency, total = totals[invoice]
            assert (figures["currency"], Decimal(figures["invoice_total"])) == (currency, total)
            assert Decimal(figures["allocated_all_periods"]) == total
            seen.add(invoice)
    assert seen == set(totals)
