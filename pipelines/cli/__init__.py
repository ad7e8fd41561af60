"""`costline`: run the pipeline, validate FOCUS files, generate sample data."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from datetime import date
from importlib import metadata
from pathlib import Path

from pipelines.settings import DEFAULT_OUTPUT, SAMPLE_INPUT, Settings


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a day like 2026-09-01") from exc


def version_text() -> str:
    """`costline X (FOCUS 1.2, genai-prices Y)`."""
    try:
        prices = metadata.version("genai-prices")
    except metadata.PackageNotFoundError:
        prices = "not installed"
    return f"costline {metadata.version('costline')} (FOCUS 1.2, genai-prices {prices})"


def _output_flag(
    parser: argparse.ArgumentParser, required: bool = False, **options: object
) -> None:
    """`--output DIR`, the one spelling of every subcommand; `--out` stays a hidden alias."""
    # A required flag with an alias: the two form a required group (either spelling will do).
    group = parser.add_mutually_exclusive_group(required=True) if required else parser
    group.add_argument("--output", dest="output", type=Path, **options)  # type: ignore[arg-type]
    group.add_argument(
        "--out", dest="output", type=Path, default=argparse.SUPPRESS, help=argparse.SUPPRESS
    )


def _has_files(folder: Path) -> bool:
    return folder.is_dir() and any(folder.iterdir())


def run_settings(args: argparse.Namespace) -> Settings:
    """The settings of `costline run`: its flags, the COSTLINE_* environment, progress on.
    The only place the CLI reads the environment for the pipeline."""
    return Settings.from_env(
        os.environ, input_dir=args.input, output_dir=args.output, progress=True
    )


def build_parser() -> argparse.ArgumentParser:
    """The command-line interface."""
    parser = argparse.ArgumentParser(prog="costline", description=__doc__)
    parser.add_argument("--version", action="version", version=version_text())
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run the whole pipeline in-process for a range of days")
    run.add_argument("--input", type=Path, default=SAMPLE_INPUT, help="input folder")
    _output_flag(run, default=DEFAULT_OUTPUT, help="output folder")
    run.add_argument("--from", dest="start", type=_day, help="first day (UTC), inclusive")
    run.add_argument("--to", dest="end", type=_day, help="last day (UTC), inclusive")

    parallel = sub.add_parser(
        "parallel", help="several days at once, one process per day, combined into a lake"
    )
    parallel.add_argument(
        "--input", required=True, help="input folder; may contain {day} (one folder per day)"
    )
    _output_flag(parallel, required=True, help="output root folder")
    parallel.add_argument("--from", dest="start", type=_day, required=True)
    parallel.add_argument("--to", dest="end", type=_day, required=True)
    parallel.add_argument("--jobs", type=int, default=4, help="days at once (processes)")

    validate = sub.add_parser("validate", help="check a FOCUS 1.2 CSV or Parquet file")
    validate.add_argument("file", type=Path)
    validate.add_argument("--invoice-totals", type=Path, help="JSON {InvoiceId: total}")
    validate.add_argument("--max-violations", type=int, default=200)

    report = sub.add_parser("report", help="write the static HTML report of the warehouse")
    _output_flag(report, default=DEFAULT_OUTPUT, help="output folder (of `costline run`)")

    generate = sub.add_parser("generate", help="write the deterministic sample data set")
    _output_flag(generate, default=SAMPLE_INPUT, help="folder to write (default data/sample)")
    generate.add_argument("--start", type=_day, default=date(2026, 9, 1), help="first day")
    generate.add_argument("--end", type=_day, default=date(2026, 11, 1), help="day after the last")
    generate.add_argument("--seed", type=int, default=7)
    generate.add_argument(
        "--force", action="store_true", help="write into a folder that already holds files"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `costline` command."""
    args = build_parser().parse_args(argv)
    if args.command == "run":
        from pipelines.cli.run import run_pipeline

        return run_pipeline(run_settings(args), args.start, args.end)
    if args.command == "parallel":
        from pipelines.cli.parallel import run_parallel

        return run_parallel(args.input, args.output, args.start, args.end, args.jobs, os.environ)
    if args.command == "validate":
        from pipelines.lib.focus.validate import main as validate_main

        extra = ["--invoice-totals", str(args.invoice_totals)] if args.invoice_totals else []
        return validate_main([str(args.file), *extra, "--max-violations", str(args.max_violations)])
    if args.command == "report":
        from pipelines.cli.report import write_report

        warehouse_path = args.output / "warehouse.duckdb"
        if not warehouse_path.exists():
            print(
                f"costline: {warehouse_path} not found; run `costline run --output "
                f"{args.output}` first",
                file=sys.stderr,
            )
            return 2
        print(write_report(warehouse_path, args.output))
        return 0
    if args.command == "generate":
        from pipelines.lib.sample import generate

        if _has_files(args.output) and not args.force:
            print(
                f"costline: {args.output} already holds files; `costline generate` would "
                "overwrite them. Pass --force to regenerate it, or choose an empty --output.",
                file=sys.stderr,
            )
            return 2
        summary = generate(args.output, args.start, args.end, seed=args.seed)
        print(summary)
        return 0
    return 2
