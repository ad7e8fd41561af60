"""Row rules of FOCUS 1.2 Cost and Usage over exact values.

A row arrives as `{column: value}` with value None (NULL), `str` (CSV cells, string columns),
`Decimal`, `datetime` or `date` (typed Parquet). `parse_row` turns the cells into typed values and
reports format problems; `check_row` applies the per-row rules, including the ones focus-validator
2.2.1 misses (per-row enumerations, unit price x quantity, nested JSON, non-ISO dates).

Rule ids are `FOCUS-<Column or attribute>-<rule>`; a value that already failed a format or
placeholder rule is `INVALID` and skipped by the later rules, so one defect gives one violation.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation

from schemas.focus.columns import BY_NAME, DATETIME_COLUMNS, DECIMAL_COLUMNS, JSON_COLUMNS
from schemas.focus.enums import (
    ENUMS,
    NATIONAL_CURRENCIES,
    PLACEHOLDERS,
    SKU_PRICE_DETAILS_KEYS,
    SUBCATEGORY_PARENT,
)

Finding = tuple[str, str | None, str]  # rule id, column, message
INVALID = object()  # a value that failed a format rule already

ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
NUMBER = re.compile(r"^-?(\d+(\.\d*)?|\.\d+)([eE]-?\d+)?$")

UNIT_PRICES = (
    "ListUnitPrice",
    "ContractedUnitPrice",
    "PricingCurrencyListUnitPrice",
    "PricingCurrencyContractedUnitPrice",
)
# Null on Tax rows; not null on Usage/Purchase rows that are not corrections ("UP" rows).
PRICE_COLUMNS = (
    "ListUnitPrice",
    "ContractedUnitPrice",
    "PricingQuantity",
    "PricingCategory",
    "SkuId",
    "SkuPriceId",
    "PricingCurrencyListUnitPrice",
    "PricingCurrencyContractedUnitPrice",
)
# (child, parent, both_ways): child NULL when parent NULL (and, if both_ways, only then)
NULL_PAIRS = (
    ("ConsumedUnit", "ConsumedQuantity", True),
    ("PricingUnit", "PricingQuantity", True),
    ("CommitmentDiscountUnit", "CommitmentDiscountQuantity", True),
    ("RegionName", "RegionId", True),
    ("SubAccountName", "SubAccountId", True),
    ("SubAccountType", "SubAccountId", True),
    ("ResourceType", "ResourceId", True),
    ("ResourceName", "ResourceId", False),
    ("CommitmentDiscountCategory", "CommitmentDiscountId", True),
    ("CommitmentDiscountType", "CommitmentDiscountId", True),
    ("CommitmentDiscountName", "CommitmentDiscountId", False),
    ("CommitmentDiscountStatus", "CommitmentDiscountId", False),
    ("CapacityReservationStatus", "CapacityReservationId", False),
    ("SkuMeter", "SkuId", False),
    ("SkuPriceDetails", "SkuPriceId", False),
)


def parse_decimal(text: str) -> Decimal | None:
    """A FOCUS NumericFormat string as an exact Decimal, or None if it is not one."""
    if not NUMBER.match(text):
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def parse_datetime(text: str) -> datetime | None:
    """`YYYY-MM-DDTHH:MM:SSZ` as an aware UTC datetime, or None for anything else."""
    if not ISO_DATETIME.match(text):
        return None
    try:
        return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        return None


def _typed(col: str, value: object) -> tuple[object, Finding | None]:
    if isinstance(value, str):
        if not value.strip() or value.strip() in PLACEHOLDERS:
            return INVALID, (
                "FOCUS-NullHandling-placeholder",
                col,
                f"placeholder {value!r} instead of NULL",
            )
        if col in DECIMAL_COLUMNS:
            number = parse_decimal(value)
            if number is None:
                return INVALID, ("FOCUS-NumericFormat", col, f"{value!r} is not a FOCUS number")
            return number, None
        if col in DATETIME_COLUMNS:
            moment = parse_datetime(value)
            if moment is None:
                msg = f"{value!r} is not a UTC date-time like 2025-06-01T00:00:00Z"
                return INVALID, ("FOCUS-DateTimeFormat", col, msg)
            return moment, None
        return value, None
    if isinstance(value, datetime):
        offset = value.utcoffset()
        if offset is not None and offset.total_seconds() != 0:
            return INVALID, ("FOCUS-DateTimeFormat", col, f"{value.isoformat()} is not UTC")
        return value.replace(tzinfo=UTC), None
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC), None
    if isinstance(value, bool):
        if col.startswith("x_"):  # a custom flag column (x_ListCostDerived), not a FOCUS number
            return value, None
        return INVALID, ("FOCUS-NumericFormat", col, f"{value!r} is not a number")
    if isinstance(value, int):
        return Decimal(value), None
    if isinstance(value, float):
        return Decimal(repr(value)), None
    return value, None


def parse_row(raw: dict[str, object]) -> tuple[dict[str, object], list[Finding]]:
    """Typed values (None, str, Decimal, datetime or INVALID) and the format findings."""
    row: dict[str, object] = {}
    findings: list[Finding] = []
    for col, value in raw.items():
        if value is None:
            row[col] = None
            continue
        row[col], finding = _typed(col, value)
        if finding:
            findings.append(finding)
    return row, findings


def _json_object(col: str, text: str) -> tuple[dict | None, Finding | None]:
    pairs_seen: list[list[tuple[str, object]]] = []
    try:
        parsed = json.loads(text, object_pairs_hook=lambda p: pairs_seen.append(p) or dict(p))
    except ValueError:
        return None, (f"FOCUS-{col}-key-value-format", col, "not valid JSON")
    if not isinstance(parsed, dict):
        return None, (f"FOCUS-{col}-key-value-format", col, "not a JSON object")
    keys = [k for k, _ in pairs_seen[-1]]
    if len(keys) != len(set(keys)):
        return None, (f"FOCUS-{col}-key-value-format", col, "duplicate keys")
    nested = [k for k, v in parsed.items() if isinstance(v, dict | list)]
    if nested:
        msg = f"values must be scalars, {nested[0]!r} holds a nested object/array"
        return None, (f"FOCUS-{col}-key-value-format", col, msg)
    return parsed, None


def check_row(row: dict[str, object]) -> list[Finding]:
    """Per-row rules on a parsed row; only columns present in the row are judged."""
    out: list[Finding] = []

    def val(col: str) -> object:
        return row.get(col)

    def known(col: str) -> bool:
        return col in row and row[col] is not INVALID

    for col, value in row.items():
        spec = BY_NAME.get(col)
        if spec is not None and not spec.nullable and value is None:
            out.append((f"FOCUS-{col}-not-null", col, f"{col} must not be NULL"))
        allowed = ENUMS.get(col)
        if allowed and isinstance(value, str) and value not in allowed:
            out.append((f"FOCUS-{col}-enum", col, f"{value!r} is not one of {', '.join(allowed)}"))
    category = val("ChargeCategory") if val("ChargeCategory") in ENUMS["ChargeCategory"] else None
    charge_class = val("ChargeClass")
    class_ok = charge_class is None or charge_class == "Correction"
    correction = charge_class == "Correction"
    sub, parent = val("ServiceSubcategory"), val("ServiceCategory")
    wrong_parent = sub in SUBCATEGORY_PARENT and SUBCATEGORY_PARENT[sub] != parent
    if wrong_parent and parent in ENUMS["ServiceCategory"]:
        msg = f"{sub!r} belongs to {SUBCATEGORY_PARENT[sub]!r}, not {parent!r}"
        out.append(("FOCUS-ServiceSubcategory-parent", "ServiceSubcategory", msg))
    currency = val("BillingCurrency")
    if isinstance(currency, str) and currency not in NATIONAL_CURRENCIES:
        msg = f"{currency!r} is not a national ISO 4217 currency code"
        out.append(("FOCUS-BillingCurrency-iso4217", "BillingCurrency", msg))
    for col in UNIT_PRICES:
        price = val(col)
        if isinstance(price, Decimal) and price < 0:
            out.append((f"FOCUS-{col}-non-negative", col, f"{col} {price} is negative"))
    for start, end in (
        ("ChargePeriodStart", "ChargePeriodEnd"),
        ("BillingPeriodStart", "BillingPeriodEnd"),
    ):
        a, b = val(start), val(end)
        if isinstance(a, datetime) and isinstance(b, datetime) and not a < b:
            out.append((f"FOCUS-{end}-after-start", end, f"{end} {b:%Y-%m-%dT%H:%M:%SZ} <= start"))
    quantity = val("PricingQuantity")
    if not correction and class_ok:
        for cost, price_col in (
            ("ListCost", "ListUnitPrice"),
            ("ContractedCost", "ContractedUnitPrice"),
        ):
            amount, price = val(cost), val(price_col)
            typed = all(isinstance(x, Decimal) for x in (amount, price, quantity))
            if typed and amount != price * quantity:  # type: ignore[operator]
                msg = f"{cost} {amount} != {price_col} {price} x PricingQuantity {quantity}"
                out.append((f"FOCUS-{cost}-unit-price-x-quantity", cost, msg))
    if category == "Tax":
        for col in PRICE_COLUMNS:
            if known(col) and val(col) is not None:
                out.append((f"FOCUS-{col}-null-for-tax", col, f"{col} must be NULL on Tax rows"))
    if category in ("Usage", "Purchase") and not correction and class_ok:
        for col in PRICE_COLUMNS:
            if col in row and val(col) is None:
                msg = f"{col} must not be NULL on {category} rows"
                out.append((f"FOCUS-{col}-not-null-for-usage-purchase", col, msg))
    if category == "Purchase" and val("ChargeFrequency") == "Usage-Based":
        msg = "a Purchase is never Usage-Based"
        out.append(("FOCUS-ChargeFrequency-purchase-not-usage-based", "ChargeFrequency", msg))
    if category is not None and known("ConsumedQuantity"):
        unused = val("CommitmentDiscountStatus") == "Unused"
        consumed = val("ConsumedQuantity")
        if (category != "Usage" or unused) and consumed is not None:
            msg = "ConsumedQuantity must be NULL unless ChargeCategory is Usage (and not Unused)"
            out.append(("FOCUS-ConsumedQuantity-usage-only", "ConsumedQuantity", msg))
        if category == "Usage" and not unused and not correction and class_ok and consumed is None:
            msg = "ConsumedQuantity must not be NULL on Usage rows"
            out.append(("FOCUS-ConsumedQuantity-not-null-for-usage", "ConsumedQuantity", msg))
    for child, parent_col, both in NULL_PAIRS:
        if child not in row or not known(child) or not known(parent_col):
            continue
        child_null, parent_null = val(child) is None, val(parent_col) is None
        if (parent_null and not child_null) or (both and child_null and not parent_null):
            how = "NULL exactly when" if both else "NULL when"
            msg = f"{child} must be {how} {parent_col} is NULL"
            out.append((f"FOCUS-{child}-null-with-{parent_col}", child, msg))
    if category == "Credit" and isinstance(val("BilledCost"), Decimal):
        billed = val("BilledCost")
        for cost, price_col in (
            ("ListCost", "ListUnitPrice"),
            ("ContractedCost", "ContractedUnitPrice"),
            ("EffectiveCost", None),
        ):
            amount = val(cost)
            if price_col is not None and val(price_col) is not None:
                continue
            if isinstance(amount, Decimal) and amount != billed:
                msg = f"stand-alone Credit: {cost} {amount} != BilledCost {billed}"
                out.append((f"FOCUS-{cost}-credit-equals-billed", cost, msg))
    for col in sorted(JSON_COLUMNS):
        text = val(col)
        if not isinstance(text, str):
            continue
        parsed, finding = _json_object(col, text)
        if finding:
            out.append(finding)
        elif col == "SkuPriceDetails" and parsed is not None:
            bad = [k for k in parsed if k not in SKU_PRICE_DETAILS_KEYS and not k.startswith("x_")]
            if bad:
                msg = f"key {bad[0]!r} is neither a FOCUS key nor x_-prefixed"
                out.append(("FOCUS-SkuPriceDetails-keys", col, msg))
    return out


def row_rule_ids() -> tuple[str, ...]:
    """Every rule id `check_row` and the format checks can report, built from the same tables."""
    ids = ["FOCUS-NullHandling-placeholder", "FOCUS-NumericFormat", "FOCUS-DateTimeFormat"]
    ids += [f"FOCUS-{name}-not-null" for name, spec in BY_NAME.items() if not spec.nullable]
    ids += [f"FOCUS-{col}-enum" for col in ENUMS]
    ids += ["FOCUS-ServiceSubcategory-parent", "FOCUS-BillingCurrency-iso4217"]
    ids += [f"FOCUS-{col}-non-negative" for col in UNIT_PRICES]
    ids += ["FOCUS-ChargePeriodEnd-after-start", "FOCUS-BillingPeriodEnd-after-start"]
    ids += [f"FOCUS-{cost}-unit-price-x-quantity" for cost in ("ListCost", "ContractedCost")]
    ids += [f"FOCUS-{col}-null-for-tax" for col in PRICE_COLUMNS]
    ids += [f"FOCUS-{col}-not-null-for-usage-purchase" for col in PRICE_COLUMNS]
    ids += ["FOCUS-ChargeFrequency-purchase-not-usage-based"]
    ids += ["FOCUS-ConsumedQuantity-usage-only", "FOCUS-ConsumedQuantity-not-null-for-usage"]
    ids += [f"FOCUS-{child}-null-with-{parent}" for child, parent, _ in NULL_PAIRS]
    ids += [
        f"FOCUS-{cost}-credit-equals-billed"
        for cost in ("ListCost", "ContractedCost", "EffectiveCost")
    ]
    ids += [f"FOCUS-{col}-key-value-format" for col in sorted(JSON_COLUMNS)]
    ids += ["FOCUS-SkuPriceDetails-keys"]
    return tuple(dict.fromkeys(ids))
