"""Parsers on fixture pages written from the documented formats (input-formats §5)."""

from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest

from pipelines.lib.invoices.anthropic_cost_report import parse_anthropic_cost_report
from pipelines.lib.invoices.cloud_focus import (
    parse_aws_usage_type,
    parse_azure_meter,
    parse_cloud_focus,
)
from pipelines.lib.invoices.generic_csv import parse_generic_csv
from pipelines.lib.invoices.lines import InvoiceError
from pipelines.lib.invoices.openai_costs import parse_line_item, parse_openai_costs

FIX = Path(__file__).parent / "fixtures"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("gpt-4o-2024-08-06, input", ("gpt-4o-2024-08-06", "input", None)),
        ("gpt-4o-mini-2024-07-18, cached input", ("gpt-4o-mini-2024-07-18", "cache_read", None)),
        ("priority | o3, output", ("o3", "output", "priority")),
        ("gpt-4.1, input, long context", ("gpt-4.1", "input", None)),
        ("gpt-4.1, batch input", ("gpt-4.1", "input", "batch")),
        ("web search tool calls", (None, None, None)),
        ("Vector storage", (None, None, None)),
    ],
)
def test_openai_line_items_are_parsed_leniently(text, expected):
    assert parse_line_item(text) == expected


def test_openai_costs_pages_keep_every_digit_and_the_invoice_from_the_sidecar():
    lines = parse_openai_costs(FIX / "openai/2026-09/page-1.json", "openai/2026-09/page-1.json")
    assert len(lines) == 4
    first = lines[0]
    # JSON number 0.060000000000000012 stays exact (a float would print 0.06000000000000001).
    assert first.billed_cost == D("0.060000000000000012")
    assert (first.invoice_id, first.billing_account_id) == ("INV-OAI-2026-09", "org-acme")
    assert (first.charge_period_start, first.charge_period_end) == (
        date(2026, 9, 1),
        date(2026, 9, 2),
    )
    assert (first.vendor_model, first.token_kind, first.quantity) == (
        "gpt-4.1-2025-04-14",
        "input",
        24000,
    )
    # 24 x 1000_tokens = 24000 tokens
    assert lines[1].quantity == 24000 and lines[1].token_kind == "cache_read"
    assert lines[2].service_tier == "priority"
    web = lines[3]
    assert web.vendor_model is None and web.token_kind is None and web.quantity is None
    assert web.raw_line_item == "web search tool calls"
    assert [ln.source_line for ln in lines] == [1, 2, 3, 4]


def test_openai_pages_outside_a_month_folder_are_refused(tmp_path):
    page = tmp_path / "page.json"
    page.write_text((FIX / "openai/2026-09/page-2.json").read_text())
    with pytest.raises(InvoiceError, match="YYYY-MM"):
        parse_openai_costs(page, "page.json")


def test_openai_without_sidecar_gets_a_default_invoice_id(tmp_path):
    folder = tmp_path / "openai" / "2026-09"
    folder.mkdir(parents=True)
    (folder / "p.json").write_text((FIX / "openai/2026-09/page-2.json").read_text())
    (line,) = parse_openai_costs(folder / "p.json", "openai/2026-09/p.json")
    assert line.invoice_id == "openai-openai-2026-09"
    assert line.sub_account_id == "proj_untracked"
    assert line.billed_cost == D("2")


def test_anthropic_amounts_are_cents_strings():
    lines = parse_anthropic_cost_report(
        FIX / "anthropic/2026-09/cost_report.json", "anthropic/2026-09/cost_report.json"
    )
    # "123.45" cents = USD 1.2345; "0.5" cents = USD 0.005; "1000" cents = USD 10
    assert [ln.billed_cost for ln in lines] == [D("1.2345"), D("0.005"), D("10.00")]
    assert [ln.token_kind for ln in lines] == ["input", "cache_write_1h", None]
    assert lines[0].vendor_model == "claude-sonnet-4-5-20250929"
    assert lines[0].invoice_id == "anthropic-anthropic-2026-09"
    assert lines[2].raw_line_item == "Web search"


@pytest.mark.parametrize(
    ("meter", "expected"),
    [
        ("gpt-4o-0806-Inp-glbl", ("gpt-4o-0806", "input", None)),
        ("gpt-4o-mini-0718-Outp-glbl", ("gpt-4o-mini-0718", "output", None)),
        ("gpt 4o 0513 Input global Tokens", ("gpt-4o-0513", "input", None)),
        ("gpt 4.1 mini cached Inp glbl", ("gpt-4.1-mini", "cache_read", None)),
        ("GPT 5 Inpt Glbl", ("gpt-5", "input", None)),
        ("gpt-4-8K-Batch-Inp-glbl Tokens", ("gpt-4-8k", "input", "batch")),
        ("gpt-4.1 cached Inp DZone", ("gpt-4.1", "cache_read", None)),
        ("gpt-4.1 Outp regnl", ("gpt-4.1", "output", None)),
    ],
)
def test_azure_meters(meter, expected):
    assert parse_azure_meter(meter) == expected


@pytest.mark.parametrize(
    ("usage_type", "product", "expected"),
    [
        ("USE1-Claude3Sonnet-input-tokens", None, ("Claude3Sonnet", "input", None)),
        ("USE1-NovaLite-input-tokens-priority", None, ("NovaLite", "input", "priority")),
        ("USE1-zai.glm-4.7-output-tokens-batch", None, ("zai.glm-4.7", "output", "batch")),
        (
            "USW2-Claude3Haiku-cache-read-input-token-count",
            None,
            ("Claude3Haiku", "cache_read", None),
        ),
        (
            "USW2-Claude3Haiku-cache-write-input-token-count-1-hour",
            None,
            ("Claude3Haiku", "cache_write_1h", None),
        ),
        (
            "USE1-MP:USE1_InputTokenCount-Units",
            "Claude Sonnet 4.6 (Amazon Bedrock Edition)",
            ("claude-sonnet-4.6", "input", None),
        ),
        (
            "USE1-MP:USE1_CacheWrite1hInputTokenCount_Global-Units",
            "Claude Haiku 4.5",
            ("claude-haiku-4.5", "cache_write_1h", None),
        ),
        (
            "USE1-MP:USE1_InputTokenCount_Batch-Units",
            "Claude Haiku 4.5",
            ("claude-haiku-4.5", "input", "batch"),
        ),
        (
            "USE1-MP:USE1_output_tokens_global_standard-Units",
            "Claude Haiku 4.5",
            ("claude-haiku-4.5", "output", None),
        ),
    ],
)
def test_aws_usage_types(usage_type, product, expected):
    assert parse_aws_usage_type(usage_type, product) == expected


def test_azure_export_keeps_ai_rows_only_with_quantities_in_tokens():
    lines = parse_cloud_focus(FIX / "focus/azure-2026-09.csv", "focus/azure-2026-09.csv")
    assert len(lines) == 2  # the VM row is not an AI service
    a, b = lines
    assert (a.provider, a.vendor_model, a.token_kind) == ("azure_openai", "gpt-4o-0806", "input")
    assert a.quantity == 500_000  # 500 x "1K Tokens"
    assert (b.vendor_model, b.token_kind, b.quantity) == ("gpt-4.1-mini", "cache_read", 1_000_000)
    assert a.currency == "EUR" and a.billed_cost == D("1.25")
    assert a.invoice_id is None  # filled by normalise: <provider>-<account>-<YYYY-MM>
    assert a.source_line == 2 and b.source_line == 3


def test_aws_export_hourly_rows_tax_and_credit():
    lines = parse_cloud_focus(FIX / "focus/aws-2026-09.csv", "focus/aws-2026-09.csv")
    assert [ln.charge_category for ln in lines] == ["Usage", "Usage", "Tax", "Credit"]
    hourly = lines[0]
    # 10:00-11:00 on Sep 2 -> the day [Sep 2, Sep 3)
    assert (hourly.charge_period_start, hourly.charge_period_end) == (
        date(2026, 9, 2),
        date(2026, 9, 3),
    )
    assert hourly.vendor_model == "claude-haiku-4.5" and hourly.token_kind == "input"
    assert hourly.billed_cost == D("0.8000000000")
    assert lines[1].quantity == 1_000_000 and lines[1].service_tier == "batch"
    assert lines[2].vendor_model is None and lines[3].billed_cost == D("-0.5000000000")
    assert {ln.invoice_id for ln in lines} == {"EUINV-2026-09-1"}


def test_generic_csv_lines_totals_and_correction_period():
    lines, totals = parse_generic_csv(FIX / "generic/reseller-2026-10.csv", "g.csv")
    assert [ln.charge_category for ln in lines] == ["Usage", "Usage", "Tax", "Credit"]
    assert lines[0].source_line == 3  # comment line 1, header line 2
    assert (lines[0].charge_period_start, lines[0].charge_period_end) == (
        date(2026, 10, 1),
        date(2026, 11, 1),
    )
    assert lines[1].charge_period_start == date(2026, 9, 30)
    assert lines[0].quantity == 2_000_000 and lines[0].currency == "EUR"
    (total,) = totals
    assert total.amount == D("6.78") and total.invoice_id == "NK-2026-10-77"


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("X,I,anthropic,A,2026-10,EUR,usage,,,,,,12.3.4,", "line 2, amount"),
        ("X,I,anthropic,A,2026-13,EUR,usage,,,,,,1,", "line 2, billing_period"),
        ("X,I,anthropic,A,2026-10,EURO,usage,,,,,,1,", "line 2, currency"),
        ("X,I,anthropic,A,2026-10,EUR,refund,,,,,,1,", "line 2, line_type"),
        ("X,I,anthropic,A,2026-10,EUR,usage,,,,tokens,,1,", "line 2, token_kind"),
        ("X,I,anthropic,,2026-10,EUR,usage,,,,,,1,", "line 2, billing_account_id: empty"),
    ],
)
def test_generic_csv_errors_name_line_and_field(tmp_path, row, message):
    header = (
        "invoice_id,invoice_issuer,provider,billing_account_id,billing_period,currency,"
        "line_type,charge_period_start,charge_period_end,model,token_kind,quantity,amount,"
        "description"
    )
    path = tmp_path / "bad.csv"
    path.write_text(f"{header}\n{row}\n")
    with pytest.raises(InvoiceError, match=message):
        parse_generic_csv(path, "bad.csv")


def test_generic_csv_missing_columns(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("invoice_id,amount\nX,1\n")
    with pytest.raises(InvoiceError, match="missing column"):
        parse_generic_csv(path, "bad.csv")
