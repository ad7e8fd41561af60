"""Read a CSV as (line number, {column: text}) with header checks that name file and line."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from pipelines.lib.margin.lines import RevenueError, where


def _column_index(
    path: Path, header: list[str], required: tuple[str, ...], aliases: dict[str, tuple[str, ...]]
) -> dict[str, int]:
    """Canonical column name -> its position in the header; every required one found."""
    spelled = {h.strip().lower(): i for i, h in enumerate(header)}
    index: dict[str, int] = {}
    for name in {*required, *aliases}:
        for spelling in (name, *aliases.get(name, ())):
            if spelling.lower() in spelled:
                index[name] = spelled[spelling.lower()]
                break
    missing = [c for c in required if c not in index]
    if missing:
        raise RevenueError(f"{where(path, 1, missing[0])}: missing column(s) {', '.join(missing)}")
    return index


def read_rows(
    path: Path, required: tuple[str, ...], aliases: dict[str, tuple[str, ...]] | None = None
) -> Iterator[tuple[int, dict[str, str]]]:
    """Rows keyed by canonical column name; header names match case-insensitively.

    `aliases` maps a canonical name to the header spellings accepted for it (the canonical
    name itself is always accepted). The line number is the physical line where the row ends.
    """
    aliases = aliases or {}
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise RevenueError(f"{where(path, 0, 'file')}: cannot open ({exc.strerror})") from exc
    with handle:
        reader = csv.reader(handle)
        try:
            header = next(reader, None)
            if header is None:
                raise RevenueError(f"{where(path, 1, 'header')}: empty file")
            index = _column_index(path, header, required, aliases)
            for record in reader:
                if not any(cell.strip() for cell in record):
                    continue
                yield (
                    reader.line_num,
                    {
                        name: (record[i].strip() if i < len(record) else "")
                        for name, i in index.items()
                    },
                )
        except UnicodeDecodeError as exc:
            raise RevenueError(f"{where(path, reader.line_num + 1, 'file')}: not UTF-8") from exc
        except csv.Error as exc:
            raise RevenueError(f"{where(path, reader.line_num, 'record')}: {exc}") from exc
