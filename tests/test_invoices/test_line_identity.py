"""Each vendor line is counted once: a file saved twice adds nothing, a restated line is refused."""

import gzip
import json
import shutil
from decimal import Decimal as D
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from pipelines.lib.invoices import InvoiceError, invoice_totals, read_invoices

FIX = Path(__file__).parent / "fixtures"
OPENAI_PAGE = "invoices/openai/2026-09/page-1.json"
ANTHROPIC_PAGE = "invoices/anthropic/2026-09/cost_report.json"
AZURE = "invoices/focus/azure-2026-09.csv"
GENERIC = "invoices/generic/reseller-2026-10.csv"


@pytest.fixture
def folder(tmp_path) -> Path:
    shutil.copytree(FIX, tmp_path / "invoices")
    return tmp_path


def _copy(folder: Path, rel: str, name: str) -> str:
    source = folder / rel
    target = source.with_name(name)
    shutil.copy(source, target)
    return target.relative_to(folder).as_posix()


def _page(path: Path) -> dict:
    # amounts as Decimal, written back as exact strings: a float would change their digits
    return json.loads(path.read_text(), parse_float=D)


def _figures(batch):
    return invoice_totals(batch.lines), sorted(batch.lines["line_id"].to_list())


@pytest.mark.parametrize(
    ("rel", "copy_name", "repeated"),
    [
        (OPENAI_PAGE, "page-1 (1).json", 4),
        (ANTHROPIC_PAGE, "cost_report (1).json", 3),
        (AZURE, "azure-2026-09 (1).csv", 2),
        (GENERIC, "reseller-2026-10 (1).csv", 4),
    ],
)
def test_a_file_saved_twice_is_counted_once_and_named(folder, rel, copy_name, repeated):
    single = _figures(read_invoices(folder))
    copy = _copy(folder, rel, copy_name)
    batch = read_invoices(folder)
    # same totals to the cent and the same lines, kept from the file with the shorter name
    assert _figures(batch) == single
    (repeat,) = batch.repeats
    assert (repeat.kept_file, repeat.repeated_file, repeat.lines) == (rel, copy, repeated)
    assert rel in repeat.message() and copy in repeat.message()


def test_without_the_check_the_copy_would_double_the_invoice(folder):
    """The copied OpenAI page really holds the invoice's lines (so the test above can fail)."""
    before = invoice_totals(read_invoices(folder).lines)["INV-OAI-2026-09"][1]
    copy = folder / "invoices/openai/2026-09/page-1 (1).json"
    shutil.copy(folder / OPENAI_PAGE, copy)
    doc = json.loads(copy.read_text())
    doc["data"][0]["start_time"] += 86400 * 2  # another day: no longer the same lines
    doc["data"][0]["end_time"] += 86400 * 2
    copy.write_text(json.dumps(doc, default=str))
    after = invoice_totals(read_invoices(folder).lines)["INV-OAI-2026-09"][1]
    assert after > before and not read_invoices(folder).repeats


def test_a_gzip_and_a_parquet_copy_of_a_focus_export_are_the_same_lines(folder):
    single = _figures(read_invoices(folder))
    source = folder / AZURE
    (source.with_name("azure-2026-09 (copy).csv.gz")).write_bytes(
        gzip.compress(source.read_bytes())
    )
    table = pacsv.read_csv(
        source,
        convert_options=pacsv.ConvertOptions(
            column_types=dict.fromkeys(source.read_text().splitlines()[0].split(","), pa.string())
        ),
    )
    pq.write_table(table, source.with_name("azure-2026-09 (copy).parquet"))
    batch = read_invoices(folder)
    assert _figures(batch) == single
    assert {r.repeated_file for r in batch.repeats} == {
        "invoices/focus/azure-2026-09 (copy).csv.gz",
        "invoices/focus/azure-2026-09 (copy).parquet",
    }


def test_a_later_download_adds_only_its_new_lines(folder):
    copy = folder / "invoices/openai/2026-09/page-1-redownload.json"
    doc = _page(folder / OPENAI_PAGE)
    extra = json.loads(json.dumps(doc["data"][0], default=str))
    extra["start_time"] += 86400
    extra["end_time"] += 86400
    doc["data"].append(extra)
    copy.write_text(json.dumps(doc, default=str))
    batch = read_invoices(folder)
    (repeat,) = batch.repeats
    assert repeat.lines == 4
    openai = batch.lines.filter(batch.lines["source_format"] == "openai_costs")
    assert len(openai) == 4 + 1 + 4  # page-1, page-2, and the new day of the re-download


def test_two_equal_rows_in_one_file_are_two_charges_and_a_copy_adds_none(folder):
    path = folder / GENERIC
    lines = path.read_text().splitlines()
    tax = next(line for line in lines if ",tax," in line)
    text = path.read_text().replace(tax, f"{tax}\n{tax}").replace(",6.78,", ",7.96,")
    path.write_text(text)
    once = read_invoices(folder)
    assert invoice_totals(once.lines)["NK-2026-10-77"] == ("EUR", D("7.96"))
    _copy(folder, GENERIC, "reseller-2026-10 (2).csv")
    twice = read_invoices(folder)
    assert invoice_totals(twice.lines)["NK-2026-10-77"] == ("EUR", D("7.96"))
    assert twice.repeats[0].lines == 5


def test_a_restated_openai_bucket_is_refused_naming_both_files_line_and_field(folder):
    copy = folder / "invoices/openai/2026-09/page-1 (1).json"
    doc = _page(folder / OPENAI_PAGE)
    doc["data"][0]["results"][1]["amount"]["value"] = "0.013"
    copy.write_text(json.dumps(doc, default=str))
    with pytest.raises(InvoiceError) as err:
        read_invoices(folder)
    message = str(err.value)
    assert "invoices/openai/2026-09/page-1 (1).json: result 2" in message
    assert "invoices/openai/2026-09/page-1.json: result 2" in message
    assert "bucket 2026-09-01..2026-09-02" in message and "project_id=" in message
    assert "amount.value 0.012 vs 0.013" in message


def test_a_restated_anthropic_line_and_focus_row_are_refused(folder, tmp_path):
    copy = folder / "invoices/anthropic/2026-09/cost_report (1).json"
    doc = json.loads((folder / ANTHROPIC_PAGE).read_text())
    doc["data"][0]["results"][2]["amount"] = "1001"
    copy.write_text(json.dumps(doc, default=str))
    with pytest.raises(InvoiceError, match=r"web_search.*amount \(cents / 100\) 10\.00 vs 10\.01"):
        read_invoices(folder)
    copy.unlink()
    azure = folder / "invoices/focus/azure-2026-09 (1).csv"
    azure.write_text((folder / AZURE).read_text().replace("\n1.25,", "\n1.26,"))
    with pytest.raises(InvoiceError, match=r"line 2 and .*azure-2026-09.csv: line 2 .*BilledCost"):
        read_invoices(folder)


def test_a_changed_quantity_is_refused_too(folder):
    copy = folder / "invoices/openai/2026-09/page-2 (1).json"
    copy.write_text(
        (folder / "invoices/openai/2026-09/page-2.json")
        .read_text()
        .replace('"quantity": 250000', '"quantity": 250001')
    )
    with pytest.raises(InvoiceError, match=r"quantity 250000 vs 250001"):
        read_invoices(folder)


def test_the_same_lines_on_two_invoices_are_not_merged(folder):
    """A correction on a later invoice is its own line: identity includes the invoice."""
    target = folder / "invoices/openai/2026-10"
    target.mkdir()
    shutil.copy(folder / "invoices/openai/2026-09/page-2.json", target / "late.json")
    batch = read_invoices(folder)
    assert not batch.repeats
    october = batch.lines.filter(batch.lines["InvoiceId"] == "openai-openai-2026-10")
    assert october["ChargeClass"].to_list() == ["Correction"]
