"""Table `fct_cost_lines`: one exactly priced line per staged request (docs/design.md)."""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from pipelines.money import Money, UnitPrice
from schemas.requests.canonical_request import (
    CACHE_STATUSES,
    ENVIRONMENTS,
    SERVICE_TIERS,
    STATUSES,
    TOKEN_KIND_COLUMNS,
)

TABLE = "fct_cost_lines"
PRICE_STATUSES = ("priced", "unpriced", "no_provider_call")
CONTEXT_TIERS = ("base", "long_context")


def _f(description: str, **kwargs: object) -> object:
    return pa.Field(description=description, **kwargs)  # type: ignore[arg-type]


def _opt(description: str, **kwargs: object) -> object:
    return pa.Field(nullable=True, description=description, **kwargs)  # type: ignore[arg-type]


def _tokens(description: str) -> object:
    return pa.Field(ge=0, description=description)


def _price(kind: str, which: str) -> object:
    text = (
        "list price (genai-prices)"
        if which == "list"
        else "contracted price (catalog/prices.csv), else the list price"
    )
    return _opt(f"{kind}: {text} in the currency per 1000000 Tokens; NULL if none", ge=0)


def _price_id(kind: str, which: str) -> object:
    return _opt(f"{kind}: dim_prices.price_id of the {which} price used")


def _cost(kind: str, which: str) -> object:
    return _opt(
        f"{kind}: {TOKEN_KIND_COLUMNS[kind]} x {which} price x 0.000001, exact; "
        "NULL when the line is unpriced, 0 for no provider call"
    )


class CostLine(pa.DataFrameModel):
    """One exactly priced line per staged request, with list and contracted prices and costs.

    Per token kind: the list and contracted unit prices, the dim_prices ids used, exact costs.

    Grain: request_id, partitioned by request_date. Unpriced usage has NULL costs, never 0.
    """

    request_id: str = _f("unique request id", unique=True)
    timestamp_utc: pl.Datetime = _f("request time, UTC")
    request_date: pl.Date = _f("UTC day of the request (partition)")
    tenant_id: str = _f("tenant (B2B customer) served")
    user_id: str = _opt("end user, if known")
    app: str = _opt("application that made the call")
    feature: str = _f("product feature the call served")
    environment: str = _f("prod, staging or dev", isin=ENVIRONMENTS)
    provider: str = _f("provider as in the logs, e.g. openai, azure_openai")
    model: str = _f("model exactly as reported by the provider")
    service_tier: str = _f("standard, batch, flex or priority", isin=SERVICE_TIERS)
    prompt_version: str = _opt("prompt template version")
    session_id: str = _opt("conversation or session id")
    action_id: str = _opt("user action that triggered the call")
    input_tokens: pl.Int64 = _tokens("all input tokens, cache reads and writes included")
    cache_read_tokens: pl.Int64 = _tokens("input tokens read from the provider's prompt cache")
    cache_write_tokens: pl.Int64 = _tokens("input tokens written to the prompt cache")
    cache_write_1h_tokens: pl.Int64 = _tokens("cache writes with a one-hour lifetime")
    output_tokens: pl.Int64 = _tokens("all output tokens, reasoning included")
    reasoning_tokens: pl.Int64 = _tokens("reasoning part of output_tokens (informational)")
    input_uncached_tokens: pl.Int64 = _tokens("input tokens neither read from nor written to cache")
    cache_write_5m_tokens: pl.Int64 = _tokens("cache writes with a five-minute lifetime")
    cache_status: str = _f("miss, prefix, exact or semantic", isin=CACHE_STATUSES)
    cache_source_request_id: str = _opt("request whose answer an app-cache hit reused")
    latency_ms: pl.Int64 = _opt("latency in milliseconds", ge=0)
    status: str = _f("success, error or blocked", isin=STATUSES)
    error_type: str = _opt("error class, if any")
    result_type: str = _opt("kind of result returned")
    prompt_fingerprint: str = _opt("hash of the prompt (no text)")
    pii_detected: bool = _opt("PII detected in the exchange")
    policy_blocked: bool = _opt("blocked by policy")
    accepted: bool = _opt("user accepted the answer")
    edit_distance: pl.Float64 = _opt("edit distance of the user's correction", ge=0)
    escalated: bool = _opt("escalated to a human")
    csat: pl.Float64 = _opt("customer satisfaction 1-5", ge=1, le=5)
    list_price_input: UnitPrice = _price("input", "list")
    list_price_id_input: str = _price_id("input", "list")
    contracted_price_input: UnitPrice = _price("input", "contracted")
    contracted_price_id_input: str = _price_id("input", "contracted")
    list_cost_input: Money = _cost("input", "list")
    contracted_cost_input: Money = _cost("input", "contracted")
    list_price_cache_read: UnitPrice = _price("cache_read", "list")
    list_price_id_cache_read: str = _price_id("cache_read", "list")
    contracted_price_cache_read: UnitPrice = _price("cache_read", "contracted")
    contracted_price_id_cache_read: str = _price_id("cache_read", "contracted")
    list_cost_cache_read: Money = _cost("cache_read", "list")
    contracted_cost_cache_read: Money = _cost("cache_read", "contracted")
    list_price_cache_write: UnitPrice = _price("cache_write", "list")
    list_price_id_cache_write: str = _price_id("cache_write", "list")
    contracted_price_cache_write: UnitPrice = _price("cache_write", "contracted")
    contracted_price_id_cache_write: str = _price_id("cache_write", "contracted")
    list_cost_cache_write: Money = _cost("cache_write", "list")
    contracted_cost_cache_write: Money = _cost("cache_write", "contracted")
    list_price_cache_write_1h: UnitPrice = _price("cache_write_1h", "list")
    list_price_id_cache_write_1h: str = _price_id("cache_write_1h", "list")
    contracted_price_cache_write_1h: UnitPrice = _price("cache_write_1h", "contracted")
    contracted_price_id_cache_write_1h: str = _price_id("cache_write_1h", "contracted")
    list_cost_cache_write_1h: Money = _cost("cache_write_1h", "list")
    contracted_cost_cache_write_1h: Money = _cost("cache_write_1h", "contracted")
    list_price_output: UnitPrice = _price("output", "list")
    list_price_id_output: str = _price_id("output", "list")
    contracted_price_output: UnitPrice = _price("output", "contracted")
    contracted_price_id_output: str = _price_id("output", "contracted")
    list_cost_output: Money = _cost("output", "list")
    contracted_cost_output: Money = _cost("output", "contracted")
    list_cost: Money = _opt(
        "sum of the list costs; NULL when unpriced or a kind with tokens has no list price"
    )
    contracted_cost: Money = _opt("sum of the contracted costs; NULL when unpriced")
    list_currency: str = _opt("ISO 4217 currency of the list prices used")
    contracted_currency: str = _opt("ISO 4217 currency of the contracted prices used")
    context_tier: str = _f(
        "long_context when a long-context price tier applied (min_input_tokens > 0), else base",
        isin=CONTEXT_TIERS,
    )
    price_status: str = _f(
        "priced; unpriced (a kind with tokens has no price: costs NULL); no_provider_call "
        "(app-cache hit or zero tokens: costs 0)",
        isin=PRICE_STATUSES,
    )
    unpriced_reason: str = _opt("why the line is unpriced, e.g. no list or contract price for ...")

    class Config:
        strict = True
        ordered = True

    @pa.dataframe_check
    def unpriced_lines_have_no_cost(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """Unpriced lines carry NULL costs and a reason; priced lines a contracted cost."""
        status = pl.col("price_status")
        return data.lazyframe.select(
            pl.when(status == "unpriced")
            .then(pl.col("contracted_cost").is_null() & pl.col("unpriced_reason").is_not_null())
            .otherwise(pl.col("contracted_cost").is_not_null())
        )


# The dataframe check as SQL, for windows validated in DuckDB (schemas.sql_validation).
SQL_CHECKS = {
    "unpriced_lines_have_no_cost": (
        "case when price_status = 'unpriced' "
        "then contracted_cost is null and unpriced_reason is not null "
        "else contracted_cost is not null end"
    ),
}

MODEL = CostLine
