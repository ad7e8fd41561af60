"""read_invoices: one frame of lines, models resolved to the logs, corrections, stated totals."""

import shutil
from decimal import Decimal as D
from pathlib import Path

import pytest

from pipelines.lib.invoices import INVOICE_LINE_COLUMNS, InvoiceError, invoice_totals, read_invoices
from pipelines.lib.invoices.normalise import resolve_model

FIX = Path(__file__).parent / "fixtures"
KNOWN = {
    "openai": {"gpt-4.1", "gpt-4.1-mini"},
    "anthropic": {"claude-sonnet-4-5-20250929", "claude-haiku-4-5-20251001"},
    "aws_bedrock": {"eu.anthropic.claude-haiku-4-5-20251001-v1:0"},
    "azure_openai": {"gpt-4o", "gpt-4o-mini"},
}


@pytest.mark.parametrize(
    ("provider", "vendor", "expected"),
    [
        ("openai", "gpt-4.1-2025-04-14", "gpt-4.1"),  # dated snapshot -> log name
        ("openai", "GPT-4.1-MINI", "gpt-4.1-mini"),
        ("anthropic", "claude-sonnet-4-5", "claude-sonnet-4-5-20250929"),
        ("aws_bedrock", "claude-haiku-4.5", "eu.anthropic.claude-haiku-4-5-20251001-v1:0"),
        ("azure_openai", "gpt-4o-0806", "gpt-4o"),
        ("openai", "text-embedding-3-small", "text-embedding-3-small"),  # unknown: kept
        ("openai", None, None),
    ],
)
def test_resolve_model(provider, vendor, expected):
    assert resolve_model(provider, vendor, KNOWN) == expected


def test_reads_every_format_into_one_frame(tmp_path):
    shutil.copytree(FIX, tmp_path / "invoices")
    batch = read_invoices(tmp_path, KNOWN)
    frame = batch.lines
    assert frame.schema == INVOICE_LINE_COLUMNS
    # openai 4 + 1, anthropic 3, azure 2, aws 4, generic 4
    assert len(frame) == 18
    assert frame["line_id"].n_unique() == 18
    by_format = dict(frame.group_by("source_format").len().iter_rows())
    assert by_format == {
        "openai_costs": 5,
        "anthropic_cost_report": 3,
        "azure_focus": 2,
        "aws_focus": 4,
        "generic_csv": 4,
    }
    azure = frame.filter(frame["source_format"] == "azure_focus")
    assert azure["InvoiceId"].unique().to_list() == [
        "azure_openai-/providers/Microsoft.Billing/billingAccounts/123-2026-09"
    ]
    assert azure["model"].to_list() == ["gpt-4o", "gpt-4.1-mini"]
    generic = frame.filter(frame["source_format"] == "generic_csv")
    # charged 2026-09-30 on the October invoice: a correction of an earlier period
    assert generic["ChargeClass"].to_list() == [None, "Correction", None, None]
    assert generic["model"].to_list()[:2] == ["claude-sonnet-4-5-20250929"] * 2
    totals = invoice_totals(frame)
    # 0.060000000000000012 + 0.012 + 1.5 + 0.25 + 2 = 3.822000000000000012 -> 3.82
    assert totals["INV-OAI-2026-09"] == ("USD", D("3.82"))
    # (123.45 + 0.5 + 1000) cents = 11.2395 USD -> 11.24
    assert totals["anthropic-anthropic-2026-09"] == ("USD", D("11.24"))
    assert totals["NK-2026-10-77"] == ("EUR", D("6.78"))
    # 0.80 + 0.30 + 0.22 - 0.50 (the EC2 row is not AI)
    assert totals["EUINV-2026-09-1"] == ("USD", D("0.82"))


def test_a_stated_total_that_the_lines_miss_refuses_the_invoice(tmp_path):
    shutil.copytree(FIX / "generic", tmp_path / "invoices" / "generic")
    path = tmp_path / "invoices" / "generic" / "reseller-2026-10.csv"
    path.write_text(path.read_text().replace(",6.78,", ",6.79,"))
    with pytest.raises(InvoiceError, match=r"line 7: invoice NK-2026-10-77 states 6.79"):
        read_invoices(tmp_path, KNOWN)


def test_an_invoice_in_two_currencies_is_refused(tmp_path):
    shutil.copytree(FIX / "generic", tmp_path / "invoices" / "generic")
    path = tmp_path / "invoices" / "generic" / "reseller-2026-10.csv"
    path.write_text(path.read_text().replace("EUR,tax", "USD,tax"))
    with pytest.raises(InvoiceError, match="several currencies"):
        read_invoices(tmp_path, KNOWN)


def test_no_invoices_folder_gives_an_empty_frame(tmp_path):
    batch = read_invoices(tmp_path)
    assert batch.lines.is_empty() and batch.lines.schema == INVOICE_LINE_COLUMNS
