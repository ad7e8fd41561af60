"""Schema of mart_feature_model_mix."""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from pipelines.money import Money, UnitPrice
from schemas.fields import EXACT, f, opt
from schemas.requests.canonical_request import ENVIRONMENTS

TABLE = "mart_feature_model_mix"


class MartFeatureModelMix(pa.DataFrameModel):
    """Each feature's monthly spend by model, the share spent on expensive models and a flag for
    extractive features running on an expensive model. Expensive = output list price >=
    routing.expensive_output_price_multiple (default 4) x the cheapest candidate's that day.

    Grain: month x feature x environment x provider x model.
    """

    month_start: pl.Date = f("First day of the UTC month")
    feature: str = f("Feature")
    environment: str = f(
        "prod, staging or dev: shares are within one environment", isin=ENVIRONMENTS
    )
    feature_kind: str = f("Kind from dim_features, 'unclassified' when absent")
    provider: str = f("Provider of the model used")
    model: str = f("Model used")
    requests: pl.Int64 = f("Provider calls (app-cache hits excluded)", ge=1)
    unpriced_requests: pl.Int64 = f("Requests without a price (costs NULL, never 0)", ge=0)
    tokens: pl.Int64 = f("Input + output tokens", ge=0)
    currency: str = opt("Contracted currency")
    list_cost: Money = opt(f"Cost at list prices, {EXACT}")
    contracted_cost: Money = opt(f"Cost at contracted prices, {EXACT}")
    feature_contracted_cost: Money = opt(f"The feature's contracted cost on all models, {EXACT}")
    share_of_feature_spend: pl.Float64 = opt("contracted_cost / feature_contracted_cost (DOUBLE)")
    expensive_contracted_cost: Money = f("Contracted cost on days the model was expensive")
    feature_expensive_spend_share: pl.Float64 = opt(
        "Share of the feature's contracted cost spent on expensive models (DOUBLE)"
    )
    output_list_price: UnitPrice = opt("Model's output list price per 1M tokens (last day used)")
    cheapest_output_list_price: UnitPrice = opt("Cheapest candidate output list price that day")
    cheapest_model: str = opt("provider/model with the cheapest output list price")
    output_price_multiple: pl.Float64 = opt("output_list_price / cheapest_output_list_price")
    is_expensive: bool = f("Expensive on at least one day of the month")
    extractive_on_expensive_model: bool = f("Extractive feature on an expensive model")
    expensive_reason: str = opt("Why the model counts as expensive for this feature")

    class Config:
        strict = True
        ordered = True


MODEL = MartFeatureModelMix
