"""Schema of mart_risk."""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from pipelines.money import Money
from schemas.fields import EXACT_CONTRACTED
from schemas.requests.canonical_request import ENVIRONMENTS

TABLE = "mart_risk"


class MartRisk(pa.DataFrameModel):
    """Per tenant and month: PII and policy-block shares, spend with its rank and the top-5
    tenants' share of the environment's month, and cross-tenant cache hits received.

    Grain: environment x month x tenant_id; ranks and shares within one environment-month.
    """

    environment: str = pa.Field(isin=ENVIRONMENTS, description="prod, staging or dev")
    month: pl.Date = pa.Field(description="First day of the UTC month of request_date")
    tenant_id: str = pa.Field(description="Tenant")
    tenant_name: str = pa.Field(nullable=True, description="From dim_tenants (NULL if unknown)")
    business_unit: str = pa.Field(nullable=True, description="From dim_tenants")
    requests: pl.Int64 = pa.Field(ge=1, description="All requests")
    pii_requests: pl.Int64 = pa.Field(ge=0, description="Requests with pii_detected true")
    pii_share: pl.Float64 = pa.Field(ge=0, le=1, description="pii_requests / requests")
    policy_blocked_requests: pl.Int64 = pa.Field(
        ge=0, description="Requests with policy_blocked true"
    )
    policy_block_share: pl.Float64 = pa.Field(
        ge=0, le=1, description="policy_blocked_requests / requests"
    )
    unpriced_requests: pl.Int64 = pa.Field(ge=0, description="Requests left out of spend")
    spend: Money = pa.Field(
        description=f"Contracted cost of requests with a known cost, {EXACT_CONTRACTED}"
    )
    currency: str = pa.Field(nullable=True, description="ISO 4217 currency of spend")
    spend_rank: pl.Int64 = pa.Field(
        ge=1, description="1 = largest spender of the environment-month (ties by tenant_id)"
    )
    is_top5: bool = pa.Field(description="spend_rank <= 5")
    spend_share: pl.Float64 = pa.Field(
        nullable=True, ge=0, le=1, description="spend / environment_spend"
    )
    top5_spend: Money = pa.Field(description="Spend of ranks 1-5 in the environment-month")
    environment_spend: Money = pa.Field(description="Spend of all tenants, environment-month")
    top5_share: pl.Float64 = pa.Field(
        nullable=True, ge=0, le=1, description="top5_spend / environment_spend"
    )
    cross_tenant_cache_hits: pl.Int64 = pa.Field(
        ge=0, description="App-cache hits this tenant received from another tenant's request"
    )

    class Config:
        strict = True
        ordered = True
        unique = ("environment", "month", "tenant_id")


MODEL = MartRisk
