"""Run settings, read once from the environment so the CLI, `dagster dev` and tests agree.

`costline run --input/--output` sets these variables before the definitions load.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SAMPLE_INPUT = PROJECT_ROOT / "data" / "sample"
DEFAULT_OUTPUT = PROJECT_ROOT / "out"


@dataclass(frozen=True)
class Settings:
    """Where costline reads and writes, and the thresholds its checks use."""

    input_dir: Path
    output_dir: Path
    partitions_start: str
    max_unpriced_token_share: Decimal

    @classmethod
    def from_env(cls) -> Settings:
        """Settings from COSTLINE_* variables, defaulting to the bundled sample."""
        return cls(
            input_dir=Path(os.environ.get("COSTLINE_INPUT", SAMPLE_INPUT)).resolve(),
            output_dir=Path(os.environ.get("COSTLINE_OUTPUT", DEFAULT_OUTPUT)).resolve(),
            partitions_start=os.environ.get("COSTLINE_PARTITIONS_START", "2025-01-01"),
            max_unpriced_token_share=Decimal(
                os.environ.get("COSTLINE_MAX_UNPRICED_TOKEN_SHARE", "0.01")
            ),
        )
