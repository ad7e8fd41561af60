"""Schema of quarantine_revenue (revenue lines that belong to no known tenant)."""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from schemas.fields import f, opt

TABLE = "quarantine_revenue"


class QuarantineRevenue(pa.DataFrameModel):
    """Well-formed revenue lines that could not be attributed: a tenant id missing from
    tenants.csv, or a billing customer no tenant lists in billing_customer_id. Counted, never
    dropped silently (malformed values stop the run instead, naming file:line:field).

    Grain: one row per rejected input line.
    """

    source_file: str = f("Input file, relative to the input folder")
    source_line: pl.Int64 = f("CSV line (header = 1) or JSON invoice position (1-based)", ge=1)
    invoice_id: str = opt("Invoice id in the billing system")
    billing_customer_id: str = opt("Customer id in the billing system")
    field: str = f("The field that could not be resolved")
    reason: str = f("Why the line was rejected")

    class Config:
        strict = True
        ordered = True


MODEL = QuarantineRevenue
