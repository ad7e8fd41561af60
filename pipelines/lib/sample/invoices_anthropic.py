"""Sample Anthropic invoices: cost_report pages (amounts are cents strings), with web-search
charges that have no token kind."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from pipelines.lib.sample.invoice_format import exact_json, quantize
from pipelines.money import next_month

ANTHROPIC_TOKEN_TYPES = {
    "input": "uncached_input_tokens",
    "output": "output_tokens",
    "cache_read": "cache_read_input_tokens",
    "cache_write": "cache_creation.ephemeral_5m_input_tokens",
    "cache_write_1h": "cache_creation.ephemeral_1h_input_tokens",
}


def write_anthropic(cells: list[dict], months: list[date], root: Path) -> None:
    """cost_report pages (amounts in cents strings), one folder per month."""
    for month in months:
        folder = root / "anthropic" / f"{month:%Y-%m}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "invoice.json").write_text(
            exact_json(
                {
                    "invoice_id": f"ANT-{month:%Y%m}-0042",
                    "billing_account_id": "acme-org",
                    "invoice_issuer": "Anthropic",
                }
            )
        )
        data = []
        day = month
        while day < next_month(month):
            results = []
            for c in (c for c in cells if c["provider"] == "anthropic" and c["day"] == day):
                cents = quantize((c["contracted"] or Decimal(0)) * 100, "0.0001")
                results.append(
                    {
                        "amount": f"{cents}",
                        "currency": "USD",
                        "cost_type": "tokens",
                        "token_type": ANTHROPIC_TOKEN_TYPES[c["kind"]],
                        "model": c["model"],
                        "service_tier": "standard",
                        "context_window": "0-200k",
                        "inference_geo": None,
                        "description": None,
                        "workspace_id": "wrkspc_prod",
                    }
                )
            if results and day.weekday() < 5:
                results.append(
                    {
                        "amount": f"{40 + day.day % 9 * 10}",
                        "currency": "USD",
                        "cost_type": "web_search",
                        "token_type": None,
                        "model": "claude-sonnet-4-5-20250929",
                        "service_tier": None,
                        "context_window": None,
                        "inference_geo": None,
                        "description": "Web search",
                        "workspace_id": "wrkspc_prod",
                    }
                )
            data.append(
                {
                    "starting_at": f"{day}T00:00:00Z",
                    "ending_at": f"{day + timedelta(days=1)}T00:00:00Z",
                    "results": results,
                }
            )
            day += timedelta(days=1)
        for n in range(0, len(data), 31):
            last = n + 31 >= len(data)
            page = {
                "data": data[n : n + 31],
                "has_more": not last,
                "next_page": None if last else "page_2",
            }
            (folder / f"cost_report-{n // 31 + 1}.json").write_text(exact_json(page))
