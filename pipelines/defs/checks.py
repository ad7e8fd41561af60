"""Every schema check, made by one factory from the pandera registry (`schemas.registry`).

`schema_check(table)` is the blocking check that a published table's rows validate against its
pandera model: its spec for the asset's `check_specs`, and its result for rows in memory
(`of_frame`), a whole warehouse table (`of_table`) or the rows of a query (`of_query`). One check
name for every published table (`matches_published_schema`). `invoices_match` is the result of
the blocking per-invoice sum checks (allocated or billed = invoice total to the cent).
"""

from __future__ import annotations

from dataclasses import dataclass

import dagster as dg
import duckdb
import polars as pl

from pipelines.lib import warehouse
from schemas import registry

SCHEMA_CHECK = "matches_published_schema"


@dataclass(frozen=True)
class SchemaCheck:
    """The blocking schema check of `table`, attached to the asset that writes it."""

    table: str
    asset: str
    name: str = SCHEMA_CHECK
    against: str = ""

    @property
    def spec(self) -> dg.AssetCheckSpec:
        """The spec to list in the asset's `check_specs`."""
        against = self.against or f"schemas.{registry.module_of(self.table)}"
        return dg.AssetCheckSpec(
            self.name,
            asset=self.asset,
            blocking=True,
            description=f"rows validate against {against}",
        )

    def result(self, failure: str | None, **counts: int) -> dg.AssetCheckResult:
        """The result for a validation that found `failure` (None: passed), with row counts."""
        return dg.AssetCheckResult(
            check_name=self.name,
            asset_key=dg.AssetKey(self.asset),
            passed=failure is None,
            metadata={"failure": failure or "none", **counts},
        )

    def failure_of(self, frame: pl.DataFrame) -> str | None:
        """The pandera failure of the rows `frame` (None when they conform)."""
        return registry.validate_frame(self.table, frame)

    def of_frame(self, frame: pl.DataFrame) -> dg.AssetCheckResult:
        """The result for rows the asset holds in memory."""
        return self.result(self.failure_of(frame), rows=len(frame))

    def of_table(self, con: duckdb.DuckDBPyConnection) -> dg.AssetCheckResult:
        """The result for the whole table as the asset left it in the warehouse."""
        return self.result(self.failure_of(warehouse.frame(con, f"select * from {self.table}")))

    def of_query(
        self, con: duckdb.DuckDBPyConnection, query: str, params: dict[str, object]
    ) -> dg.AssetCheckResult:
        """The result for every row of a query, in bounded memory (`registry.validate_query`)."""
        failure, rows = registry.validate_query(con, self.table, query, params)
        return self.result(failure, rows_checked=rows)


def schema_check(
    table: str, asset: str | None = None, *, name: str = SCHEMA_CHECK, against: str = ""
) -> SchemaCheck:
    """The schema check of `table` on `asset` (default: the asset named after the table)."""
    return SchemaCheck(table=table, asset=asset or table, name=name, against=against)


def invoices_match(name: str, check: pl.DataFrame) -> dg.AssetCheckResult:
    """The result of a per-invoice sum check: passed when every row of `check` `matches`."""
    mismatches = check.filter(~pl.col("matches"))
    return dg.AssetCheckResult(
        check_name=name,
        passed=len(mismatches) == 0,
        metadata={
            "invoices": len(check),
            "mismatches": len(mismatches),
            "detail": dg.MetadataValue.md(f"```\n{check}\n```"),
        },
    )
