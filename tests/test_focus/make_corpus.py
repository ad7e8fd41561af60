"""Write the validation corpus: `broken/clean.csv` and one broken file per rule.

Each broken file is the clean file with one defect; its name is `<rule id>__<what>.csv`, and
`test_validate.py` asserts the file yields exactly that rule. Run after changing the clean rows:

    .venv/bin/python tests/test_focus/make_corpus.py
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

from schemas.focus.columns import COLUMN_NAMES

HERE = Path(__file__).parent
BROKEN = HERE / "broken"


def _row(**values: str) -> dict[str, str]:
    row = dict.fromkeys(COLUMN_NAMES, "")
    row.update(
        BillingCurrency="USD",
        BillingPeriodStart="2025-06-01T00:00:00Z",
        BillingPeriodEnd="2025-07-01T00:00:00Z",
        ChargePeriodStart="2025-06-01T00:00:00Z",
        ChargePeriodEnd="2025-06-02T00:00:00Z",
        ServiceCategory="AI and Machine Learning",
        ServiceSubcategory="Generative AI",
        PricingCurrency="USD",
    )
    row.update(values)
    return row


def _usage(provider: str, meter: str, kind: str, list_p: str, con_p: str, qty: str, **costs):
    name, service = {
        "openai": ("OpenAI", "OpenAI API"),
        "anthropic": ("Anthropic", "Anthropic API"),
    }[provider]
    model = {"openai": "gpt-4.1-mini", "anthropic": "claude-sonnet-4-5"}[provider]
    tags = {"tenant": "acme", "feature": "search", "environment": "prod", "app": "web"}
    return _row(
        BilledCost=costs["contracted"],
        BillingAccountId=f"{provider}:default",
        BillingAccountName=f"{name} default account",
        BillingAccountType="Organization",
        ChargeCategory="Usage",
        ChargeDescription=f"{model} {meter}",
        ChargeFrequency="Usage-Based",
        ConsumedQuantity=costs["tokens"],
        ConsumedUnit="Tokens",
        ContractedCost=costs["contracted"],
        ContractedUnitPrice=con_p,
        EffectiveCost=costs["contracted"],
        InvoiceId=f"INV-{provider.upper()}-2025-06",
        InvoiceIssuerName=name,
        ListCost=costs["list"],
        ListUnitPrice=list_p,
        PricingCategory="Standard",
        PricingCurrencyContractedUnitPrice=con_p,
        PricingCurrencyEffectiveCost=costs["contracted"],
        PricingCurrencyListUnitPrice=list_p,
        PricingQuantity=qty,
        PricingUnit="1000000 Tokens",
        ProviderName=name,
        PublisherName=name,
        ServiceName=service,
        SkuId=f"{provider}/{model}/{kind}",
        SkuMeter=meter,
        SkuPriceDetails=json.dumps({"x_Model": model, "x_TokenKind": kind}),
        SkuPriceId=f"contract:{provider}:{model}:standard:base:{kind}:2025-05-01",
        Tags=json.dumps(tags),
        x_TenantId="acme",
        x_Model=model,
    )


def clean_rows() -> list[dict[str, str]]:
    """Four usage rows, one Tax row and one Credit row (two invoices)."""
    rows = [
        _usage(
            "openai",
            "Input Tokens",
            "input",
            "0.4",
            "0.36",
            "1.5",
            tokens="1500000.0",
            list="0.6",
            contracted="0.54",
        ),
        _usage(
            "openai",
            "Output Tokens",
            "output",
            "1.6",
            "1.44",
            "0.25",
            tokens="250000.0",
            list="0.4",
            contracted="0.36",
        ),
        _usage(
            "anthropic",
            "Input Tokens",
            "input",
            "3.0",
            "3.0",
            "2.0",
            tokens="2000000.0",
            list="6.0",
            contracted="6.0",
        ),
        _usage(
            "anthropic",
            "Output Tokens",
            "output",
            "15.0",
            "15.0",
            "0.1",
            tokens="100000.0",
            list="1.5",
            contracted="1.5",
        ),
    ]
    tax = dict(rows[0])
    for col in (
        "ConsumedQuantity",
        "ConsumedUnit",
        "ContractedUnitPrice",
        "ListUnitPrice",
        "PricingCategory",
        "PricingCurrencyContractedUnitPrice",
        "PricingCurrencyListUnitPrice",
        "PricingQuantity",
        "PricingUnit",
        "SkuId",
        "SkuMeter",
        "SkuPriceDetails",
        "SkuPriceId",
    ):
        tax[col] = ""
    tax.update(
        ChargeCategory="Tax",
        ChargeDescription="Sales tax 10 %",
        ChargeFrequency="Recurring",
        BilledCost="0.09",
        ContractedCost="0.09",
        EffectiveCost="0.09",
        ListCost="0.1",
        PricingCurrencyEffectiveCost="0.09",
    )
    credit = dict(tax)
    credit.update(
        {
            k: rows[2][k]
            for k in (
                "BillingAccountId",
                "BillingAccountName",
                "InvoiceId",
                "InvoiceIssuerName",
                "ProviderName",
                "PublisherName",
                "ServiceName",
                "x_Model",
            )
        },
        ChargeCategory="Credit",
        ChargeDescription="Promotional credit",
        ChargeFrequency="One-Time",
        BilledCost="-1.0",
        ContractedCost="-1.0",
        EffectiveCost="-1.0",
        ListCost="-1.0",
        PricingCurrencyEffectiveCost="-1.0",
    )
    return [*rows, tax, credit]


def _write(path: Path, rows: list[dict[str, str]], header: list[str] | None = None) -> None:
    header = header or list(rows[0])
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        writer.writerows({h: r.get(h, "") for h in header} for r in rows)


def _mutated(row_index: int, **values: str) -> list[dict[str, str]]:
    rows = clean_rows()
    rows[row_index].update(values)
    return rows


MUTATIONS = {
    "FOCUS-ChargeCategory-enum__lowercase_usage": _mutated(1, ChargeCategory="usage"),
    "FOCUS-ChargeClass-enum__lowercase_correction": _mutated(0, ChargeClass="correction"),
    "FOCUS-ListCost-unit-price-x-quantity__wrong_list_cost": _mutated(0, ListCost="0.61"),
    "FOCUS-ContractedCost-unit-price-x-quantity__rounded_cost": _mutated(1, ContractedCost="0.4"),
    "FOCUS-Tags-key-value-format__nested_tags": _mutated(
        0, Tags='{"tenant": "acme", "meta": {"team": "search"}}'
    ),
    "FOCUS-DateTimeFormat__space_separated_datetime": _mutated(
        0, ChargePeriodStart="2025-06-01 00:00:00"
    ),
    "FOCUS-DateTimeFormat__us_short_date": _mutated(2, BillingPeriodStart="6/1/25"),
    "FOCUS-ListUnitPrice-not-null-for-usage-purchase__null_list_price": _mutated(
        0, ListUnitPrice=""
    ),
    "FOCUS-ServiceSubcategory-parent__subcategory_of_databases": _mutated(
        0, ServiceSubcategory="Relational Databases"
    ),
    "FOCUS-SkuId-null-for-tax__tax_with_sku": _mutated(4, SkuId="openai/tax"),
    "FOCUS-ConsumedUnit-null-with-ConsumedQuantity__quantity_without_unit": _mutated(
        0, ConsumedUnit=""
    ),
    "FOCUS-ListUnitPrice-non-negative__negative_price": _mutated(
        2, ListUnitPrice="-3.0", ListCost="-6.0"
    ),
    "FOCUS-NullHandling-placeholder__na_issuer": _mutated(1, InvoiceIssuerName="N/A"),
    "FOCUS-NullHandling-placeholder__blank_string_service": _mutated(3, ServiceName=" "),
    "FOCUS-InvoiceIssuerName-not-null__empty_issuer": _mutated(1, InvoiceIssuerName=""),
    "FOCUS-ServiceName-one-category__two_categories": _mutated(
        3, ServiceCategory="Other", ServiceSubcategory="Other (Other)"
    ),
    "FOCUS-BillingCurrency-iso4217__dollar_sign": _mutated(2, BillingCurrency="US$"),
    "FOCUS-SkuPriceDetails-keys__key_without_x": _mutated(0, SkuPriceDetails='{"Model": "m"}'),
    "FOCUS-SkuPriceId-one-SkuId__price_id_on_two_skus": _mutated(
        1, SkuPriceId="contract:openai:gpt-4.1-mini:standard:base:input:2025-05-01"
    ),
    "FOCUS-NumericFormat__plus_sign": _mutated(0, BilledCost="+0.54"),
    "FOCUS-NumericFormat__thousands_separator": _mutated(2, ConsumedQuantity="2,000,000"),
    "FOCUS-ListCost-credit-equals-billed__credit_list_cost": _mutated(5, ListCost="-2.0"),
    "FOCUS-ConsumedQuantity-usage-only__tax_with_quantity": _mutated(
        4, ConsumedQuantity="1.0", ConsumedUnit="Tokens"
    ),
    "FOCUS-ChargePeriodEnd-after-start__end_before_start": _mutated(
        0, ChargePeriodEnd="2025-05-31T00:00:00Z"
    ),
}


def main() -> None:
    BROKEN.mkdir(exist_ok=True)
    for old in BROKEN.glob("*.csv"):
        old.unlink()
    clean = clean_rows()
    _write(BROKEN / "clean.csv", clean)
    for name, rows in MUTATIONS.items():
        _write(BROKEN / f"{name}.csv", rows)
    header = list(clean[0])
    _write(
        BROKEN / "FOCUS-ColumnHandling-x-prefix__custom_without_x.csv",
        [{**r, "TenantId": "acme"} for r in clean],
        [*header, "TenantId"],
    )
    interleaved = [h for h in header if h != "x_TenantId"]
    interleaved.insert(interleaved.index("Tags"), "x_TenantId")
    _write(BROKEN / "FOCUS-ColumnHandling-order__interleaved.csv", clean, interleaved)
    _write(
        BROKEN / "FOCUS-ColumnHandling-mandatory__no_billed_cost.csv",
        clean,
        [h for h in header if h != "BilledCost"],
    )
    if SPEC_SAMPLES.exists():
        normalise_vendor()


SPEC_SAMPLES = Path("/work/shared/focus-samples/spec-v1.2-appendix")
VENDOR_SOURCE = "saas_examples/virtual_currency_pricing_model_b2.csv"
VENDOR = HERE / "vendor" / "virtual_currency_pricing_model_b2.normalised.csv"


def _iso(us_date: str) -> str:
    month, day, year = (int(x) for x in us_date.split("/"))
    return f"{2000 + year:04d}-{month:02d}-{day:02d}T00:00:00Z"


def normalise_vendor(source: Path = SPEC_SAMPLES / VENDOR_SOURCE, target: Path = VENDOR) -> None:
    """The spec appendix example as a vendor file: `4/1/25` dates made ISO, cells trimmed.
    Everything else (its missing columns, virtual currency, ...) is kept as published."""
    with source.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        for col, value in row.items():
            value = value.strip()
            row[col] = _iso(value) if col.endswith(("Start", "End")) and "/" in value else value
    target.parent.mkdir(exist_ok=True)
    _write(target, rows)


if __name__ == "__main__":
    main()
