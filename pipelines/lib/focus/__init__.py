"""FOCUS 1.2 Cost and Usage: column definitions, metadata, Parquet export and validation.

- `columns`: the 57 columns in reference order, with type, nullability and storage precision.
- `enums`: the enumerations (ChargeCategory, ServiceSubcategory -> ServiceCategory, ISO 4217, ...).
- `rules`: row and dataset rules over exact values (Decimal, str), shared by `validate`.
- `validate`: `validate_file` and the `costline validate` entry point.
- `metadata` / `export`: the metadata document and the Hive-partitioned Parquet export.
"""

from schemas.focus.columns import COLUMN_NAMES, COLUMNS, FocusColumn

__all__ = ["COLUMNS", "COLUMN_NAMES", "FocusColumn"]
