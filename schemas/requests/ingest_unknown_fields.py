"""Schema of ingest_unknown_fields: fields of native request records outside the contract."""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from schemas.fields import f, opt

TABLE = "ingest_unknown_fields"
COLUMNS: dict[str, pl.DataType] = {
    "source_file": pl.String(),
    "field": pl.String(),
    "records": pl.Int64(),
    "first_line": pl.Int64(),
    "suggestion": pl.String(),
    "records_quarantined": pl.Boolean(),
}


class IngestUnknownField(pa.DataFrameModel):
    """Fields found in native request files (JSONL keys, CSV or Parquet columns) that are not
    in the native record, per file, with the known field one edit away. A probable typo of a
    token field quarantines its records (the count would be priced as another kind); any other
    unknown field is ignored and only reported. Prompt and completion keys (`prompt`,
    `messages`, ...) are never read and not listed. Replaced for every file a run reads.

    Grain: one row per file x unknown field.
    """

    source_file: str = f("Request-log file, relative to the input folder")
    field: str = f("The unknown field name as written in the file")
    records: pl.Int64 = f("Records of the file carrying a non-empty value in it", ge=1)
    first_line: pl.Int64 = f("1-based line (JSONL, CSV) or row (Parquet) of the first", ge=1)
    suggestion: str = opt("The native field one edit away (did you mean), if exactly one is")
    records_quarantined: bool = f("True when the suggestion is a token field: records quarantined")

    class Config:
        strict = True
        ordered = True


MODEL = IngestUnknownField
