"""Table `int_usage_cells_aggregated`: the cells invoices are allocated to."""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from pipelines.money import Money
from schemas.requests.canonical_request import ENVIRONMENTS, TOKEN_KINDS

TABLE = "int_usage_cells_aggregated"


class UsageCell(pa.DataFrameModel):
    """Logged provider usage per tenant, feature, environment, model, token kind and day, priced
    at list and contracted prices (sums of fct_cost_lines, app-cache hits excluded).

    Grain: charge_date × tenant_id × feature × environment × provider × model × token_kind ×
    currency, tokens > 0.
    """

    charge_date: pl.Date = pa.Field(description="UTC day of the requests")
    tenant_id: str = pa.Field(description="Tenant")
    feature: str = pa.Field(description="Product feature")
    environment: str = pa.Field(isin=ENVIRONMENTS, description="prod, staging or dev")
    provider: str = pa.Field(description="Provider as in the logs")
    model: str = pa.Field(description="Model as in the logs")
    token_kind: str = pa.Field(isin=TOKEN_KINDS, description="Billed token kind")
    tokens: pl.Int64 = pa.Field(gt=0, description="Tokens of that kind")
    requests: pl.Int64 = pa.Field(ge=1, description="Requests with tokens of that kind")
    list_cost: Money = pa.Field(nullable=True, description="Exact list cost; NULL if unpriced")
    contracted_cost: Money = pa.Field(
        nullable=True, description="Exact contracted cost (allocation weight); NULL if unpriced"
    )
    currency: str = pa.Field(
        nullable=True, description="Currency of the costs (NULL when unpriced)"
    )


MODEL = UsageCell
