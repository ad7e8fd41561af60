from datetime import date
from decimal import Decimal

import pytest

from pipelines.lib.catalog import CatalogError
from pipelines.lib.pricing import load_contract_prices


def test_contract_rows_become_contracted_prices_per_million_tokens(tmp_path, helpers):
    path = helpers.write_contracts(
        tmp_path / "prices.csv",
        [
            "openai,gpt-4.1-mini,input,,0.35,1000000 Tokens,USD,2026-01-01,",
            # 0.0004 per 1000 Tokens = 0.0004 * 1000 = 0.4 per 1000000 Tokens
            "openai,gpt-4.1-mini,output,batch,0.0004,1000 Tokens,USD,2026-01-01,2026-07-01",
            "openai,gpt-4.1-mini,output,batch,0.0003,1000 Tokens,USD,2026-07-01,",
        ],
    )
    df = load_contract_prices(path)
    assert df["price_type"].to_list() == ["contracted"] * 3
    assert df["service_tier"].to_list() == ["*", "batch", "batch"]
    assert df["unit_price"].to_list() == [Decimal("0.35"), Decimal("0.4"), Decimal("0.3")]
    assert df["pricing_unit"].unique().to_list() == ["1000000 Tokens"]
    assert df["valid_to"].to_list() == [None, date(2026, 7, 1), None]
    assert df["source"].to_list() == [f"catalog/prices.csv line {n}" for n in (2, 3, 4)]
    assert df["price_id"][0] == "contracted:openai:gpt-4.1-mini:*:base:input:2026-01-01"


@pytest.mark.parametrize(
    ("line", "field", "message"),
    [
        ("openai,m,input,,0.3x,1000000 Tokens,USD,2026-01-01,", "unit_price", "decimal"),
        ("openai,m,input,,1e-3,1000000 Tokens,USD,2026-01-01,", "unit_price", "decimal"),
        ("openai,m,input,,-1,1000000 Tokens,USD,2026-01-01,", "unit_price", "decimal"),
        ("openai,m,prompt,,0.3,1000000 Tokens,USD,2026-01-01,", "token_kind", "unknown"),
        ("openai,m,input,gold,0.3,1000000 Tokens,USD,2026-01-01,", "service_tier", "unknown"),
        ("openai,m,input,,0.3,1M tokens,USD,2026-01-01,", "unit", "1000000 Tokens"),
        ("openai,m,input,,0.3,1000000 Requests,USD,2026-01-01,", "unit", "1000000 Tokens"),
        # 1 / 3 Tokens per million is not exact with 12 decimals
        ("openai,m,input,,1,3 Tokens,USD,2026-01-01,", "unit_price", "not exact"),
        ("openai,m,input,,0.3,1000000 Tokens,usd,2026-01-01,", "currency", "ISO 4217"),
        ("openai,m,input,,0.3,1000000 Tokens,USD,01/02/2026,", "valid_from", "date"),
        ("openai,m,input,,0.3,1000000 Tokens,USD,2026-02-01,2026-02-01", "valid_to", "after"),
        ("openai,m,input,,0.3,1000000 Tokens,USD,2026-02-01,2026-01-01", "valid_to", "after"),
        (",m,input,,0.3,1000000 Tokens,USD,2026-02-01,", "provider", "empty"),
    ],
)
def test_bad_rows_name_file_line_and_field(tmp_path, helpers, line, field, message):
    good = "openai,m,output,,1,1000000 Tokens,USD,2026-01-01,"
    path = helpers.write_contracts(tmp_path / "prices.csv", [good, line])
    with pytest.raises(CatalogError) as err:
        load_contract_prices(path)
    text = str(err.value)
    assert text.startswith(f"{path}: line 3, {field}:"), text
    assert message in text


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("2026-01-01,", "2026-06-01,"),  # open-ended row overlaps any later row
        ("2026-01-01,2026-07-01", "2026-06-01,2026-08-01"),
        ("2026-01-01,2026-07-01", "2026-01-01,2026-07-01"),
    ],
)
def test_overlapping_validity_for_the_same_key_is_rejected(tmp_path, helpers, first, second):
    path = helpers.write_contracts(
        tmp_path / "prices.csv",
        [
            f"openai,m,input,batch,0.3,1000000 Tokens,USD,{first}",
            "openai,m,input,,0.3,1000000 Tokens,USD,2026-01-01,",  # other tier: no overlap
            f"openai,m,input,batch,0.2,1000000 Tokens,USD,{second}",
        ],
    )
    with pytest.raises(CatalogError, match=r"line 4, valid_from: validity overlaps line 2"):
        load_contract_prices(path)


def test_adjacent_periods_do_not_overlap(tmp_path, helpers):
    path = helpers.write_contracts(
        tmp_path / "prices.csv",
        [
            "openai,m,input,,0.3,1000000 Tokens,USD,2026-01-01,2026-02-01",
            "openai,m,input,,0.2,1000000 Tokens,USD,2026-02-01,",
        ],
    )
    assert len(load_contract_prices(path)) == 2


def test_missing_file_and_missing_column(tmp_path, helpers):
    with pytest.raises(CatalogError, match="file not found"):
        load_contract_prices(tmp_path / "nope.csv")
    path = helpers.write_contracts(tmp_path / "p.csv", [], header="provider,model,token_kind")
    with pytest.raises(CatalogError, match=r"missing column\(s\) service_tier"):
        load_contract_prices(path)
