"""Schema of mart_feature_unit_costs."""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from pipelines.money import Money
from schemas.fields import EXACT_CONTRACTED
from schemas.requests.canonical_request import ENVIRONMENTS

TABLE = "mart_feature_unit_costs"


class MartFeatureUnitCosts(pa.DataFrameModel):
    """The cost of one unit of value per feature and month: cost per accepted output = all
    contracted cost of the feature / requests the user accepted.

    Grain: environment x month x feature. Filter environment = 'prod' by default.
    """

    environment: str = pa.Field(isin=ENVIRONMENTS, description="prod, staging or dev")
    month: pl.Date = pa.Field(description="First day of the UTC month of request_date")
    feature: str = pa.Field(description="Product feature")
    tenants: pl.Int64 = pa.Field(ge=1, description="Distinct tenants that used the feature")
    requests: pl.Int64 = pa.Field(ge=1, description="Requests (provider calls and app-cache hits)")
    rated_requests: pl.Int64 = pa.Field(ge=0, description="Requests with an accepted flag")
    accepted_requests: pl.Int64 = pa.Field(
        ge=0, description="Requests whose output was accepted (the unit of value)"
    )
    acceptance_rate: pl.Float64 = pa.Field(
        nullable=True, ge=0, le=1, description="accepted_requests / rated_requests"
    )
    unpriced_requests: pl.Int64 = pa.Field(
        ge=0, description="Requests with no price: left out of the money, never counted as 0"
    )
    list_cost: Money = pa.Field(
        nullable=True, description=f"Cost at list prices, {EXACT_CONTRACTED}"
    )
    contracted_cost: Money = pa.Field(
        nullable=True, description=f"Cost at contracted prices, {EXACT_CONTRACTED}"
    )
    allocated_cost: Money = pa.Field(
        nullable=True, description="Invoice-allocated cost; NULL until allocation exists"
    )
    currency: str = pa.Field(nullable=True, description="ISO 4217 currency of contracted costs")
    cost_per_request: pl.Float64 = pa.Field(
        nullable=True, description="contracted_cost / requests (DOUBLE, derived)"
    )
    cost_per_accepted_output: pl.Float64 = pa.Field(
        nullable=True,
        description="contracted_cost of all requests / accepted_requests; NULL if none accepted",
    )

    class Config:
        strict = True
        ordered = True
        unique = ("environment", "month", "feature")


MODEL = MartFeatureUnitCosts
