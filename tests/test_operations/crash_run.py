"""`costline run` with a test-only crash hook: the daily job dies like a killed process (exit
137, no clean-up, as after SIGKILL) right after the named asset succeeds.

    python -m tests.test_operations.crash_run <asset> run --input IN --output OUT --from D --to D

The production job carries no such hook; this test job is the daily job plus the hook.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

import dagster as dg

from pipelines.cli import build_parser, run_settings
from pipelines.cli.run import run_pipeline


def crash_after(asset: str) -> dg.HookDefinition:
    """A success hook that ends the process at once after `asset`."""

    @dg.success_hook(name="costline_test_crash")
    def crash(context: dg.HookContext) -> None:
        if context.op.name == asset:
            os._exit(137)

    return crash


def main(argv: Sequence[str]) -> int:
    """Run `costline run ...` (argv after the asset name) with the crash hook on the job."""
    asset, *rest = argv
    args = build_parser().parse_args(rest)
    return run_pipeline(run_settings(args), args.start, args.end, hooks={crash_after(asset)})


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
