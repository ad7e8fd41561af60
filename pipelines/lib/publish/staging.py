"""The staged tree: exports go under `.work/publish/tree/` and reach the output only at publish."""

from __future__ import annotations

import shutil
from pathlib import Path

STAGE = "publish"
WAREHOUSE = "warehouse.duckdb"
UNITS = "units.txt"


def stage_dir(output_dir: Path) -> Path:
    """`<output>/.work/publish/`: the staged tree, the declared units and (once committed) the
    publish plan."""
    return output_dir / ".work" / STAGE


def staged_path(output_dir: Path, rel: str | Path) -> Path:
    """Where the published `<output>/<rel>` is staged."""
    return stage_dir(output_dir) / "tree" / rel


def stage_unit(output_dir: Path, rel: str | Path) -> Path:
    """Declare that published `<output>/<rel>` (a file or a folder) is replaced at publish by
    what the caller writes at the returned staged path, or removed if nothing is written there.
    Clears anything staged there before; creates the parent folder."""
    rel = Path(rel).as_posix()
    target = staged_path(output_dir, rel)
    if target.is_dir():
        shutil.rmtree(target)
    else:
        target.unlink(missing_ok=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    units = stage_dir(output_dir) / UNITS
    with units.open("a", encoding="utf-8") as handle:
        handle.write(rel + "\n")
    return target


def staged_units(output_dir: Path) -> list[str]:
    """The units declared so far, each once, in declaration order."""
    units = stage_dir(output_dir) / UNITS
    if not units.exists():
        return []
    return list(dict.fromkeys(line for line in units.read_text("utf-8").splitlines() if line))


def published_files(
    output_dir: Path, folder: str, pattern: str, replaced: list[str]
) -> list[tuple[Path, str]]:
    """The files matching `pattern` under `<output>/<folder>` once this run publishes: the
    published ones outside the `replaced` units (relative to the folder) plus the staged ones.
    Pairs of (file to read now, path relative to the folder)."""
    root, staged = output_dir / folder, staged_path(output_dir, folder)
    found: dict[str, Path] = {}
    for path in sorted(root.glob(pattern)) if root.exists() else []:
        rel = path.relative_to(root).as_posix()
        if not any(rel == unit or rel.startswith(unit + "/") for unit in replaced):
            found[rel] = path
    for path in sorted(staged.glob(pattern)) if staged.exists() else []:
        found[path.relative_to(staged).as_posix()] = path
    return [(found[rel], rel) for rel in sorted(found)]
