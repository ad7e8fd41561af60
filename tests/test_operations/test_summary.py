"""The closing summary of `costline run`, printed from a real (hand-filled) warehouse file."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import duckdb
import pytest

from pipelines.cli.check_lines import describe
from pipelines.cli.summary import money_text, print_summary
from tests.test_operations.conftest import run_cli

D = Decimal
SEP3, SEP4 = date(2026, 9, 3), date(2026, 9, 4)
LINES = [
    # provider, price_status, list_cost, contracted_cost, list_currency, contracted_currency
    ("openai", "priced", D("10.00"), D("8.00"), "USD", "USD"),
    ("openai", "priced", None, D("0.0042"), None, "USD"),  # contracted price, no list price
    ("openai", "unpriced", None, None, None, None),
    ("azure_openai", "priced", D("1.50"), D("1.00"), "USD", "USD"),
    ("azure_openai", "priced", D("2.50"), D("2.00"), "EUR", "EUR"),
    ("aws_bedrock", "priced", D("0.000123"), D("0.000111"), "EUR", "EUR"),
]


@pytest.fixture
def out(tmp_path):
    out = tmp_path / "out"
    for folder in ("cost_lines", "focus", "focus_invoiced", "marts"):
        (out / folder).mkdir(parents=True)
    (out / "exports" / "chargeback" / "2026-09" / "tenants").mkdir(parents=True)
    (out / "exports" / "guardrails").mkdir(parents=True)
    (out / "exports" / "guardrails" / "2026-09-04.json").write_text("{}")
    with duckdb.connect(str(out / "warehouse.duckdb")) as con:
        con.execute("create table stg_requests (request_date date)")
        con.execute("insert into stg_requests values ('2026-09-03'), ('2026-09-04')")
        con.execute("create table quarantine_requests (request_date date)")
        con.execute("insert into quarantine_requests values ('2026-09-04'), (null)")
        con.execute(
            """create table fct_cost_lines (request_date date, provider varchar,
               price_status varchar, list_cost decimal(38, 18), contracted_cost decimal(38, 18),
               list_currency varchar, contracted_currency varchar)"""
        )
        con.executemany("insert into fct_cost_lines values ('2026-09-04', ?, ?, ?, ?, ?, ?)", LINES)
        # outside the window: never counted
        con.execute(
            "insert into fct_cost_lines values "
            "('2026-09-05', 'openai', 'priced', 99, 99, 'USD', 'USD')"
        )
    return out


def _summary(out, capsys, findings=()) -> str:
    print_summary(out, SEP3, SEP4, 1.0, None, findings)
    return capsys.readouterr().out


def test_the_window_is_printed_as_inclusive_days(out, capsys):
    text = _summary(out, capsys)
    assert "costline run 2026-09-03 .. 2026-09-04 (inclusive days, UTC)" in text
    assert "exclusive" not in text


def test_no_total_adds_two_currencies(out, capsys):
    text = _summary(out, capsys)
    lines = [line.split() for line in text.splitlines()]
    # azure_openai has one line per currency, never 3.00 for USD + EUR
    azure = next(i for i, line in enumerate(lines) if line and line[0] == "azure_openai")
    assert lines[azure][3:6] == ["EUR", "2.00", "[2.50]"]
    assert lines[azure + 1] == ["USD", "1.00", "[1.50]"]
    totals = {line[1]: line[2:] for line in lines if line and line[0] == "total"}
    assert totals == {"USD": ["9.00", "[11.50]"], "EUR": ["2.00", "[2.50]"]}


def test_requests_without_a_list_price_are_counted_and_named(out, capsys):
    text = _summary(out, capsys)
    assert "1 without list price" in text
    assert "1 requests have a contracted price but no list price: list totals exclude them" in text
    assert "1 requests are unpriced (no price at all): both totals exclude them" in text


def test_small_costs_never_read_as_zero(out, capsys):
    text = _summary(out, capsys)
    aws = next(line for line in text.splitlines() if line.strip().startswith("aws_bedrock"))
    assert re.search(r"EUR\s+0\.00011\s+\[0\.00012\]", aws), aws


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (D("0"), "0.00"),
        (D("1234.5"), "1,234.50"),
        (D("0.37"), "0.37"),
        (D("0.0042"), "0.0042"),
        (D("0.000111600000000000"), "0.00011"),
        (D("-0.004"), "-0.0040"),
        (None, "-"),
    ],
)
def test_money_text(value, text):
    assert money_text(value) == text


def test_every_output_is_listed_with_its_path(out, capsys):
    text = _summary(out, capsys)
    listed = {}
    for line in text.split("  outputs:\n")[1].splitlines():
        label, path = re.split(r"\s{2,}", line.strip(), maxsplit=1)
        listed[label] = path
    assert listed["warehouse"] == str(out / "warehouse.duckdb")
    assert listed["cost lines"] == str(out / "cost_lines")
    assert listed["FOCUS 1.2"] == str(out / "focus")
    assert listed["invoiced FOCUS"] == str(out / "focus_invoiced")
    assert listed["marts"] == str(out / "marts")
    assert listed["guardrails"] == str(out / "exports" / "guardrails" / "2026-09-04.json")
    assert listed["chargeback"].startswith(str(out / "exports" / "chargeback"))
    assert "(2026-09)" in listed["chargeback"]
    assert listed["statements"].endswith("tenants/<tenant>.csv")


def test_warnings_are_counted_in_the_summary(out, capsys):
    finding = describe("mart_risk", "some_check", False, {"n": 1})
    assert "warnings: 1" in _summary(out, capsys, [finding])


def test_the_real_cli_summary_keeps_currencies_apart_and_lists_every_output(small_input, tmp_path):
    # aws_bedrock under an EUR contract: its contracted cost is EUR, its list cost USD.
    prices = small_input / "catalog" / "prices.csv"
    model = "eu.anthropic.claude-haiku-4-5-20251001-v1:0"
    with prices.open("a", encoding="utf-8") as handle:
        kinds = ("input", "cache_read", "cache_write", "cache_write_1h", "output")
        for kind, price in zip(kinds, ("0.9", "0.09", "1.1", "1.8", "4.5"), strict=True):
            handle.write(f"aws_bedrock,{model},{kind},,{price},1000000 Tokens,EUR,2026-01-01,,\n")
    out = tmp_path / "out"
    result = run_cli(small_input, out, "2026-09-03", "2026-09-04")
    assert result.returncode == 0, result.stderr[-3000:]
    text = result.stdout
    assert "costline run 2026-09-03 .. 2026-09-04 (inclusive days, UTC)" in text
    totals = {
        line.split()[1]: line.split()[2:]
        for line in text.splitlines()
        if line.strip().startswith("total ")
    }
    assert set(totals) == {"EUR", "USD"}
    assert totals["EUR"][1] == "[-]"  # no EUR list price: nothing added to the USD list total
    aws = [line.split() for line in text.splitlines() if line.strip().startswith("aws_bedrock")]
    assert aws and aws[0][3] == "EUR"
    assert "without list price" in text and "list totals exclude them" in text
    for label in ("warehouse", "cost lines", "FOCUS 1.2", "invoiced FOCUS", "marts"):
        assert re.search(rf"^    {label}\s+{re.escape(str(out))}/", text, re.M), label
    for label in ("chargeback", "statements", "guardrails"):
        assert re.search(rf"^    {label}\s+{re.escape(str(out))}/exports/", text, re.M), label
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning: ")]
    assert warnings and all(re.search(r"\[\w+\.\w+\]$", w) for w in warnings)
    findings = [
        line
        for line in result.stderr.splitlines()
        if line.startswith(("warning: ", "check failed: ")) or line.startswith("    ")
    ]
    assert not [line for line in findings if "{" in line or "```" in line]
