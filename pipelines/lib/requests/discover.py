"""Find request-log files, tell their container by extension and their format by content."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pipelines.lib.requests.adapters.detect import classify_keys, detect_format, inflate

FORMATS = {
    ".jsonl": "native-jsonl",
    ".jsonl.gz": "native-jsonl",
    ".json": "native-jsonl",
    ".json.gz": "native-jsonl",
    ".parquet": "native-parquet",
    ".csv": "native-csv",
}
UNSUPPORTED = "unsupported"
UNRECOGNISED = "unrecognised"
HEAD_BYTES = 64 << 10


def file_format(path: Path) -> str:
    """The native reader for the extension (`native-jsonl` / `native-parquet` / `native-csv`),
    or `unsupported`."""
    name = path.name.lower()
    for suffix in sorted(FORMATS, key=len, reverse=True):
        if name.endswith(suffix):
            return FORMATS[suffix]
    return UNSUPPORTED


def read_head(path: Path, size: int = HEAD_BYTES) -> bytes:
    """The first `size` bytes of the file (what format detection reads)."""
    with path.open("rb") as handle:
        return handle.read(size)


def content_format(path: Path, container: str, head: bytes) -> str:
    """What reads this file: `native-jsonl` / `native-parquet` / `native-csv` (the native reader),
    an adapter format id (`otel-json`, `litellm-payload`, ...), or `unrecognised`.

    `detect_format` decides. When it recognises nothing, a file whose head holds no JSON object
    at all (empty, binary, a corrupt gzip, only broken lines) and whose extension is a native one
    still goes to the native reader, which reports it line by line or as an unreadable file with
    a precise reason; a file of readable records with foreign keys is `unrecognised`.
    """
    if container == UNSUPPORTED:
        return UNSUPPORTED
    fmt = detect_format(path, head)
    if head[:4] == b"PAR1":
        # Parquet by magic, whatever the extension; an unreadable footer is the reader's to say.
        return "native-parquet" if fmt in ("native", None) else fmt
    if fmt == "native":
        return container
    if fmt is not None:
        return fmt
    if container == "native-parquet":
        return container  # not Parquet at all: "unreadable Parquet file"
    return _undetected(container, head)


def _undetected(container: str, head: bytes) -> str:
    """A file `detect_format` did not recognise: the native reader when the head holds no
    JSON object (it reports why), a JSONL file by the keys of any of its records, else
    `unrecognised`."""
    text = inflate(head).lstrip(b"\xef\xbb\xbf \t\r\n")
    if not text:
        return container  # empty (no records) or a corrupt gzip (the reader says so)
    if container == "native-jsonl":
        objects = list(_line_objects(text))
        if not objects:
            return container
        for obj in objects:  # the first record may lack a key the next ones have
            fmt = classify_keys(obj.keys(), obj)
            if fmt is not None:
                return container if fmt == "native" else fmt
    return UNRECOGNISED


def _line_objects(text: bytes) -> Iterator[dict[str, Any]]:
    """The JSON objects among the complete lines of a file's head."""
    for line in text.split(b"\n"):  # a line cut off by the head does not parse
        try:
            obj = json.loads(line)
        except ValueError:
            continue
        if isinstance(obj, dict):
            yield obj


def discover(input_dir: Path) -> list[tuple[Path, str, str]]:
    """(absolute path, path relative to input_dir as posix, container by extension) of every
    file under `<input_dir>/requests/`, recursively, sorted by relative path (the
    duplicate-resolution order)."""
    root = input_dir / "requests"
    if not root.is_dir():
        return []
    found = [p for p in root.rglob("*") if p.is_file()]
    rows = [(p, p.relative_to(input_dir).as_posix(), file_format(p)) for p in found]
    return sorted(rows, key=lambda r: r[1])


def sha256_of(path: Path) -> str:
    """Hex sha256 of the file's bytes, streamed."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 22), b""):
            digest.update(block)
    return digest.hexdigest()
