"""Result types of the request-log ingest and the native field catalogue."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import polars as pl

from pipelines.lib.requests.staging import LoadStats
from schemas.requests.canonical_request import CANONICAL_COLUMNS, QUARANTINE_COLUMNS
from schemas.requests.ingest_field_repairs import COLUMNS as REPAIR_COLUMNS
from schemas.requests.ingest_skipped_records import COLUMNS as SKIPPED_COLUMNS
from schemas.requests.ingest_unknown_fields import COLUMNS as UNKNOWN_COLUMNS
from schemas.requests.native_request import NATIVE_SCHEMA
from schemas.requests.native_request import REQUIRED_FIELDS as REQUIRED_FIELDS  # re-exported
from schemas.requests.native_request import TOKEN_FIELDS as TOKEN_FIELDS  # re-exported

# Native request-log fields by target type, in the contract's order.
STRING_FIELDS = tuple(f for f, t in NATIVE_SCHEMA.items() if t == pl.String() and f != "timestamp")
INT_FIELDS = tuple(f for f, t in NATIVE_SCHEMA.items() if t == pl.Int64())
FLOAT_FIELDS = tuple(f for f, t in NATIVE_SCHEMA.items() if t == pl.Float64())
BOOL_FIELDS = tuple(f for f, t in NATIVE_SCHEMA.items() if t == pl.Boolean())
TIMESTAMP_FIELD = "timestamp"
NATIVE_FIELDS = (TIMESTAMP_FIELD, *STRING_FIELDS, *INT_FIELDS, *FLOAT_FIELDS, *BOOL_FIELDS)
MAX_TOKENS = 10_000_000
MAX_ID = 200  # request ids are cut to this many characters in the quarantine and skipped rows

# Internal columns carried next to the canonical ones until the final split.
ERR_FIELD = "_err_field"
ERR_REASON = "_err_reason"
SKIP_REASON = "_skip_reason"  # set on records that are not billable calls (adapters)


@dataclass
class FileStat:
    """What ingest did with one input file. `error` is a file-level problem (or None)."""

    path: str
    format: str
    sha256: str
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    rows_outside_window: int = 0
    rows_skipped: int = 0
    fields_repaired: int = 0
    error: str | None = None


@dataclass
class IngestResult:
    """Canonical requests of the window, their rejects, and the row accounting.

    `rows_read == len(requests) + len(quarantine) + len(skipped) + rows_outside_window`, in
    total and per file. A file that cannot be read at all (corrupt gzip, unreadable Parquet,
    unsupported type) counts as one row read and yields one quarantine row with source_line 0
    and field `file`. `repairs` lists the fields of loaded requests that were coerced or nulled,
    `unknown_fields` the fields outside the contract per file.
    """

    requests: pl.DataFrame
    quarantine: pl.DataFrame
    rows_read: int
    rows_outside_window: int
    files: list[FileStat] = field(default_factory=list)
    repairs: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=REPAIR_COLUMNS))
    skipped: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=SKIPPED_COLUMNS))
    unknown_fields: pl.DataFrame = field(
        default_factory=lambda: pl.DataFrame(schema=UNKNOWN_COLUMNS)
    )


@dataclass(frozen=True)
class IngestStats(LoadStats):
    """LoadStats plus records skipped as not billable and fields repaired;
    rows_read = loaded + quarantined + skipped + outside_window."""

    rows_skipped: int = 0
    fields_repaired: int = 0

    def as_metadata(self) -> dict[str, Any]:
        """For Dagster run metadata and the CLI summary."""
        return {
            **super().as_metadata(),
            "rows_skipped": self.rows_skipped,
            "fields_repaired": self.fields_repaired,
        }


def empty_requests() -> pl.DataFrame:
    """A zero-row frame with exactly the canonical columns."""
    return pl.DataFrame(schema=CANONICAL_COLUMNS)


def empty_quarantine() -> pl.DataFrame:
    """A zero-row frame with exactly the quarantine columns."""
    return pl.DataFrame(schema=QUARANTINE_COLUMNS)


def file_quarantine(source_file: str, reason: str) -> pl.DataFrame:
    """The single quarantine row standing for a file that could not be read."""
    return pl.DataFrame(
        {
            "source_file": [source_file],
            "source_line": [0],
            "request_id": [None],
            "request_date": [None],
            "field": ["file"],
            "reason": [reason],
        },
        schema=QUARANTINE_COLUMNS,
    )
