"""Final FOCUS 1.2 Cost and Usage rows of the vendor invoices (table fct_focus_invoiced).

Same 57 FOCUS columns and x_ columns as the estimate
(`schemas.focus.focus_cost_and_usage`, built from
`schemas.focus.columns`), with the descriptions of the invoiced meaning and the rules of
invoiced rows: every row has an InvoiceId and whole cents in BilledCost; only Usage rows that are
not corrections carry tokens, unit prices and SKUs; Tax, Credit, Adjustment and Correction rows
have List = Contracted = Effective = BilledCost.
"""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from pipelines.money import CENTS, MONEY
from schemas.focus.columns import COLUMNS, X_COLUMNS
from schemas.focus.focus_cost_and_usage import DESCRIPTIONS as ESTIMATE_DESCRIPTIONS
from schemas.focus.focus_cost_and_usage import X_REQUIRED, _dtype, _field, _Rules

TABLE = "fct_focus_invoiced"

DESCRIPTIONS: dict[str, str] = {
    **ESTIMATE_DESCRIPTIONS,
    "BilledCost": "Allocated invoice amount, whole cents in the invoice currency; Σ per "
    "InvoiceId = the invoice total.",
    "BillingAccountId": "The invoice's billing account.",
    "BillingAccountName": "`<ProviderName> account <BillingAccountId>`.",
    "BillingCurrency": "ISO 4217 currency of the invoice.",
    "BillingPeriodEnd": "Exclusive end of the invoice's billing month (UTC).",
    "BillingPeriodStart": "Inclusive start of the invoice's billing month (UTC).",
    "ChargeCategory": "Usage (priced logged usage; corrections), Adjustment (billed amounts no "
    "priced log usage carries), Tax, Credit.",
    "ChargeClass": "`Correction` for charges correcting an earlier, already invoiced period.",
    "ChargeDescription": "What the row is (model, meter, tiers; adjustment, correction, tax or "
    "credit share).",
    "ChargeFrequency": "`Usage-Based`; `One-Time` for credits.",
    "ChargePeriodEnd": "Exclusive end of the charge day (UTC).",
    "ChargePeriodStart": "Inclusive start of the charge day (UTC); the corrected day for "
    "corrections.",
    "ConsumedQuantity": "Logged tokens of the price point (Usage rows that are not corrections).",
    "ConsumedUnit": "`Tokens` when ConsumedQuantity is set.",
    "ContractedCost": "Usage: ContractedUnitPrice x PricingQuantity exactly (the logged usage at "
    "contract prices in the invoice currency); other rows: = BilledCost.",
    "ContractedUnitPrice": "Logged contract price per 1000000 Tokens converted to the invoice "
    "currency at the allocation's dated fx rate, 12 decimals (Usage rows only).",
    "EffectiveCost": "= BilledCost (postpaid, no commitments to amortise).",
    "InvoiceId": "The vendor invoice the amount belongs to.",
    "InvoiceIssuerName": "Who issued the invoice (e.g. Amazon Web Services EMEA SARL).",
    "ListCost": "Usage: ListUnitPrice x PricingQuantity exactly; other rows: = BilledCost.",
    "ListUnitPrice": "Logged list price (contract price if none) per 1000000 Tokens in the "
    "invoice currency, 12 decimals (Usage rows only).",
    "PricingCategory": "`Standard` on Usage rows, else NULL.",
    "PricingCurrency": "= BillingCurrency.",
    "PricingCurrencyContractedUnitPrice": "= ContractedUnitPrice.",
    "PricingCurrencyEffectiveCost": "= EffectiveCost.",
    "PricingCurrencyListUnitPrice": "= ListUnitPrice.",
    "PricingQuantity": "Logged tokens x 0.000001 (Usage rows only).",
    "PricingUnit": "`1000000 Tokens` when PricingQuantity is set.",
    "ProviderName": "The invoice's provider (AWS for Bedrock).",
    "PublisherName": "Who built the model (Anthropic for Claude on Bedrock).",
    "SkuId": "`<provider>/<model>/<token kind>` on Usage rows, else NULL.",
    "SkuMeter": "e.g. `Input Tokens` on Usage rows, else NULL.",
    "SkuPriceDetails": "Flat JSON, x_ keys (Usage rows), else NULL.",
    "SkuPriceId": "dim_prices.price_id of the contracted price (Usage rows), else NULL.",
    "Tags": "Flat JSON {tenant, feature, environment}.",
    "x_TenantId": "Tenant the amount is allocated to, or `__unallocated__`.",
    "x_Feature": "Feature, or `__unallocated__`.",
    "x_Environment": "prod / staging / dev, or `__unallocated__`.",
    "x_App": "NULL: invoices are allocated below the app level.",
    "x_Model": "Model (the invoice line's when it names one).",
    "x_TokenKind": "Token kind (the invoice line's when it names one).",
    "x_ServiceTier": "Service tier of the price point (Usage rows).",
    "x_ContextTier": "Context tier of the price point (Usage rows).",
    "x_Requests": "Logged requests of the price point (Usage rows).",
    "x_CostSource": "`invoice`.",
    "x_ListCostDerived": "True where ListCost is not a list price x quantity: Usage rows whose "
    "logged price point has no list price in the billing currency, and every other row "
    "(ListCost = BilledCost).",
}

_STAND_ALONE = ("Tax", "Credit", "Adjustment")


class _InvoicedRules(_Rules):
    """The estimate's cross-column rules, adapted to invoiced rows."""

    @pa.dataframe_check
    def consumed_quantity_on_usage_only(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """ConsumedQuantity is set exactly on Usage rows that are not corrections."""
        usage = (pl.col("ChargeCategory") == "Usage") & pl.col("ChargeClass").is_null()
        return data.lazyframe.select(usage == pl.col("ConsumedQuantity").is_not_null())

    @pa.dataframe_check
    def stand_alone_costs_equal_billed(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """Tax, Credit, Adjustment and Correction rows: List = Contracted = Effective = Billed."""
        alone = pl.col("ChargeCategory").is_in(_STAND_ALONE) | pl.col("ChargeClass").is_not_null()
        same = (
            (pl.col("ListCost") == pl.col("BilledCost"))
            & (pl.col("ContractedCost") == pl.col("BilledCost"))
            & (pl.col("EffectiveCost") == pl.col("BilledCost"))
        )
        return data.lazyframe.select(~alone | same)

    @pa.dataframe_check
    def billed_cost_in_whole_cents(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """BilledCost = EffectiveCost is a whole number of cents (the allocation's rounding)."""
        cents = pl.col("BilledCost").cast(CENTS).cast(MONEY)
        return data.lazyframe.select(
            (cents == pl.col("BilledCost")) & (pl.col("EffectiveCost") == pl.col("BilledCost"))
        )


_annotations = {c.name: _dtype(c.sql_type) for c in COLUMNS}
_annotations.update({name: _dtype(t) for name, t in X_COLUMNS.items()})


def _invoiced_field(name: str, nullable: bool) -> object:
    field = _field(name, nullable)
    field.description = DESCRIPTIONS[name]
    return field


_body: dict[str, object] = {c.name: _invoiced_field(c.name, c.nullable) for c in COLUMNS}
_body["InvoiceId"] = pa.Field(nullable=False, description=DESCRIPTIONS["InvoiceId"])
_body.update({name: _invoiced_field(name, name not in X_REQUIRED) for name in X_COLUMNS})
# one-value enumerations as `eq`: pandera's polars `isin` rejects matches of a 1-element list
_body["ChargeClass"] = pa.Field(
    nullable=True, eq="Correction", description=DESCRIPTIONS["ChargeClass"]
)
_body["x_CostSource"] = pa.Field(eq="invoice", description=DESCRIPTIONS["x_CostSource"])
_body["__annotations__"] = _annotations
_body["__doc__"] = (
    "Final FOCUS 1.2 Cost and Usage rows of the vendor invoices, allocated to tenant x feature "
    "x environment x model x token kind x day (fct_allocated_costs): Usage rows per logged price "
    "point, Adjustment rows for billed amounts no priced log usage carries, Correction, Tax and "
    "Credit rows; Σ BilledCost per InvoiceId = the invoice total to the cent.\n\nAll 57 FOCUS "
    "columns in reference order, then x_ (as fct_focus_cost_and_usage)."
)
_body["__module__"] = __name__
_body["Config"] = type("Config", (), {"strict": True, "ordered": True})
FocusInvoiced = type("FocusInvoiced", (_InvoicedRules,), _body)

MODEL = FocusInvoiced
