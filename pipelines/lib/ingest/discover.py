"""Find request-log files and tell their format."""

from __future__ import annotations

import hashlib
from pathlib import Path

FORMATS = {
    ".jsonl": "native-jsonl",
    ".jsonl.gz": "native-jsonl",
    ".parquet": "native-parquet",
    ".csv": "native-csv",
}
UNSUPPORTED = "unsupported"


def file_format(path: Path) -> str:
    """`native-jsonl` / `native-parquet` / `native-csv`, or `unsupported`."""
    name = path.name.lower()
    for suffix in sorted(FORMATS, key=len, reverse=True):
        if name.endswith(suffix):
            return FORMATS[suffix]
    return UNSUPPORTED


def discover(input_dir: Path) -> list[tuple[Path, str, str]]:
    """(absolute path, path relative to input_dir as posix, format) of every file under
    `<input_dir>/requests/`, recursively, sorted by relative path (the duplicate-resolution
    order)."""
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
