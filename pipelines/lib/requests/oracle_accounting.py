"""Row accounting of the Polars test oracle (`oracle.read_requests`): repair rows of the loaded
requests, per-file counts, and the check that no record was lost or counted twice."""

from __future__ import annotations

import polars as pl

from pipelines.lib.requests.result import FileStat, IngestResult
from pipelines.lib.requests.rules import REPAIR
from schemas.requests.ingest_field_repairs import COLUMNS as REPAIR_COLUMNS


def repairs_of(loaded: pl.DataFrame) -> pl.DataFrame:
    """One row per loaded request x repaired field (`_rp_<field>` set)."""
    return (
        loaded.select(
            "source_file", "source_line", "request_id", "request_date", pl.col(f"^{REPAIR}.*$")
        )
        .unpivot(index=["source_file", "source_line", "request_id", "request_date"])
        .drop_nulls("value")
        .select(
            "source_file",
            "source_line",
            "request_id",
            "request_date",
            pl.col("variable").str.strip_prefix(REPAIR).alias("field"),
            pl.col("value").alias("action"),
        )
        .sort("source_file", "source_line", "field")
        .cast(REPAIR_COLUMNS)  # type: ignore[arg-type]
    )


def _counts(frame: pl.DataFrame) -> dict[str, int]:
    grouped = frame.group_by("source_file").len()
    return dict(zip(grouped["source_file"].to_list(), grouped["len"].to_list(), strict=True))


def count_per_file(
    stats: list[FileStat],
    requests: pl.DataFrame,
    quarantine: pl.DataFrame,
    outside: pl.DataFrame,
    skipped: pl.DataFrame,
    repairs: pl.DataFrame,
) -> None:
    """Set each file's loaded, quarantined, outside-window, skipped and repaired counts."""
    loaded, quarantined, other = _counts(requests), _counts(quarantine), _counts(outside)
    skips, repaired = _counts(skipped), _counts(repairs)
    for stat in stats:
        stat.rows_loaded = loaded.get(stat.path, 0)
        stat.rows_quarantined = quarantined.get(stat.path, 0)
        stat.rows_outside_window = other.get(stat.path, 0)
        stat.rows_skipped = skips.get(stat.path, 0)
        stat.fields_repaired = repaired.get(stat.path, 0)


def check_accounting(result: IngestResult) -> None:
    """Raise if any record was lost or counted twice."""
    for s in result.files:
        if s.rows_read != (
            s.rows_loaded + s.rows_quarantined + s.rows_skipped + s.rows_outside_window
        ):
            raise RuntimeError(
                f"ingest row accounting broken for {s.path}: read {s.rows_read} != loaded "
                f"{s.rows_loaded} + quarantined {s.rows_quarantined} + skipped "
                f"{s.rows_skipped} + outside window {s.rows_outside_window}"
            )
    total = (
        len(result.requests)
        + len(result.quarantine)
        + len(result.skipped)
        + result.rows_outside_window
    )
    if result.rows_read != total:
        raise RuntimeError(
            f"ingest row accounting broken: read {result.rows_read} != loaded "
            f"{len(result.requests)} + quarantined {len(result.quarantine)} + skipped "
            f"{len(result.skipped)} + outside window {result.rows_outside_window}"
        )
