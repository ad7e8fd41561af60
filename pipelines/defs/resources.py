"""The one resource every asset uses: where the input is and the warehouse being built."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import dagster as dg
import duckdb

from pipelines.lib import publish, warehouse
from pipelines.lib.progress import report
from pipelines.settings import Settings
from schemas import registry


class CostlineResource(dg.ConfigurableResource):
    """Paths and thresholds. Assets build `<output>/.work/warehouse.duckdb`; the publish step
    swaps a finished copy into `<output>/warehouse.duckdb`, which readers may hold open."""

    input_dir: str
    output_dir: str
    max_unpriced_token_share: str = "0.01"

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

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        """Claim the output folder for this run; recover from a run that died (see
        `pipelines.lib.publish.begin_run`)."""
        run_id = context.run.run_id if context.run else None
        if run_id:
            for step in publish.begin_run(self.output_path, run_id):
                context.log.warning(f"recovery: {step}")
                report(f"recovery: {step}")

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
        with warehouse.connect(self.work_db_path, read_only=read_only) as con:
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


def default_resource() -> CostlineResource:
    """The resource as configured by the environment (see pipelines.settings)."""
    settings = Settings.from_env()
    return CostlineResource(
        input_dir=str(settings.input_dir),
        output_dir=str(settings.output_dir),
        max_unpriced_token_share=str(settings.max_unpriced_token_share),
    )


@dg.definitions
def resources() -> dg.Definitions:
    """Declared once for every asset and check."""
    return dg.Definitions(resources={"costline": default_resource()})
