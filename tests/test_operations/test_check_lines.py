"""Failed checks are printed in plain words naming the tenant, month or invoice."""

from __future__ import annotations

import dagster as dg

from pipelines.cli.check_lines import describe

ANOMALIES = dg.MetadataValue.md(
    "```\nday | tenant / feature / env | kind | tokens x median | cost x median\n"
    "2026-10-15 | t-9 / chat / prod | tokens+cost | 21.4 | 20.5\n```"
)
GAPS = dg.MetadataValue.json(
    [
        {"provider": "openai", "month": "2026-09", "currency": "USD", "billed_usage": "83.50",
         "logged_usage": "62.01", "gap_share": "0.3465"},
        {"provider": "anthropic", "month": "2026-09", "currency": "USD",
         "billed_usage": "100.00", "logged_usage": "99.00", "gap_share": "0.0101"},
        {"provider": "aws_bedrock", "month": "2026-10", "currency": "EUR",
         "billed_usage": "1.00", "logged_usage": "0", "gap_share": None},
    ]
)  # fmt: skip


def test_a_spike_names_day_tenant_and_feature_without_a_dict():
    finding = describe(
        "mart_anomalies",
        "no_high_severity_anomalies",
        False,
        {"high_severity": 1, "high_severity_non_prod": 3, "anomalies": ANOMALIES},
    )
    text = finding.text()
    assert text.startswith("warning: 1 high-severity token or cost spike(s) in prod (3 more")
    assert "day 2026-10-15, tenant / feature / env t-9 / chat / prod" in text
    assert "{" not in text and "```" not in text


def test_a_reconciliation_gap_names_provider_month_and_amounts_past_the_threshold():
    finding = describe(
        "invoice_allocations",
        "reconciliation_gap",
        False,
        {"threshold": 0.05, "worst_gap_share": 0.3465, "gaps": GAPS},
    )
    assert "more than 5%" in finding.headline
    assert finding.details == [
        "openai 2026-09: billed usage 83.50 USD, logged 62.01 USD, gap 34.65% of logged"
    ]


def test_an_unknown_check_reads_as_words_and_a_failed_one_says_so():
    finding = describe("stg_invoice_lines", "amounts_in_range", True, {"bad_lines": 2})
    assert finding.text() == (
        "check failed: stg invoice lines: amounts in range (bad lines 2) "
        "[stg_invoice_lines.amounts_in_range]"
    )


def test_long_tables_are_cut_and_counted():
    rows = "\n".join(f"2026-10-{d:02d} | t | k | 1 | 2" for d in range(1, 9))
    table = dg.MetadataValue.md(f"```\nday | tenant | kind | a | b\n{rows}\n```")
    finding = describe("mart_anomalies", "x", False, {"t": table})
    assert len(finding.details) == 6
    assert finding.details[-1] == "... and 3 more"


def test_full_precision_decimals_are_shown_without_trailing_zeros():
    table = dg.MetadataValue.md(
        "```\ntenant | limit | mtd\nt1 | 17.890000000000000000 | 5.000000000000000000\n```"
    )
    finding = describe("mart_budget_status", "no_hard_budget_breach", False, {"b": table})
    assert finding.details == ["tenant t1, limit 17.89, mtd 5.00"]
