"""Schema of mart_anomalies."""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from pipelines.money import Money
from schemas.fields import SEVERITIES, f, opt
from schemas.requests.canonical_request import ENVIRONMENTS

TABLE = "mart_anomalies"


class MartAnomalies(pa.DataFrameModel):
    """Days on which a tenant's use of a feature spiked in tokens or cost against the median
    and MAD of its previous 14 days (spike: >= 3x the median and robust z >= 5, defaults).
    Severity by multiple of the median: low >= 3, medium >= 6, high >= 10.

    Grain: day x tenant_id x feature x environment x currency, spike days only (a cost series
    never adds two currencies).
    """

    day: pl.Date = f("Day (UTC)")
    tenant_id: str = f("Tenant")
    feature: str = f("Feature")
    environment: str = f("prod, staging or dev", isin=ENVIRONMENTS)
    currency: str = opt("Currency of the cost series (contracted); NULL for requests with no price")
    requests: pl.Int64 = f("Requests that day", ge=0)
    tokens: pl.Int64 = f("Input + output tokens that day", ge=0)
    tokens_baseline_median: pl.Float64 = f("Median daily tokens of the previous 14 days")
    tokens_baseline_mad: pl.Float64 = f("Median absolute deviation of those days")
    tokens_robust_z: pl.Float64 = opt("(tokens - median) / (1.4826 x MAD); NULL when MAD = 0")
    tokens_ratio: pl.Float64 = opt("tokens / median")
    token_spike: bool = f("Token spike")
    cost: Money = f("Contracted cost that day (priced requests)")
    cost_baseline_median: Money = f("Median daily cost of the previous 14 days")
    cost_baseline_mad: Money = f("Median absolute deviation of the daily cost")
    cost_robust_z: pl.Float64 = opt("(cost - median) / (1.4826 x MAD); NULL when MAD = 0")
    cost_ratio: pl.Float64 = opt("cost / median")
    cost_spike: bool = f("Cost spike")
    baseline_days: pl.Int64 = f("Days in the baseline (up to 14)", ge=0, le=14)
    anomaly_kind: str = f("tokens, cost or tokens+cost", isin=("tokens", "cost", "tokens+cost"))
    severity: str = f("low, medium or high", isin=SEVERITIES)

    class Config:
        strict = True
        ordered = True


MODEL = MartAnomalies
