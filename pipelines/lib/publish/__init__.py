"""Safe publishing: a failed or killed run changes no published byte.

Every export of a run is written under `<output>/.work/publish/tree/`, a mirror of the published
layout, and declared as a unit (`stage_unit`): a file or folder that replaces its published
counterpart, or removes it when nothing was staged. The last step (`publish_staged`) stages a
checkpointed copy of `<output>/.work/warehouse.duckdb`, writes the plan of file moves and removals
(the commit point), then applies it one atomic rename per file, the warehouse last. A run that
dies before the plan is written leaves the published tree as it was, and its staging is discarded
by the next run; a run that dies while applying the plan has its publish finished by the next run
(`recover_publish`). A reader that has the old warehouse open keeps reading the old file.

The subjects, one module each: `staging` (the staged tree), `exports` (tables and queries staged
as Parquet), `commit` (the plan and the warehouse swap), `lock` (one run per output folder),
`recovery` (the run marker and putting back what a dead run left) and `lake` (day partitions).
"""

from pipelines.lib.publish.commit import (
    publish_pending,
    publish_staged,
    recover_publish,
)
from pipelines.lib.publish.exports import export_partitioned, export_tables
from pipelines.lib.publish.lock import (
    RUN_LOCK,
    OutputLock,
    RunInProgressError,
    busy_message,
    check_output_lock,
    lock_output,
)
from pipelines.lib.publish.recovery import (
    RUN_MARKER,
    atomic_copy,
    begin_run,
    clean_leftovers,
    end_run,
    read_marker,
    restore_work_db,
    running_elsewhere,
)
from pipelines.lib.publish.staging import (
    STAGE,
    WAREHOUSE,
    published_files,
    stage_dir,
    stage_unit,
    staged_path,
)

__all__ = [
    "RUN_LOCK",
    "RUN_MARKER",
    "STAGE",
    "WAREHOUSE",
    "OutputLock",
    "RunInProgressError",
    "atomic_copy",
    "begin_run",
    "busy_message",
    "check_output_lock",
    "clean_leftovers",
    "end_run",
    "export_partitioned",
    "export_tables",
    "lock_output",
    "publish_pending",
    "publish_staged",
    "published_files",
    "read_marker",
    "recover_publish",
    "restore_work_db",
    "running_elsewhere",
    "stage_dir",
    "stage_unit",
    "staged_path",
]
