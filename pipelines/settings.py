"""Costline's settings, parsed from a deployment's environment in one place.

Two callers read the environment, each once: the `costline` CLI while it parses its arguments
(`pipelines.cli`) and the code location entry `pipelines/definitions.py` that `dagster dev` loads.
Both hand the resulting `Settings` on explicitly: as the `costline` resource's config (which every
run records) and as the first daily partition. Nothing under `pipelines/defs` or `pipelines/lib`
reads or writes `os.environ`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
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
    max_unpriced_token_share: Decimal = Decimal("0.01")
    # A tenant whose LLM cost passes this share of its revenue is `thin` (mart_tenant_margin).
    thin_margin_share: Decimal = Decimal("0.3")
    # Share of the window's records (loaded + quarantined; skipped ones not counted) allowed in
    # quarantine before the blocking check `stg_requests.quarantine_share` stops the run.
    max_quarantine_share: Decimal = Decimal("0.01")
    # Invoice vs usage gap (share of the invoice) past which the reconciliation warning fires.
    max_reconciliation_gap: Decimal = Decimal("0.05")
    # Currency of every chargeback statement; None: each business unit's main currency.
    statement_currency: str | None = None
    duckdb_memory_limit: str = "3GB"
    progress: bool = False

    @classmethod
    def from_env(
        cls,
        environ: Mapping[str, str] | None = None,
        *,
        input_dir: Path | None = None,
        output_dir: Path | None = None,
        progress: bool | None = None,
    ) -> Settings:
        """Settings from COSTLINE_* variables of `environ` (default: this process's), defaulting
        to the bundled sample; `input_dir`, `output_dir` and `progress` given by the CLI win."""
        env = os.environ if environ is None else environ
        source = Path(input_dir or env.get("COSTLINE_INPUT") or SAMPLE_INPUT)
        return cls(
            input_dir=source,
            output_dir=Path(output_dir or env.get("COSTLINE_OUTPUT") or DEFAULT_OUTPUT),
            # Default: the day before the input's earliest request
            # (pipelines/lib/requests/first_day.py).
            partitions_start=env.get("COSTLINE_PARTITIONS_START") or first_partition_day(source),
            max_unpriced_token_share=Decimal(
                env.get("COSTLINE_MAX_UNPRICED_TOKEN_SHARE") or "0.01"
            ),
            thin_margin_share=Decimal(env.get("COSTLINE_THIN_MARGIN_SHARE") or "0.3"),
            max_quarantine_share=Decimal(env.get("COSTLINE_MAX_QUARANTINE_SHARE") or "0.01"),
            max_reconciliation_gap=Decimal(env.get("COSTLINE_MAX_RECONCILIATION_GAP") or "0.05"),
            statement_currency=env.get("COSTLINE_STATEMENT_CURRENCY") or None,
            duckdb_memory_limit=env.get("COSTLINE_DUCKDB_MEMORY_LIMIT") or "3GB",
            progress=env.get("COSTLINE_PROGRESS") == "1" if progress is None else progress,
        )

    def resource_config(self) -> dict[str, str | bool | None]:
        """The `costline` resource's config (`CostlineResource` fields): what a run records.
        Folders are made absolute here (messages keep them as the user spelled them)."""
        return {
            "input_dir": str(self.input_dir.resolve()),
            "output_dir": str(self.output_dir.resolve()),
            "max_unpriced_token_share": str(self.max_unpriced_token_share),
            "max_quarantine_share": str(self.max_quarantine_share),
            "max_reconciliation_gap": str(self.max_reconciliation_gap),
            "thin_margin_share": str(self.thin_margin_share),
            "statement_currency": self.statement_currency,
            "duckdb_memory_limit": self.duckdb_memory_limit,
            "progress": self.progress,
        }
