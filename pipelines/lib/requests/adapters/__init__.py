"""Adapters: real request-log formats -> native request records (then the native reader).

```python
mapping = load_mapping(input_dir / "catalog" / "mapping.toml")  # defaults when absent
fmt = detect_format(path, head)                  # by content; None = not a format we read
native, rejects = to_native(path, fmt, mapping)
```

`native` has the native record fields (`NATIVE_SCHEMA`, typed; `timestamp` an RFC 3339 string)
plus `source_line` and the `_rp_<field>` repairs of optional fields; `rejects` has
`source_line, request_id, timestamp, field, reason, skip` (`skip` true: not a billable call,
e.g. an HTTP span or an agent span summing its children). Every record read ends up in exactly
one of the two. No prompt or completion text is kept:
prompts become `prompt_fingerprint` (see `fingerprint.py`). Formats: docs/formats.md.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import polars as pl

from pipelines.lib.requests.adapters import langfuse, litellm, otel, provider_usage
from pipelines.lib.requests.adapters.common import (
    OUTPUT_SCHEMA,
    REJECT_SCHEMA,
    Reject,
    Skip,
    coerce_native,
    frames,
    iter_records,
    safe,
)
from pipelines.lib.requests.adapters.detect import detect_format
from pipelines.lib.requests.adapters.fingerprint import canonical_prompt, prompt_fingerprint
from pipelines.lib.requests.adapters.mapping import Mapping, MappingError, load_mapping
from schemas.requests.native_request import NATIVE_FIELDS, NATIVE_SCHEMA

FORMATS = (
    "otel-json",
    "litellm-payload",
    "litellm-spendlogs",
    "langfuse",
    "provider-usage",
    "native",
)
ADAPTED_FORMATS = FORMATS[:-1]

__all__ = [
    "ADAPTED_FORMATS",
    "FORMATS",
    "NATIVE_FIELDS",
    "NATIVE_SCHEMA",
    "OUTPUT_SCHEMA",
    "REJECT_SCHEMA",
    "Mapping",
    "MappingError",
    "canonical_prompt",
    "detect_format",
    "load_mapping",
    "prompt_fingerprint",
    "to_native",
]

_CONVERTERS: dict[str, Callable[[dict[str, Any], Mapping], dict[str, Any]]] = {
    "otel-json": otel.convert,
    "litellm-payload": litellm.convert,
    "litellm-spendlogs": litellm.convert,
    "langfuse": langfuse.convert,
    "provider-usage": provider_usage.convert,
}


def _records(path: Path, fmt: str) -> Iterator[tuple[int, dict[str, Any] | Reject]]:
    if fmt == "otel-json":
        return otel.iter_spans(path)
    return iter_records(path)


def _readable_id(rec: dict[str, Any]) -> str | None:
    for k in ("request_id", "id", "gen_ai.response.id", "span_id"):
        v = rec.get(k)
        if isinstance(v, str) and safe(v).startswith("'"):
            return v
    span = rec.get("span")
    if isinstance(span, dict):
        v = span.get("gen_ai.response.id")
        if isinstance(v, str) and safe(v).startswith("'"):
            return v
    return None


def to_native(path: Path, fmt: str, mapping: Mapping) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Read one file of format `fmt` into (native records + source_line, rejects).

    Never raises for bad content: an unreadable file yields one reject with field `file`.
    `native` files are read by the native reader itself (ValueError here).
    """
    if fmt == "native":
        raise ValueError("native files are read by pipelines.lib.requests, not by an adapter")
    if fmt not in _CONVERTERS:
        raise ValueError(f"unknown format {fmt!r} (expected one of {', '.join(FORMATS)})")
    convert = _CONVERTERS[fmt]
    rows: list[dict[str, Any]] = []
    rejects: list[dict[str, Any]] = []
    try:
        for line, rec in _records(path, fmt):
            if isinstance(rec, Reject):
                rejects.append(
                    {"source_line": line, "field": rec.field, "reason": f"{fmt}: {rec.reason}"}
                )
                continue
            try:
                native = coerce_native(convert(rec, mapping))
            except Skip as sk:
                rejects.append(
                    {
                        "source_line": line,
                        "request_id": _readable_id(rec),
                        "reason": f"{fmt}: {sk.reason}",
                        "skip": True,
                    }
                )
                continue
            except Reject as r:
                rejects.append(
                    {
                        "source_line": line,
                        "request_id": _readable_id(rec),
                        "field": r.field,
                        "reason": f"{fmt}: {r.reason}",
                    }
                )
                continue
            except (ArithmeticError, ValueError, OSError) as exc:
                # A value no converter foresaw (e.g. a date arithmetic overflow): this record
                # only, never the rest of the file.
                rejects.append(
                    {
                        "source_line": line,
                        "request_id": _readable_id(rec),
                        "field": "record",
                        "reason": f"{fmt}: value out of range ({type(exc).__name__})",
                    }
                )
                continue
            native["source_line"] = line
            rows.append(native)
    except Exception as exc:  # unreadable container (corrupt gzip/Parquet, bad CSV)
        # Rows already converted stay; the rest of the file is reported as one reject.
        rejects.append(
            {
                "source_line": (max([r["source_line"] for r in rows + rejects], default=0) + 1),
                "field": "file",
                "reason": f"{fmt}: file unreadable after this point ({type(exc).__name__})",
            }
        )
    return frames(rows, rejects)
