"""Run settings, read once from the environment so the CLI, `dagster dev` and tests agree.

`costline run --input/--output` sets these variables before the definitions load.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from pipelines.lib.requests.first_day import first_partition_day

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
    # A tenant whose LLM cost passes this share of its revenue is `thin` (mart_tenant_margin).
    thin_margin_share: Decimal
    # Share of the window's records (loaded + quarantined; skipped ones not counted) allowed in
    # quarantine before the blocking check `stg_requests.quarantine_share` stops the run.
    max_quarantine_share: Decimal = Decimal("0.01")

    @classmethod
    def from_env(cls) -> Settings:
        """Settings from COSTLINE_* variables, defaulting to the bundled sample."""
        return cls(
            input_dir=Path(os.environ.get("COSTLINE_INPUT", SAMPLE_INPUT)).resolve(),
            output_dir=Path(os.environ.get("COSTLINE_OUTPUT", DEFAULT_OUTPUT)).resolve(),
            # Default: the day before the input's earliest request
            # (pipelines/lib/requests/first_day.py).
            partitions_start=os.environ.get("COSTLINE_PARTITIONS_START")
            or first_partition_day(os.environ.get("COSTLINE_INPUT", SAMPLE_INPUT)),
            max_unpriced_token_share=Decimal(
                os.environ.get("COSTLINE_MAX_UNPRICED_TOKEN_SHARE", "0.01")
            ),
            thin_margin_share=Decimal(os.environ.get("COSTLINE_THIN_MARGIN_SHARE") or "0.3"),
            max_quarantine_share=Decimal(os.environ.get("COSTLINE_MAX_QUARANTINE_SHARE") or "0.01"),
        )
