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
from dataclasses import dataclass
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


def _typed_text(col: str, value: str) -> tuple[object, Finding | None]:
    """A CSV cell as the column's type, or INVALID with its format finding."""
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


def _typed(col: str, value: object) -> tuple[object, Finding | None]:
    if isinstance(value, str):
        return _typed_text(col, value)
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


@dataclass(frozen=True)
class _Row:
    """A parsed row and the facts several rules share."""

    values: dict[str, object]
    category: object  # a valid ChargeCategory, else None
    correction: bool  # ChargeClass is Correction
    class_ok: bool  # ChargeClass is NULL or Correction

    @classmethod
    def of(cls, row: dict[str, object]) -> _Row:
        category = row.get("ChargeCategory")
        charge_class = row.get("ChargeClass")
        return cls(
            row,
            category if category in ENUMS["ChargeCategory"] else None,
            charge_class == "Correction",
            charge_class is None or charge_class == "Correction",
        )

    @property
    def regular(self) -> bool:
        """Neither a correction nor of an unknown ChargeClass."""
        return not self.correction and self.class_ok

    def val(self, col: str) -> object:
        return self.values.get(col)

    def known(self, col: str) -> bool:
        return col in self.values and self.values[col] is not INVALID


def _columns(r: _Row) -> list[Finding]:
    out: list[Finding] = []
    for col, value in r.values.items():
        spec = BY_NAME.get(col)
        if spec is not None and not spec.nullable and value is None:
            out.append((f"FOCUS-{col}-not-null", col, f"{col} must not be NULL"))
        allowed = ENUMS.get(col)
        if allowed and isinstance(value, str) and value not in allowed:
            out.append((f"FOCUS-{col}-enum", col, f"{value!r} is not one of {', '.join(allowed)}"))
    return out


def _subcategory_parent(r: _Row) -> list[Finding]:
    sub, parent = r.val("ServiceSubcategory"), r.val("ServiceCategory")
    wrong_parent = sub in SUBCATEGORY_PARENT and SUBCATEGORY_PARENT[sub] != parent
    if wrong_parent and parent in ENUMS["ServiceCategory"]:
        msg = f"{sub!r} belongs to {SUBCATEGORY_PARENT[sub]!r}, not {parent!r}"
        return [("FOCUS-ServiceSubcategory-parent", "ServiceSubcategory", msg)]
    return []


def _currency(r: _Row) -> list[Finding]:
    currency = r.val("BillingCurrency")
    if isinstance(currency, str) and currency not in NATIONAL_CURRENCIES:
        msg = f"{currency!r} is not a national ISO 4217 currency code"
        return [("FOCUS-BillingCurrency-iso4217", "BillingCurrency", msg)]
    return []


def _unit_prices(r: _Row) -> list[Finding]:
    out: list[Finding] = []
    for col in UNIT_PRICES:
        price = r.val(col)
        if isinstance(price, Decimal) and price < 0:
            out.append((f"FOCUS-{col}-non-negative", col, f"{col} {price} is negative"))
    return out


def _periods(r: _Row) -> list[Finding]:
    out: list[Finding] = []
    for start, end in (
        ("ChargePeriodStart", "ChargePeriodEnd"),
        ("BillingPeriodStart", "BillingPeriodEnd"),
    ):
        a, b = r.val(start), r.val(end)
        if isinstance(a, datetime) and isinstance(b, datetime) and not a < b:
            out.append((f"FOCUS-{end}-after-start", end, f"{end} {b:%Y-%m-%dT%H:%M:%SZ} <= start"))
    return out


def _price_times_quantity(r: _Row) -> list[Finding]:
    if not r.regular:
        return []
    out: list[Finding] = []
    quantity = r.val("PricingQuantity")
    for cost, price_col in (
        ("ListCost", "ListUnitPrice"),
        ("ContractedCost", "ContractedUnitPrice"),
    ):
        amount, price = r.val(cost), r.val(price_col)
        typed = all(isinstance(x, Decimal) for x in (amount, price, quantity))
        if typed and amount != price * quantity:  # type: ignore[operator]
            msg = f"{cost} {amount} != {price_col} {price} x PricingQuantity {quantity}"
            out.append((f"FOCUS-{cost}-unit-price-x-quantity", cost, msg))
    return out


def _tax_prices(r: _Row) -> list[Finding]:
    if r.category != "Tax":
        return []
    return [
        (f"FOCUS-{col}-null-for-tax", col, f"{col} must be NULL on Tax rows")
        for col in PRICE_COLUMNS
        if r.known(col) and r.val(col) is not None
    ]


def _usage_purchase_prices(r: _Row) -> list[Finding]:
    if r.category not in ("Usage", "Purchase") or not r.regular:
        return []
    return [
        (
            f"FOCUS-{col}-not-null-for-usage-purchase",
            col,
            f"{col} must not be NULL on {r.category} rows",
        )
        for col in PRICE_COLUMNS
        if col in r.values and r.val(col) is None
    ]


def _purchase_frequency(r: _Row) -> list[Finding]:
    if r.category == "Purchase" and r.val("ChargeFrequency") == "Usage-Based":
        msg = "a Purchase is never Usage-Based"
        return [("FOCUS-ChargeFrequency-purchase-not-usage-based", "ChargeFrequency", msg)]
    return []


def _consumed_quantity(r: _Row) -> list[Finding]:
    if r.category is None or not r.known("ConsumedQuantity"):
        return []
    out: list[Finding] = []
    unused = r.val("CommitmentDiscountStatus") == "Unused"
    consumed = r.val("ConsumedQuantity")
    if (r.category != "Usage" or unused) and consumed is not None:
        msg = "ConsumedQuantity must be NULL unless ChargeCategory is Usage (and not Unused)"
        out.append(("FOCUS-ConsumedQuantity-usage-only", "ConsumedQuantity", msg))
    if r.category == "Usage" and not unused and r.regular and consumed is None:
        msg = "ConsumedQuantity must not be NULL on Usage rows"
        out.append(("FOCUS-ConsumedQuantity-not-null-for-usage", "ConsumedQuantity", msg))
    return out


def _null_pairs(r: _Row) -> list[Finding]:
    out: list[Finding] = []
    for child, parent_col, both in NULL_PAIRS:
        if child not in r.values or not r.known(child) or not r.known(parent_col):
            continue
        child_null, parent_null = r.val(child) is None, r.val(parent_col) is None
        if (parent_null and not child_null) or (both and child_null and not parent_null):
            how = "NULL exactly when" if both else "NULL when"
            msg = f"{child} must be {how} {parent_col} is NULL"
            out.append((f"FOCUS-{child}-null-with-{parent_col}", child, msg))
    return out


def _credit_equals_billed(r: _Row) -> list[Finding]:
    billed = r.val("BilledCost")
    if r.category != "Credit" or not isinstance(billed, Decimal):
        return []
    out: list[Finding] = []
    for cost, price_col in (
        ("ListCost", "ListUnitPrice"),
        ("ContractedCost", "ContractedUnitPrice"),
        ("EffectiveCost", None),
    ):
        amount = r.val(cost)
        if price_col is not None and r.val(price_col) is not None:
            continue
        if isinstance(amount, Decimal) and amount != billed:
            msg = f"stand-alone Credit: {cost} {amount} != BilledCost {billed}"
            out.append((f"FOCUS-{cost}-credit-equals-billed", cost, msg))
    return out


def _json_columns(r: _Row) -> list[Finding]:
    out: list[Finding] = []
    for col in sorted(JSON_COLUMNS):
        text = r.val(col)
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


# In the order their findings are reported.
_RULES = (
    _columns,
    _subcategory_parent,
    _currency,
    _unit_prices,
    _periods,
    _price_times_quantity,
    _tax_prices,
    _usage_purchase_prices,
    _purchase_frequency,
    _consumed_quantity,
    _null_pairs,
    _credit_equals_billed,
    _json_columns,
)


def check_row(row: dict[str, object]) -> list[Finding]:
    """Per-row rules on a parsed row; only columns present in the row are judged."""
    parsed = _Row.of(row)
    return [finding for rule in _RULES for finding in rule(parsed)]


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
