"""Schema of dim_tenants."""

from __future__ import annotations

import pandera.polars as pa

from schemas.fields import f, opt

TABLE = "dim_tenants"


class DimTenants(pa.DataFrameModel):
    """Tenants from catalog/tenants.csv: who each tenant is and which business unit and cost
    center its cost is charged back to. Rebuilt every run.

    Grain: one row per tenant_id.
    """

    tenant_id: str = f("Tenant id, as in the request logs", unique=True)
    tenant_name: str = opt("Display name of the tenant")
    business_unit: str = opt("Business unit the tenant's cost is charged back to")
    cost_center: str = opt("Cost center the tenant's cost is booked to")

    class Config:
        strict = True
        ordered = True


MODEL = DimTenants
