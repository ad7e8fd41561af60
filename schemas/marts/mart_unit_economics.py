"""Schema of mart_unit_economics."""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from pipelines.money import Money
from schemas.fields import EXACT_CONTRACTED
from schemas.requests.canonical_request import ENVIRONMENTS

TABLE = "mart_unit_economics"


class MartUnitEconomics(pa.DataFrameModel):
    """What each tenant's use of each feature costs per month: requests, conversations, actions,
    list/contracted/allocated cost and cost per request, conversation and 1,000 actions.

    Grain: environment x month x tenant_id x feature. Filter environment = 'prod' by default.
    """

    environment: str = pa.Field(isin=ENVIRONMENTS, description="prod, staging or dev")
    month: pl.Date = pa.Field(description="First day of the UTC month of request_date")
    tenant_id: str = pa.Field(description="Tenant (B2B customer)")
    feature: str = pa.Field(description="Product feature that made the requests")
    requests: pl.Int64 = pa.Field(ge=1, description="Requests (provider calls and app-cache hits)")
    conversations: pl.Int64 = pa.Field(
        ge=1, description="Distinct session_id; a request without a session counts as one"
    )
    actions: pl.Int64 = pa.Field(
        ge=1, description="Distinct action_id; a request without an action counts as one"
    )
    unpriced_requests: pl.Int64 = pa.Field(
        ge=0, description="Requests with no price: left out of the money, never counted as 0"
    )
    list_cost: Money = pa.Field(
        nullable=True, description=f"Cost at list prices, {EXACT_CONTRACTED}; NULL if all unpriced"
    )
    contracted_cost: Money = pa.Field(
        nullable=True,
        description=f"Cost at contracted prices, {EXACT_CONTRACTED}; NULL if all unpriced",
    )
    allocated_cost: Money = pa.Field(
        nullable=True,
        description="Invoice-allocated cost; NULL until fct_allocated_costs exists",
    )
    currency: str = pa.Field(nullable=True, description="ISO 4217 currency of contracted costs")
    cost_per_request: pl.Float64 = pa.Field(
        nullable=True, description="contracted_cost / requests (DOUBLE, derived)"
    )
    cost_per_conversation: pl.Float64 = pa.Field(
        nullable=True, description="contracted_cost / conversations (DOUBLE, derived)"
    )
    cost_per_1000_actions: pl.Float64 = pa.Field(
        nullable=True, description="contracted_cost x 1000 / actions (DOUBLE, derived)"
    )

    class Config:
        strict = True
        ordered = True
        unique = ("environment", "month", "tenant_id", "feature")


MODEL = MartUnitEconomics
