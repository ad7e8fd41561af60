"""One-line invoice files of every source, with a chosen amount or day, for the value tests.

`invoice_files.write(root, source, amount=..., day=...)` writes `<root>/invoices/...` holding one
line whose amount (or whose first date field) is the given value, written as that source writes
it, and returns the file's path relative to root; `invoice_files.read(root)` reads the folder.
"""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipelines.lib.invoices import read_invoices

# source -> (the amount field, the date field) as the error message names them
FIELDS = {
    "openai": ("amount.value", "start_time"),
    "anthropic": ("amount (cents)", "starting_at"),
    "azure_csv": ("BilledCost", "ChargePeriodStart"),
    "aws_parquet": ("BilledCost", "ChargePeriodStart"),
    "generic": ("amount", "charge_period_start"),
}
DEFAULT_DAY = {
    "openai": 1788220800,  # 2026-09-01
    "anthropic": "2026-09-01T00:00:00Z",
    "azure_csv": "2026-09-01T00:00:00Z",
    "aws_parquet": "2026-09-01T00:00:00Z",
    "generic": "2026-09-01",
}
FOCUS_HEADER = (
    "BilledCost,BillingAccountId,BillingCurrency,ChargeCategory,ChargePeriodStart,ChargePeriodEnd,"
    "ProviderName,ServiceCategory,ServiceName,SkuMeter"
)

GENERIC_HEADER = [
    "invoice_id",
    "invoice_issuer",
    "provider",
    "billing_account_id",
    "billing_period",
    "currency",
    "line_type",
    "charge_period_start",
    "charge_period_end",
    "amount",
]


def _json_value(value: object) -> str:
    """A JSON literal for the value: text stays a string unless it is a raw number literal."""
    if isinstance(value, RawJson):
        return value.text
    if isinstance(value, Decimal | int | float) and not isinstance(value, bool):
        return str(value) if not isinstance(value, float) else json.dumps(value)
    return json.dumps(value)


class RawJson:
    """A JSON literal written as it is (NaN, -Infinity, 1e40, 1E-3)."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return f"RawJson({self.text})"


def write(root: Path, source: str, amount: object = "1.25", day: object = None) -> str:
    """One invoice file of `source` with that amount and first date; its path under root."""
    day = DEFAULT_DAY[source] if day is None else day
    folder = root / "invoices"
    if source == "openai":
        path = folder / "openai" / "2026-09" / "page.json"
        end = day + 86400 if isinstance(day, int) and not isinstance(day, bool) else 1788307200
        text = (
            '{"object": "page", "data": [{"object": "bucket", "start_time": '
            f'{_json_value(day)}, "end_time": {end}, "results": [{{"object": '
            f'"organization.costs.result", "amount": {{"value": {_json_value(amount)}, '
            '"currency": "usd"}, "line_item": "gpt-4.1, input", "project_id": "p"}]}]}'
        )
    elif source == "anthropic":
        path = folder / "anthropic" / "2026-09" / "cost_report.json"
        text = (
            f'{{"data": [{{"starting_at": {_json_value(day)}, "ending_at": '
            '"2026-09-02T00:00:00Z", "results": [{"amount": '
            f'{_json_value(amount)}, "currency": "USD", "cost_type": "tokens", "token_type": '
            '"output_tokens", "model": "claude-x"}]}]}'
        )
    elif source == "azure_csv":
        path = folder / "focus" / "azure.csv"
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_ALL)
        writer.writerow(FOCUS_HEADER.split(","))
        writer.writerow(_focus_row(amount, day, "Microsoft"))
        text = out.getvalue()
    elif source == "aws_parquet":
        path = folder / "focus" / "aws.parquet"
        path.parent.mkdir(parents=True, exist_ok=True)
        columns = FOCUS_HEADER.split(",")
        row = _focus_row(amount, day, "AWS")
        pq.write_table(
            pa.table({c: pa.array([v]) for c, v in zip(columns, row, strict=True)}), path
        )
        return path.relative_to(root).as_posix()
    elif source == "generic":
        path = folder / "generic" / "invoice.csv"
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_ALL)
        writer.writerow(GENERIC_HEADER)
        writer.writerow(
            ["INV-1", "V", "openai", "acct", "2026-09", "USD", "usage", day, "2026-09-02", amount]
        )
        text = out.getvalue()
    else:
        raise ValueError(source)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path.relative_to(root).as_posix()


def _focus_row(amount: object, day: object, provider: str) -> list:
    return [
        amount,
        "acct",
        "EUR",
        "Usage",
        day,
        "2026-09-02T00:00:00Z",
        provider,
        "AI and Machine Learning",
        "Azure OpenAI" if provider == "Microsoft" else "Amazon Bedrock",
        "gpt-4o-0806-Inp-glbl" if provider == "Microsoft" else "USE1-Claude3Sonnet-input-tokens",
    ]


@pytest.fixture(scope="session")
def invoice_files() -> SimpleNamespace:
    """The writers above, for tests (session scope: stateless, safe under hypothesis)."""
    return SimpleNamespace(
        write=write, read=read_invoices, FIELDS=FIELDS, RawJson=RawJson, SOURCES=tuple(FIELDS)
    )
