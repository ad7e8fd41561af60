"""The one resource every asset uses: where the input is, the warehouse being built, and the
thresholds of the checks.

Every setting is a config field, so a run records the folders and thresholds it ran with. The
values come from `pipelines.settings.Settings` (the CLI's flags or the code location's
environment, see `pipelines/definitions.py`); this module reads no environment.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import dagster as dg
import duckdb

from pipelines.lib import progress, publish, warehouse
from schemas import registry


class CostlineResource(dg.ConfigurableResource):
    """Paths and thresholds. Assets build `<output>/.work/warehouse.duckdb`; the publish step
    swaps a finished copy into `<output>/warehouse.duckdb`, which readers may hold open."""

    input_dir: str
    output_dir: str
    max_unpriced_token_share: str = "0.01"
    # Share of the window's records (loaded + quarantined) allowed in quarantine.
    max_quarantine_share: str = "0.01"
    # Invoice vs usage gap (share of the invoice) past which the reconciliation warning fires.
    max_reconciliation_gap: str = "0.05"
    # A tenant whose LLM cost passes this share of its revenue is `thin`.
    thin_margin_share: str = "0.3"
    # Currency of every chargeback statement; None: each business unit's main currency.
    statement_currency: str | None = None
    # Each write connection's DuckDB memory limit (it spills to disk past it).
    duckdb_memory_limit: str = warehouse.DEFAULT_MEMORY_LIMIT
    # Progress lines on stderr (`costline run` turns them on).
    progress: bool = False

    @property
    def input_path(self) -> Path:
        """The input folder."""
        return Path(self.input_dir)

    @property
    def output_path(self) -> Path:
        """The output folder."""
        return Path(self.output_dir)

    @property
    def work_db_path(self) -> Path:
        """The warehouse being built (only the pipeline opens it)."""
        return self.output_path / ".work" / "warehouse.duckdb"

    @property
    def published_db_path(self) -> Path:
        """The last good warehouse, for readers."""
        return self.output_path / "warehouse.duckdb"

    @property
    def unpriced_threshold(self) -> Decimal:
        """Largest share of tokens allowed to stay unpriced before the check fails."""
        return Decimal(self.max_unpriced_token_share)

    @property
    def quarantine_threshold(self) -> Decimal:
        """Largest share of the window's records allowed in quarantine before the run stops."""
        return Decimal(self.max_quarantine_share)

    @property
    def reconciliation_gap_threshold(self) -> Decimal:
        """Invoice vs usage gap (share of the invoice) past which the warning check fires."""
        return Decimal(self.max_reconciliation_gap)

    @property
    def thin_margin_threshold(self) -> Decimal:
        """Share of revenue past which a tenant's LLM cost makes its margin `thin`."""
        return Decimal(self.thin_margin_share)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        """Claim the output folder for this run; recover from a run that died (see
        `pipelines.lib.publish.begin_run`)."""
        progress.enable(self.progress)
        run_id = context.run.run_id if context.run else None
        if run_id:
            for step in publish.begin_run(self.output_path, run_id):
                context.log.warning(f"recovery: {step}")
                progress.report(f"recovery: {step}")

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        """Release the output folder (not reached when the process is killed)."""
        run_id = context.run.run_id if context.run else None
        if run_id:
            publish.end_run(self.output_path, run_id)

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection to the warehouse being built. A write connection that ends without error
        first documents every table it left without its `COMMENT ON` (a table just created or
        replaced), from the table's pandera model: whichever asset wrote it, the published
        warehouse describes every column of every modelled table."""
        with warehouse.connect(
            self.work_db_path, read_only=read_only, memory_limit=self.duckdb_memory_limit
        ) as con:
            yield con
            if not read_only:
                con.complete()
                registry.apply_missing_comments(con)


def window(context: dg.AssetExecutionContext | dg.AssetCheckExecutionContext) -> tuple[date, date]:
    """The run's date window [start, end) from its partition or partition range."""
    time_window = context.partition_time_window
    start = time_window.start.date()
    end = time_window.end.date()
    if end <= start:
        end = start + timedelta(days=1)
    return start, end
