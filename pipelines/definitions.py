"""Entry point for `dagster dev` / `dg dev`: everything under pipelines/defs is loaded.

Like any Dagster code location, this one reads its deployment's environment (the COSTLINE_*
settings, parsed by `pipelines.settings`) here and nowhere else under `pipelines/defs`: `defs()`
builds the definitions from them. `costline run` parses its own flags and environment instead and
calls `build_defs` with the result.
"""

import os
import warnings
from pathlib import Path

import dagster as dg

import pipelines.defs
from pipelines.defs.partitions import starting_on
from pipelines.defs.resources import CostlineResource
from pipelines.settings import Settings

PROJECT_ROOT = Path(__file__).resolve().parents[1]

# Dagster's own defs-folder loader calls its preview `load_definitions_from_module(s)` once per
# module and warns about itself each time; the notice says nothing about this project.
warnings.filterwarnings(
    "ignore",
    message=r"Function `load_definitions_from_modules?` is currently in preview",
    category=dg.PreviewWarning,
)


def build_defs(settings: Settings) -> dg.Definitions:
    """All assets, checks, jobs, schedules and the `costline` resource, for these settings."""
    # What `dg.load_from_defs_folder` builds, minus the code location name it derives from the
    # checkout folder's name: that name differs from the one the loader registers
    # (`-m pipelines.definitions`), and Dagster warned about it once per component on every load.
    # The loader's name is the one Dagster uses either way.
    tree = dg.ComponentTree.from_module(defs_module=pipelines.defs, project_root=PROJECT_ROOT)
    resource = CostlineResource(**settings.resource_config())
    defs = starting_on(tree.build_defs(), settings.partitions_start)
    return dg.Definitions.merge(defs, dg.Definitions(resources={"costline": resource}))


@dg.definitions
def defs() -> dg.Definitions:
    """All assets, checks, jobs, schedules and resources of costline, configured by this
    deployment's environment."""
    return build_defs(Settings.from_env(os.environ))
