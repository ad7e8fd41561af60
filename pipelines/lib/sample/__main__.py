"""`python -m pipelines.lib.sample --out DIR [--start D] [--end D] [--seed N] [--rows N]`.

Without --rows: the story sample (as `costline generate`). With --rows: benchmark mode, N
vectorised records as one Parquet file per UTC day (requests only).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from pipelines.lib.sample import stories as st
from pipelines.lib.sample.bench import generate_benchmark
from pipelines.lib.sample.generator import generate


def main(argv: Sequence[str] | None = None) -> int:
    """Write the sample inputs from the command line."""
    parser = argparse.ArgumentParser(prog="python -m pipelines.lib.sample", description=__doc__)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--start", type=date.fromisoformat, default=st.DEFAULT_START)
    parser.add_argument("--end", type=date.fromisoformat, default=st.DEFAULT_END, help="exclusive")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--rows", type=int, help="benchmark mode: this many records")
    args = parser.parse_args(argv)
    if args.rows is not None:
        paths = generate_benchmark(args.out, args.start, args.end, args.rows, seed=args.seed)
        sys.stdout.write(f"wrote {args.rows} benchmark records in {len(paths)} files\n")
        return 0
    sys.stdout.write(
        f"{generate(args.out, args.start, args.end, seed=args.seed, scale=args.scale)}\n"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
