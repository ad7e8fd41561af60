"""Publishing the staged tree: the plan of moves and removals is the commit point, then applied.

A run that dies before the plan is written leaves the published tree as it was; one that dies
while applying it has its publish finished by the next run (`recover_publish`).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import duckdb

from pipelines.lib.publish.staging import (
    UNITS,
    WAREHOUSE,
    stage_dir,
    stage_unit,
    staged_path,
    staged_units,
)

_PLAN = "plan.json"
_OWNER = "run_id"


def _files_under(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def plan_moves(output_dir: Path) -> list[list[str]]:
    """[action, rel] pairs: `move` a staged file over the published one, `remove` a published
    file or folder. New files arrive before stale ones go; the warehouse moves last."""
    first: list[list[str]] = []  # a published file where a folder comes, or the reverse
    moves: list[list[str]] = []
    removes: list[list[str]] = []
    for unit in staged_units(output_dir):
        staged, published = staged_path(output_dir, unit), output_dir / unit
        if staged.is_dir():
            incoming = _files_under(staged)
            moves += [["move", f"{unit}/{name}"] for name in incoming]
            if published.is_dir():
                keep = set(incoming)
                removes += [
                    ["remove", f"{unit}/{name}"]
                    for name in _files_under(published)
                    if name not in keep
                ]
            elif published.exists():
                first.append(["remove", unit])
        elif staged.exists():
            if published.is_dir():
                first.append(["remove", unit])
            moves.append(["move", unit])
        elif published.exists():
            removes.append(["remove", unit])
    # the warehouse last: when it changes, every export of the run is already in place
    last = [step for step in moves if step[1] == WAREHOUSE]
    return first + [step for step in moves if step[1] != WAREHOUSE] + removes + last


def _remove_empty_parents(path: Path, root: Path) -> None:
    for parent in path.parents:
        if parent == root or root not in parent.parents:
            return
        try:
            parent.rmdir()
        except OSError:
            return


def apply_moves(output_dir: Path, plan: list[list[str]]) -> None:
    """Carry out `plan`; every step may be repeated (a move whose staged file is gone was
    done), so an interrupted publish is finished by applying the same plan again."""
    for action, rel in plan:
        published = output_dir / rel
        if action == "move":
            staged = staged_path(output_dir, rel)
            if staged.exists():
                published.parent.mkdir(parents=True, exist_ok=True)
                staged.replace(published)
        elif published.is_dir():
            shutil.rmtree(published)
            _remove_empty_parents(published, output_dir)
        elif published.exists():
            published.unlink()
            _remove_empty_parents(published, output_dir)


def _finish(output_dir: Path, plan: list[list[str]]) -> None:
    apply_moves(output_dir, plan)
    stage = stage_dir(output_dir)
    shutil.rmtree(stage / "tree", ignore_errors=True)
    (stage / UNITS).unlink(missing_ok=True)
    (stage / _PLAN).unlink(missing_ok=True)  # last: until here a restart finishes the publish
    shutil.rmtree(stage, ignore_errors=True)


def _stage_warehouse(output_dir: Path, work_db: Path) -> None:
    """Stage a checkpointed copy of the work database as the published warehouse."""
    con = duckdb.connect(str(work_db))
    try:
        con.execute("checkpoint")
    finally:
        con.close()
    shutil.copyfile(work_db, stage_unit(output_dir, WAREHOUSE))


def _commit(output_dir: Path, plan: list[list[str]]) -> None:
    """Put every staged byte on disk, then write the plan whole (the commit point)."""
    for _, rel in plan:
        staged = staged_path(output_dir, rel)
        if staged.is_file():
            with staged.open("rb") as handle:
                os.fsync(handle.fileno())
    path = stage_dir(output_dir) / _PLAN
    path.parent.mkdir(parents=True, exist_ok=True)  # nothing may have been staged
    tmp = path.with_name(f".{_PLAN}.tmp")
    with tmp.open("w", encoding="utf-8") as handle:
        json.dump(plan, handle)
        handle.flush()
        os.fsync(handle.fileno())
    tmp.replace(path)


def publish_staged(output_dir: Path, work_db: Path | None = None) -> dict[str, int]:
    """Publish everything staged under `output_dir`, plus a checkpointed copy of `work_db` as
    the warehouse when given: write the plan (the commit point), then apply it. Returns counts
    of files moved and removed."""
    if work_db is not None:
        _stage_warehouse(output_dir, work_db)
    plan = plan_moves(output_dir)
    _commit(output_dir, plan)
    _finish(output_dir, plan)
    return {
        "moved": sum(1 for action, _ in plan if action == "move"),
        "removed": sum(1 for action, _ in plan if action == "remove"),
    }


def publish_pending(output_dir: Path) -> bool:
    """Whether a publish was committed but not finished (the published tree is part old, part
    new until the next run finishes it)."""
    return (stage_dir(output_dir) / _PLAN).exists()


def recover_publish(output_dir: Path, run_id: str) -> list[str]:
    """Finish a publish that was committed but interrupted; discard what another run staged
    but never published (it failed or died first). Then claim the staging for `run_id` (the
    steps of one run may each be a process: they share it). Returns what was done."""
    stage = stage_dir(output_dir)
    done: list[str] = []
    plan_path = stage / _PLAN
    if plan_path.exists():
        plan = json.loads(plan_path.read_text(encoding="utf-8"))  # renamed into place whole
        _finish(output_dir, plan)
        done.append(f"finished publishing an interrupted run's outputs ({len(plan)} steps)")
    owner = stage / _OWNER
    if stage.exists() and (not owner.exists() or owner.read_text("utf-8") != run_id):
        staged = (stage / UNITS).exists()
        shutil.rmtree(stage)
        if staged:
            done.append(f"discarded the unpublished outputs of a failed run from {stage}")
    if not owner.exists():
        stage.mkdir(parents=True, exist_ok=True)
        owner.write_text(run_id, encoding="utf-8")
    return done
