"""Byte-deterministic writers for native request records: JSON Lines (gzip), Parquet, CSV."""

from __future__ import annotations

import gzip
import io
import json
from collections.abc import Iterable
from pathlib import Path

import polars as pl

from pipelines.lib.sample.stories import BOOL_FIELDS, FLOAT_FIELDS, INT_FIELDS
from schemas.requests.native_request import NATIVE_FIELDS

FORMATS = ("jsonl.gz", "parquet", "csv")


def native_schema() -> dict[str, pl.DataType]:
    """Polars dtype of every native field (timestamps stay RFC 3339 strings)."""
    out: dict[str, pl.DataType] = {}
    for name in NATIVE_FIELDS:
        if name in INT_FIELDS:
            out[name] = pl.Int64()
        elif name in BOOL_FIELDS:
            out[name] = pl.Boolean()
        elif name in FLOAT_FIELDS:
            out[name] = pl.Float64()
        else:
            out[name] = pl.String()
    return out


def records_frame(records: list[dict]) -> pl.DataFrame:
    """Records as a frame with every native column (absent = null)."""
    schema = native_schema()
    cols = {name: [r.get(name) for r in records] for name in NATIVE_FIELDS}
    return pl.DataFrame(cols, schema=schema)


def write_gzip_bytes(path: Path, data: bytes) -> None:
    """gzip with no file name and mtime 0, so equal data gives equal bytes."""
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=9) as gz:
        gz.write(data)
    path.write_bytes(buf.getvalue())


def jsonl_lines(records: Iterable[dict], fields: tuple[str, ...] = NATIVE_FIELDS) -> bytes:
    """One compact JSON object per line; absent (None) fields are omitted."""
    lines = []
    for rec in records:
        obj = {k: rec[k] for k in fields if rec.get(k) is not None}
        lines.append(json.dumps(obj, separators=(",", ":"), ensure_ascii=False))
    return ("\n".join(lines) + "\n").encode() if lines else b""


def write_records(path: Path, records: list[dict], fmt: str) -> None:
    """Write one day file in `fmt` (one of FORMATS)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "jsonl.gz":
        write_gzip_bytes(path, jsonl_lines(records))
    elif fmt in ("parquet", "csv"):
        write_frame(path, records_frame(records), fmt)
    else:
        raise ValueError(f"unknown sample format {fmt!r} (expected one of {', '.join(FORMATS)})")


def write_frame(path: Path, df: pl.DataFrame, fmt: str) -> None:
    """Write a native-record frame; Parquet without varying metadata, CSV with true/false."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "parquet":
        df.write_parquet(path, compression="zstd", compression_level=1, row_group_size=1_000_000)
    elif fmt == "csv":
        df.write_csv(path, null_value="")
    elif fmt == "jsonl.gz":
        buf = io.BytesIO()
        df.write_ndjson(buf)
        write_gzip_bytes(path, buf.getvalue())
    else:
        raise ValueError(f"unknown sample format {fmt!r} (expected one of {', '.join(FORMATS)})")
