"""`costline validate`: the broken corpus (one rule per file), the clean file, a vendor file."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from pipelines.lib.focus.validate import main, validate_file

HERE = Path(__file__).parent
BROKEN = sorted(p for p in (HERE / "broken").glob("*.csv") if p.stem != "clean")
CLEAN = HERE / "broken" / "clean.csv"


def test_corpus_has_one_file_per_rule():
    assert len(BROKEN) >= 25
    assert len({p.stem.split("__")[0] for p in BROKEN}) >= 23


def test_clean_file_has_no_violations():
    assert validate_file(CLEAN) == []


@pytest.mark.parametrize("path", BROKEN, ids=lambda p: p.stem)
def test_broken_file_yields_exactly_its_rule(path):
    expected = path.stem.split("__")[0]
    violations = validate_file(path)
    assert violations, f"{path.name}: no violation"
    assert {v.rule for v in violations} == {expected}, [str(v) for v in violations]


def test_defects_the_official_validator_misses_are_caught():
    """Reference §8: one bad enum row among good ones, price x quantity, nested JSON, dates."""
    missed = {
        "FOCUS-ChargeCategory-enum__lowercase_usage": (2, "ChargeCategory"),
        "FOCUS-ListCost-unit-price-x-quantity__wrong_list_cost": (1, "ListCost"),
        "FOCUS-Tags-key-value-format__nested_tags": (1, "Tags"),
        "FOCUS-DateTimeFormat__space_separated_datetime": (1, "ChargePeriodStart"),
        "FOCUS-DateTimeFormat__us_short_date": (3, "BillingPeriodStart"),
        "FOCUS-ListUnitPrice-not-null-for-usage-purchase__null_list_price": (1, "ListUnitPrice"),
    }
    for stem, (row, column) in missed.items():
        [v] = validate_file(HERE / "broken" / f"{stem}.csv")
        assert (v.row, v.column) == (row, column)


def test_message_names_the_exact_values():
    [v] = validate_file(
        HERE / "broken" / "FOCUS-ListCost-unit-price-x-quantity__wrong_list_cost.csv"
    )
    assert str(v) == (
        "row 1, ListCost: ListCost 0.61 != ListUnitPrice 0.4 x PricingQuantity 1.5 "
        "[FOCUS-ListCost-unit-price-x-quantity]"
    )


def test_parquet_is_read_exactly(tmp_path):
    table = pacsv.read_csv(
        CLEAN,
        convert_options=pacsv.ConvertOptions(
            column_types={"BilledCost": pa.string()}, strings_can_be_null=True
        ),
    )
    costs = [Decimal(x) for x in table.column("BilledCost").to_pylist()]
    table = table.set_column(
        table.schema.get_field_index("BilledCost"),
        "BilledCost",
        pa.array(costs, type=pa.decimal128(38, 18)),
    )
    path = tmp_path / "clean.parquet"
    pq.write_table(table, path)
    assert validate_file(path) == []


def test_invoice_totals(tmp_path, capsys):
    totals = tmp_path / "totals.json"
    totals.write_text(json.dumps({"INV-OPENAI-2025-06": "0.99", "INV-ANTHROPIC-2025-06": "6.5"}))
    assert main([str(CLEAN), "--invoice-totals", str(totals)]) == 0
    out = capsys.readouterr().out
    assert "invoice INV-OPENAI-2025-06: sum of BilledCost 0.99" in out
    totals.write_text(json.dumps({"INV-OPENAI-2025-06": "1.00"}))
    violations = validate_file(CLEAN, {"INV-OPENAI-2025-06": Decimal("1.00")})
    assert [v.rule for v in violations] == ["FOCUS-BilledCost-invoice-total"]
    assert main([str(CLEAN), "--invoice-totals", str(totals)]) == 1


def test_exit_codes(tmp_path, capsys):
    assert main([str(CLEAN)]) == 0
    assert main([str(BROKEN[0])]) == 1
    assert main([str(tmp_path / "missing.csv")]) == 2
    bad = tmp_path / "x.parquet"
    bad.write_bytes(b"not parquet")
    assert main([str(bad)]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_vendor_file_from_the_spec_appendix():
    """The spec's virtual-currency example (dates normalised) lacks only ServiceCategory; its
    `Token` PricingCurrency is a valid virtual currency for FOCUS 1.2 (the official validator
    rejects it, reference §8 defect 3)."""
    path = HERE / "vendor" / "virtual_currency_pricing_model_b2.normalised.csv"
    violations = validate_file(path)
    assert [(v.rule, v.row, v.column) for v in violations] == [
        ("FOCUS-ColumnHandling-mandatory", None, "ServiceCategory")
    ]


def test_every_rule_the_corpus_breaks_is_in_the_catalogue():
    from pipelines.lib.focus.validate import rule_ids

    catalogue = set(rule_ids(with_invoice_totals=True))
    assert {p.stem.split("__")[0] for p in BROKEN} <= catalogue
    assert len(catalogue) == len(rule_ids(with_invoice_totals=True))


def test_summary_says_how_many_rules_were_checked(capsys):
    from pipelines.lib.focus.validate import rule_ids

    assert main([str(CLEAN)]) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert f"{len(rule_ids())} rules checked, no violation - conforms" in last
    assert " 0 rules" not in last
    assert main([str(BROKEN[0])]) == 1
    assert f"{len(rule_ids())} rules checked, " in capsys.readouterr().out
