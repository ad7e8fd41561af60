"""Schema of mart_cache_efficiency."""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from pipelines.money import Money
from schemas.fields import EXACT_CONTRACTED
from schemas.requests.canonical_request import ENVIRONMENTS

TABLE = "mart_cache_efficiency"


class MartCacheEfficiency(pa.DataFrameModel):
    """Cache hit ratios (exact, prefix, semantic) and the money caching saved or cost, per
    tenant and feature, per day; cross-tenant app-cache hits (leaks) counted.

    Grain: environment x request_date x tenant_id x feature.
    """

    environment: str = pa.Field(isin=ENVIRONMENTS, description="prod, staging or dev")
    request_date: pl.Date = pa.Field(description="UTC day of the requests")
    tenant_id: str = pa.Field(description="Tenant")
    feature: str = pa.Field(description="Product feature")
    requests: pl.Int64 = pa.Field(ge=1, description="All requests")
    exact_hits: pl.Int64 = pa.Field(ge=0, description="App-cache exact hits")
    prefix_hits: pl.Int64 = pa.Field(ge=0, description="Provider prefix-cache hits")
    semantic_hits: pl.Int64 = pa.Field(ge=0, description="App-cache semantic hits")
    exact_hit_rate: pl.Float64 = pa.Field(ge=0, le=1, description="exact_hits / requests")
    prefix_hit_rate: pl.Float64 = pa.Field(ge=0, le=1, description="prefix_hits / requests")
    semantic_hit_rate: pl.Float64 = pa.Field(ge=0, le=1, description="semantic_hits / requests")
    app_cache_hit_rate: pl.Float64 = pa.Field(
        ge=0, le=1, description="(exact_hits + semantic_hits) / requests"
    )
    cache_read_tokens: pl.Int64 = pa.Field(ge=0, description="Provider cache-read tokens")
    cache_write_tokens: pl.Int64 = pa.Field(ge=0, description="Provider cache-write tokens (5m+1h)")
    app_cache_saved_cost: Money = pa.Field(
        description=f"Contracted cost of the reused source requests, {EXACT_CONTRACTED}"
    )
    app_hits_saving_unknown: pl.Int64 = pa.Field(
        ge=0, description="App-cache hits whose source is missing or unpriced (no saving counted)"
    )
    prefix_read_savings: Money = pa.Field(
        description="(input price - cache_read price) x cache_read tokens, contracted prices"
    )
    prefix_write_premium: Money = pa.Field(
        description="(cache_write - input) x 5m tokens + (cache_write_1h - input) x 1h tokens"
    )
    prefix_net_savings: Money = pa.Field(
        description="prefix_read_savings - prefix_write_premium; negative = caching cost money"
    )
    total_saved_cost: Money = pa.Field(description="app_cache_saved_cost + prefix_net_savings")
    contracted_cost: Money = pa.Field(
        description=f"Spend of the requests with a known cost, {EXACT_CONTRACTED}"
    )
    currency: str = pa.Field(nullable=True, description="ISO 4217 currency of contracted costs")
    cross_tenant_hits: pl.Int64 = pa.Field(
        ge=0, description="App-cache hits whose source request belongs to another tenant (leak)"
    )

    class Config:
        strict = True
        ordered = True
        unique = ("environment", "request_date", "tenant_id", "feature")


MODEL = MartCacheEfficiency
