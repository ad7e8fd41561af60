"""Entry point for `dagster dev` / `dg dev`: everything under pipelines/defs is loaded."""

from pathlib import Path

import dagster as dg


@dg.definitions
def defs() -> dg.Definitions:
    """All assets, checks, jobs, schedules and resources of costline."""
    return dg.load_from_defs_folder(path_within_project=Path(__file__).parent)
