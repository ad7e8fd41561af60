"""Entry point for `dagster dev` / `dg dev`: everything under pipelines/defs is loaded."""

import warnings
from pathlib import Path

import dagster as dg

import pipelines.defs

PROJECT_ROOT = Path(__file__).resolve().parents[1]

# Dagster's own defs-folder loader calls its preview `load_definitions_from_module(s)` once per
# module and warns about itself each time; the notice says nothing about this project.
warnings.filterwarnings(
    "ignore",
    message=r"Function `load_definitions_from_modules?` is currently in preview",
    category=dg.PreviewWarning,
)


@dg.definitions
def defs() -> dg.Definitions:
    """All assets, checks, jobs, schedules and resources of costline."""
    # What `dg.load_from_defs_folder` builds, minus the code location name it derives from the
    # checkout folder's name: that name differs from the one the loader registers
    # (`-m pipelines.definitions`), and Dagster warned about it once per component on every load.
    # The loader's name is the one Dagster uses either way.
    tree = dg.ComponentTree.from_module(defs_module=pipelines.defs, project_root=PROJECT_ROOT)
    return tree.build_defs()
