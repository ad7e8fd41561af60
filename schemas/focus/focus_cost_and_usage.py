"""FOCUS 1.2 Cost and Usage rows estimated from the request logs (table fct_focus_cost_and_usage).

The model is built from `schemas.focus.columns` so the 57 FOCUS columns keep the reference
order, type and nullability in one place; the descriptions below feed the data dictionary.
`csv_schema()` is the same contract for a FOCUS CSV read as strings (ISO date-times, numbers).
Exact rules (cost = unit price x quantity) run in Python Decimal: polars decimal multiplication
keeps only the larger scale, which would truncate.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Annotated

import pandera.polars as pa
import polars as pl

from schemas.focus.columns import BY_NAME, COLUMN_NAMES, COLUMNS, X_COLUMNS
from schemas.focus.enums import ENUMS, SKU_PRICE_DETAILS_KEYS, SUBCATEGORY_PARENT
from schemas.focus.rules import ISO_DATETIME, NULL_PAIRS, NUMBER, PRICE_COLUMNS, UNIT_PRICES

TABLE = "fct_focus_cost_and_usage"
# x_ columns that are never NULL
X_REQUIRED = ("x_TenantId", "x_CostSource", "x_ListCostDerived")

DESCRIPTIONS: dict[str, str] = {
    "AvailabilityZone": "Always NULL: LLM APIs are not zonal.",
    "BilledCost": "Estimated billable cost = ContractedCost (not invoiced yet), BillingCurrency.",
    "BillingAccountId": "Provider billing account, `<provider>:default` until configured.",
    "BillingAccountName": "Display name of the billing account.",
    "BillingAccountType": "Provider's account kind (Organization, Account, Billing Account).",
    "BillingCurrency": "ISO 4217 currency of the contract (contracted_currency).",
    "BillingPeriodEnd": "Exclusive end of the calendar month (UTC).",
    "BillingPeriodStart": "Inclusive start of the calendar month (UTC).",
    "CapacityReservationId": "Always NULL.",
    "CapacityReservationStatus": "Always NULL.",
    "ChargeCategory": "`Usage` for log-derived rows.",
    "ChargeClass": "NULL (no corrections of invoiced periods in estimates).",
    "ChargeDescription": "Model, meter, service tier and context tier in words.",
    "ChargeFrequency": "`Usage-Based`.",
    "ChargePeriodEnd": "Exclusive end of the charge day (UTC).",
    "ChargePeriodStart": "Inclusive start of the charge day (UTC); partition column.",
    "CommitmentDiscountCategory": "Always NULL.",
    "CommitmentDiscountId": "Always NULL.",
    "CommitmentDiscountName": "Always NULL.",
    "CommitmentDiscountQuantity": "Always NULL.",
    "CommitmentDiscountStatus": "Always NULL.",
    "CommitmentDiscountType": "Always NULL.",
    "CommitmentDiscountUnit": "Always NULL.",
    "ConsumedQuantity": "Tokens of this kind.",
    "ConsumedUnit": "`Tokens`.",
    "ContractedCost": "ContractedUnitPrice x PricingQuantity, exact.",
    "ContractedUnitPrice": "Contract price per 1000000 Tokens (list price if no contract).",
    "EffectiveCost": "= ContractedCost (no commitments to amortise).",
    "InvoiceId": "NULL: estimates are tied to no issued invoice.",
    "InvoiceIssuerName": "Who invoices; equals ProviderName for directly billed usage.",
    "ListCost": "ListUnitPrice x PricingQuantity, exact (derived from the contract where "
    "x_ListCostDerived).",
    "ListUnitPrice": "Public list price per 1000000 Tokens (contract price if none is listed).",
    "PricingCategory": "`Standard`.",
    "PricingCurrency": "= BillingCurrency.",
    "PricingCurrencyContractedUnitPrice": "= ContractedUnitPrice.",
    "PricingCurrencyEffectiveCost": "= EffectiveCost.",
    "PricingCurrencyListUnitPrice": "= ListUnitPrice.",
    "PricingQuantity": "Tokens x 0.000001.",
    "PricingUnit": "`1000000 Tokens`.",
    "ProviderName": "Who makes the API available (OpenAI, Anthropic, AWS, ...).",
    "PublisherName": "Who built the model (Anthropic for Claude on Bedrock).",
    "RegionId": "Always NULL.",
    "RegionName": "Always NULL.",
    "ResourceId": "Always NULL (no provisioned resources).",
    "ResourceName": "Always NULL.",
    "ResourceType": "Always NULL.",
    "ServiceCategory": "`AI and Machine Learning`.",
    "ServiceName": "API product, e.g. `OpenAI API`, `Amazon Bedrock`.",
    "ServiceSubcategory": "`Generative AI`.",
    "SkuId": "`<provider>/<model>/<token kind>`, stable across accounts and prices.",
    "SkuMeter": "e.g. `Input Tokens`, `Cached Input Tokens`, `Cache Write Tokens (5m)`.",
    "SkuPriceDetails": "Flat JSON, x_ keys: provider, model, token kind, service and context tier.",
    "SkuPriceId": "dim_prices.price_id of the contracted price applied.",
    "SubAccountId": "NULL: tenants are costline's, not a provider sub account (see x_TenantId).",
    "SubAccountName": "NULL.",
    "SubAccountType": "NULL.",
    "Tags": "Flat JSON {tenant, feature, environment, app}; app omitted when NULL.",
    "x_TenantId": "Tenant (B2B customer) of the requests.",
    "x_TenantName": "dim_tenants.tenant_name (NULL if the tenant is not in dim_tenants).",
    "x_BusinessUnit": "dim_tenants.business_unit.",
    "x_CostCenter": "dim_tenants.cost_center.",
    "x_Feature": "Product feature that made the requests.",
    "x_Environment": "prod / staging / dev.",
    "x_App": "Calling application (nullable).",
    "x_Provider": "Provider as logged.",
    "x_Model": "Model as logged.",
    "x_TokenKind": "input, cache_read, cache_write, cache_write_1h or output.",
    "x_ServiceTier": "standard, batch, flex or priority.",
    "x_ContextTier": "base or long_context.",
    "x_Requests": "Requests with tokens of this kind in the row.",
    "x_CostSource": "`estimate` for log-derived rows.",
    "x_ListCostDerived": "True when no list price exists in the billing currency, so ListUnitPrice "
    "and ListCost repeat the contracted price and cost (FOCUS makes ListCost non-null; "
    "fct_cost_lines keeps list_cost NULL for these requests).",
}


def _dtype(sql_type: str) -> object:
    if sql_type.startswith("DECIMAL("):
        p, s = (int(x) for x in sql_type[8:-1].split(","))
        return Annotated[pl.Decimal, p, s]
    return {
        "VARCHAR": str,
        "TIMESTAMP": pl.Datetime,
        "BIGINT": pl.Int64,
        "BOOLEAN": pl.Boolean,
    }[sql_type]


def _flat_json(text: str | None, sku_keys: bool) -> bool:
    if text is None:
        return True
    try:
        parsed = json.loads(text)
    except ValueError:
        return False
    return (
        isinstance(parsed, dict)
        and not any(isinstance(v, dict | list) for v in parsed.values())
        and (not sku_keys or all(k in SKU_PRICE_DETAILS_KEYS or k[:2] == "x_" for k in parsed))
    )


def _exact(row: dict) -> bool:
    for cost, price in (("ListCost", "ListUnitPrice"), ("ContractedCost", "ContractedUnitPrice")):
        values = (row[cost], row[price], row["PricingQuantity"])
        typed = row["ChargeClass"] is None and all(isinstance(v, Decimal) for v in values)
        if typed and values[0] != values[1] * values[2]:
            return False
    return True


class _Rules(pa.DataFrameModel):
    """Cross-column FOCUS rules (reference §4), shared by the table model."""

    @pa.dataframe_check
    def subcategory_matches_category(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """ServiceSubcategory belongs to its one parent ServiceCategory."""
        parent = pl.col("ServiceSubcategory").replace_strict(SUBCATEGORY_PARENT, default=None)
        return data.lazyframe.select(parent == pl.col("ServiceCategory"))

    @pa.dataframe_check
    def null_pairs(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """ConsumedQuantity/ConsumedUnit, PricingQuantity/PricingUnit, SkuId/SkuMeter ... null
        together."""
        ok = pl.lit(True)
        for child, parent, both in NULL_PAIRS:
            ok = ok & ~(pl.col(parent).is_null() & pl.col(child).is_not_null())
            if both:
                ok = ok & ~(pl.col(parent).is_not_null() & pl.col(child).is_null())
        return data.lazyframe.select(ok)

    @pa.dataframe_check
    def tax_and_usage_price_columns(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """Price, quantity and SKU columns are NULL on Tax rows and set on Usage/Purchase rows."""
        tax = pl.col("ChargeCategory") == "Tax"
        up = pl.col("ChargeCategory").is_in(["Usage", "Purchase"]) & pl.col("ChargeClass").is_null()
        ok = pl.lit(True)
        for col in PRICE_COLUMNS:
            ok = ok & ~(tax & pl.col(col).is_not_null()) & ~(up & pl.col(col).is_null())
        return data.lazyframe.select(ok)

    @pa.dataframe_check
    def consumed_quantity_on_usage_only(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """ConsumedQuantity is set exactly on Usage rows."""
        usage = pl.col("ChargeCategory") == "Usage"
        return data.lazyframe.select(usage == pl.col("ConsumedQuantity").is_not_null())

    @pa.dataframe_check
    def cost_is_unit_price_times_quantity(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """ListCost and ContractedCost equal unit price x PricingQuantity exactly (Decimal)."""
        cols = ["ListCost", "ListUnitPrice", "ContractedCost", "ContractedUnitPrice"]
        struct = pl.struct([*cols, "PricingQuantity", "ChargeClass"])
        return data.lazyframe.select(struct.map_elements(_exact, return_dtype=pl.Boolean))

    @pa.dataframe_check
    def json_columns_are_flat_objects(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """Tags and SkuPriceDetails are flat JSON objects; SkuPriceDetails keys FOCUS or x_."""
        tags = pl.col("Tags").map_elements(lambda t: _flat_json(t, False), return_dtype=pl.Boolean)
        spd = pl.col("SkuPriceDetails").map_elements(
            lambda t: _flat_json(t, True), return_dtype=pl.Boolean
        )
        return data.lazyframe.select(tags.fill_null(True) & spd.fill_null(True))

    @pa.dataframe_check
    def custom_columns_are_x_prefixed(cls, data: pa.PolarsData) -> bool:
        """Every non-FOCUS column starts with x_ and comes after the 57 FOCUS columns."""
        names = data.lazyframe.collect_schema().names()
        focus = [n for n in names if n in BY_NAME]
        return focus == list(COLUMN_NAMES) and all(n[:2] == "x_" for n in names[len(focus) :])


def _field(name: str, nullable: bool) -> object:
    kwargs: dict[str, object] = {"nullable": nullable, "description": DESCRIPTIONS[name]}
    if name in ENUMS:
        kwargs["isin"] = ENUMS[name]
    if name in UNIT_PRICES:
        kwargs["ge"] = 0
    spec = BY_NAME.get(name)
    if spec is not None and spec.sql_type == "VARCHAR" and not nullable:
        kwargs["str_length"] = {"min_value": 1}
    if name == "x_CostSource":
        kwargs["isin"] = ("estimate", "invoice")
    return pa.Field(**kwargs)


_annotations = {c.name: _dtype(c.sql_type) for c in COLUMNS}
_annotations.update({name: _dtype(t) for name, t in X_COLUMNS.items()})
_body: dict[str, object] = {c.name: _field(c.name, c.nullable) for c in COLUMNS}
_body.update({name: _field(name, name not in X_REQUIRED) for name in X_COLUMNS})
_body["__annotations__"] = _annotations
_body["__doc__"] = (
    "FOCUS 1.2 Cost and Usage rows estimated from the request logs: one row per charge day x "
    "provider x model x service tier x context tier x token kind x tenant x feature x "
    "environment x app, priced lines only.\n\nAll 57 FOCUS columns in reference order, then x_."
)
_body["__module__"] = __name__
_body["Config"] = type("Config", (), {"strict": True, "ordered": True})
FocusCostAndUsage = type("FocusCostAndUsage", (_Rules,), _body)

MODEL = FocusCostAndUsage


def csv_schema() -> pa.DataFrameSchema:
    """The same column contract for a FOCUS CSV read with every column as a string: ISO 8601 UTC
    date-times, FOCUS numbers, enumerations, non-null mandatory columns, x_ custom columns."""
    columns: dict[str, pa.Column] = {}
    for col in COLUMNS:
        checks = []
        if col.data_type == "DateTime":
            checks.append(pa.Check.str_matches(ISO_DATETIME.pattern))
        elif col.data_type == "Decimal":
            checks.append(pa.Check.str_matches(NUMBER.pattern))
        if col.name in ENUMS:
            checks.append(pa.Check.isin(ENUMS[col.name]))
        columns[col.name] = pa.Column(str, checks=checks, nullable=col.nullable, required=False)
    columns[r"^x_.*$"] = pa.Column(nullable=True, regex=True, required=False)
    return pa.DataFrameSchema(columns, strict=True)
