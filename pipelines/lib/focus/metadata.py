"""The FOCUS 1.2 metadata document of costline's Cost and Usage export (spec §Metadata).

`SchemaId` is a UUID5 of the canonical JSON of FocusVersion, DataGeneratorVersion and the column
definitions, so it changes exactly when the spec requires a new schema object (columns added,
removed or changed, or a new FocusVersion / DataGeneratorVersion) and is stable otherwise.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from schemas.focus.columns import COLUMNS, STRING_MAX_LENGTH, X_COLUMNS

FOCUS_VERSION = "1.2"
DATA_GENERATOR = "costline"
# Tags hold one user-defined scheme (tenant, feature, environment, app from the request logs), so
# the keys carry no prefix; costline adds no provider-defined tags. Reserved for future ones:
PROVIDER_TAG_PREFIXES: list[str] = ["costline/"]
_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://github.com/costline/costline/focus-schema")
_X_TYPES = {"VARCHAR": "STRING", "BIGINT": "INTEGER", "BOOLEAN": "BOOLEAN"}


def generator_version() -> str:
    """The installed costline version."""
    try:
        return version("costline")
    except PackageNotFoundError:
        return "0.0.0"


def column_definitions() -> list[dict[str, object]]:
    """One ColumnDefinition per column the export holds, FOCUS columns first."""
    out: list[dict[str, object]] = []
    for col in COLUMNS:
        entry: dict[str, object] = {"ColumnName": col.name, "DataType": col.data_type.upper()}
        ps = col.precision_scale
        if ps:
            entry["NumericPrecision"], entry["NumberScale"] = ps
        if col.data_type in ("String", "JSON"):
            entry["StringMaxLength"] = STRING_MAX_LENGTH
            entry["StringEncoding"] = "UTF-8"
        if col.name == "Tags":
            entry["ProviderTagPrefixes"] = PROVIDER_TAG_PREFIXES
        out.append(entry)
    for name, sql_type in X_COLUMNS.items():
        entry = {"ColumnName": name, "DataType": _X_TYPES[sql_type]}
        if sql_type == "VARCHAR":
            entry["StringMaxLength"] = STRING_MAX_LENGTH
            entry["StringEncoding"] = "UTF-8"
        out.append(entry)
    return out


def schema_id(definitions: list[dict[str, object]], generator_ver: str) -> str:
    """Deterministic UUID of the schema."""
    canonical = json.dumps(
        {"FocusVersion": FOCUS_VERSION, "DataGeneratorVersion": generator_ver, "c": definitions},
        sort_keys=True,
        separators=(",", ":"),
    )
    return str(uuid.uuid5(_NAMESPACE, canonical))


def metadata_document(created: datetime | None = None) -> dict[str, object]:
    """The metadata object (without the file manifest)."""
    definitions = column_definitions()
    ver = generator_version()
    moment = (created or datetime.now(UTC)).astimezone(UTC)
    return {
        "DataGenerator": DATA_GENERATOR,
        "DataGeneratorVersion": ver,
        "FocusVersion": FOCUS_VERSION,
        "SchemaId": schema_id(definitions, ver),
        "CreationDate": moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "ColumnDefinition": definitions,
    }


def metadata_file(folder: Path) -> Path:
    """Where the metadata of a Parquet folder lives: beside it, `<folder>.metadata.json`.

    Not inside: pandas, pyarrow and Spark try to read every file of a dataset folder as Parquet,
    and Polars refuses a folder that mixes file types.
    """
    return folder.parent / f"{folder.name}.metadata.json"


def write_metadata(folder: Path, document: dict[str, object]) -> Path:
    """Write `document` to `metadata_file(folder)` atomically (temporary file, then rename)."""
    target = metadata_file(folder)
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    tmp.replace(target)
    return target
