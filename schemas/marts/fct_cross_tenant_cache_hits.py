"""Schema of fct_cross_tenant_cache_hits."""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from schemas.requests.canonical_request import ENVIRONMENTS

TABLE = "fct_cross_tenant_cache_hits"


class FctCrossTenantCacheHits(pa.DataFrameModel):
    """App-cache hits that served a tenant an answer produced for another tenant (data leaks).
    Identifiers only, never text.

    Grain: one row per leaking request.
    """

    request_id: str = pa.Field(unique=True, description="The request served from the cache")
    request_date: pl.Date = pa.Field(description="UTC day of the request")
    timestamp_utc: pl.Datetime = pa.Field(description="When the request was made (UTC)")
    environment: str = pa.Field(isin=ENVIRONMENTS, description="Environment of the request")
    tenant_id: str = pa.Field(description="Tenant that received the foreign answer")
    feature: str = pa.Field(description="Feature of the request")
    cache_status: str = pa.Field(isin=("exact", "semantic"), description="exact or semantic")
    source_request_id: str = pa.Field(description="Request whose answer was reused")
    source_tenant_id: str = pa.Field(description="Tenant the reused answer was produced for")
    source_environment: str = pa.Field(description="Environment of the source request")
    source_feature: str = pa.Field(description="Feature of the source request")
    source_request_date: pl.Date = pa.Field(description="UTC day of the source request")

    class Config:
        strict = True
        ordered = True


MODEL = FctCrossTenantCacheHits
