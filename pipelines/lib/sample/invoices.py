"""One-off, reproducible generator of the sample's vendor invoices (`data/sample/invoices/`).

Run after the pipeline has priced the sample logs (it reads their usage from a warehouse):

    .venv/bin/python -m pipelines.lib.sample.invoices \
        --warehouse out/warehouse.duckdb --input data/sample

The invoices follow the logged usage (tokens per provider, model, token kind and day) and are as
messy as real ones:

- OpenAI Costs API pages (7 daily buckets per page), dated model names (`gpt-4.1-2025-04-14`),
  billed at contracted prices except gpt-4.1-mini, where a volume discount not in
  catalog/prices.csv takes 10 % off list; a sandbox project whose key never reached our logs
  (extra gpt-4.1-mini tokens on weekdays and a `text-embedding-3-small` model we never log); the
  fine-tuned model the logs cannot price; the October pages carry usage of 2026-09-30 reported late
  (a correction of September). The PDF's tax (8 %) and an October promotional credit (-25.00 USD)
  come as a generic CSV with the same InvoiceId and a stated total.
- Anthropic cost_report pages (amounts are cents strings) at contracted prices, with web-search
  charges that have no token kind.
- AWS FOCUS 1.2 exports for Bedrock billed in EUR by AWS EMEA (list price converted at the day's
  USD->EUR rate), with VAT 19 %, a promotional credit (-5.00 EUR in September) and an EC2 row
  that is not AI.

The writers are `invoices_openai`, `invoices_anthropic` and `invoices_aws` (shared bits in
`invoice_format`).
"""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

import duckdb

from pipelines.lib.invoices.allocation.fx import FxRates
from pipelines.lib.sample.invoices_anthropic import write_anthropic
from pipelines.lib.sample.invoices_aws import write_aws
from pipelines.lib.sample.invoices_openai import write_openai, write_openai_supplement
from pipelines.lib.warehouse import SQL_ROOT
from pipelines.money import months_of

__all__ = [
    "generate_invoices",
    "load_cells",
    "main",
    "write_anthropic",
    "write_aws",
    "write_openai",
    "write_openai_supplement",
]


def load_cells(warehouse: Path, start: date, end: date) -> list[dict]:
    """Logged usage per provider, model, token kind and day (all tenants)."""
    body = (SQL_ROOT / "intermediate" / "int_usage_cells_aggregated.sql").read_text()
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        rows = con.execute(
            "select provider, model, token_kind, charge_date, sum(tokens), sum(list_cost), "
            f"sum(contracted_cost) from ({body}) group by all order by all",
            {"start_date": start, "end_date": end},
        ).fetchall()
    finally:
        con.close()
    return [
        {
            "provider": p,
            "model": m,
            "kind": k,
            "day": d,
            "tokens": int(t),
            "list": lc,
            "contracted": cc,
        }
        for p, m, k, d, t, lc, cc in rows
    ]


def generate_invoices(warehouse: Path, input_dir: Path, start: date, end: date) -> Path:
    """Write `<input_dir>/invoices/` from the logged usage in [start, end)."""
    cells = load_cells(warehouse, start, end)
    root = input_dir / "invoices"
    months = months_of(start, end)
    totals = write_openai(cells, months, root)
    write_openai_supplement(totals, root)
    write_anthropic(cells, months, root)
    write_aws(cells, months, FxRates.from_csv(input_dir / "catalog" / "fx.csv"), root)
    return root


def main() -> None:
    """CLI entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path, required=True)
    parser.add_argument("--input", type=Path, required=True, help="the sample folder")
    parser.add_argument("--start", type=date.fromisoformat, default=date(2026, 9, 1))
    parser.add_argument("--end", type=date.fromisoformat, default=date(2026, 11, 1))
    args = parser.parse_args()
    root = generate_invoices(args.warehouse, args.input, args.start, args.end)
    print(f"wrote invoices under {root}")  # noqa: T201


if __name__ == "__main__":
    main()
