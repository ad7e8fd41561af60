"""Schema of mart_routing_whatif."""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from pipelines.money import Money
from schemas.fields import EXACT, f, opt
from schemas.requests.canonical_request import ENVIRONMENTS

TABLE = "mart_routing_whatif"


class MartRoutingWhatif(pa.DataFrameModel):
    """Each feature's real monthly token volumes (priced requests) repriced under every candidate
    model of dim_prices at the price valid on each request day (list and contracted), against
    what they actually cost. Same token counts assumed (tokenizers differ).

    Grain: month x feature x environment x candidate provider/model.
    """

    month_start: pl.Date = f("First day of the UTC month")
    feature: str = f("Feature whose volume is repriced")
    environment: str = f("prod, staging or dev: never mixed", isin=ENVIRONMENTS)
    candidate_provider: str = f("Provider of the candidate model")
    candidate_model: str = f("Candidate model (as in dim_prices)")
    requests: pl.Int64 = f("Priced requests of the feature in the month", ge=1)
    input_uncached_tokens: pl.Int64 = f("Uncached input tokens repriced", ge=0)
    cache_read_tokens: pl.Int64 = f(
        "Cache-read tokens (candidate's input price if no cache price)", ge=0
    )
    cache_write_5m_tokens: pl.Int64 = f("5-minute cache-write tokens", ge=0)
    cache_write_1h_tokens: pl.Int64 = f("1-hour cache-write tokens", ge=0)
    output_tokens: pl.Int64 = f("Output tokens (reasoning included)", ge=0)
    current_share_of_requests: pl.Float64 = f(
        "Share of the feature's requests already on this candidate (DOUBLE)", ge=0, le=1
    )
    currency: str = f("Currency of the actual costs (MIXED if several)")
    actual_list_cost: Money = opt(
        f"What the volume cost at list prices, {EXACT}; NULL if a request had no list price"
    )
    actual_contracted_cost: Money = f(f"What the volume cost at contracted prices, {EXACT}")
    candidate_unpriced_requests: pl.Int64 = f(
        "Requests on days the candidate had no input or output price", ge=0
    )
    candidate_tier_fallback_requests: pl.Int64 = f(
        "Requests repriced at the candidate's standard price: it has none for their service tier",
        ge=0,
    )
    whatif_list_cost: Money = opt(
        f"Cost under the candidate's list prices, {EXACT}; NULL when not priced all month"
    )
    whatif_contracted_cost: Money = opt(
        f"Cost under the candidate's contract (else list) prices, {EXACT}; NULL as above"
    )
    list_saving: Money = opt("actual_list_cost - whatif_list_cost (negative = costs more)")
    contracted_saving: Money = opt(
        "actual_contracted_cost - whatif_contracted_cost (negative = costs more)"
    )
    contracted_saving_pct: pl.Float64 = opt("contracted_saving / actual_contracted_cost x 100")
    candidate_rank: pl.Int64 = opt(
        "1 = cheapest candidate for this feature, environment and month (contracted)"
    )

    class Config:
        strict = True
        ordered = True


MODEL = MartRoutingWhatif
