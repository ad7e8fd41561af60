"""Write docs/data_dictionary.md from the pandera models.

Run `python -m pipelines.lib.data_dictionary`.

The same descriptions become `COMMENT ON` in the warehouse, so the two never disagree; a test
fails when the committed file is stale.
"""

from __future__ import annotations

import sys
from pathlib import Path

from schemas import registry

TARGET = Path(__file__).resolve().parents[2] / "docs" / "data_dictionary.md"


def _type(column: object) -> str:
    dtype = getattr(column, "dtype", None)
    return str(dtype) if dtype is not None else ""


def render() -> str:
    """The whole dictionary as Markdown."""
    out = [
        "# Data dictionary",
        "",
        "Generated from the pandera models in `schemas/` by "
        "`python -m pipelines.lib.data_dictionary`; the same text is in the warehouse as "
        "`COMMENT ON` (`select table_name, column_name, comment from duckdb_columns()`) on every "
        "table of the warehouse except the intermediate `int_*` models, the marts' building "
        "blocks (see their SQL headers in `sql/intermediate/`).",
        "",
    ]
    for table in registry.tables():
        out += [f"## `{table}`", "", registry.table_doc(table), ""]
        out += ["| column | type | description |", "|---|---|---|"]
        schema = registry.model_for(table).to_schema()
        for name, column in schema.columns.items():
            doc = (column.description or "").replace("|", "\\|").replace("\n", " ")
            out.append(f"| `{name}` | {_type(column)} | {doc} |")
        out.append("")
    return "\n".join(out)


def main() -> int:
    """Rewrite the committed dictionary."""
    TARGET.write_text(render(), encoding="utf-8")
    sys.stdout.write(f"wrote {TARGET}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
