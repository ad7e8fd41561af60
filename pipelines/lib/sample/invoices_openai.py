"""Sample OpenAI invoices: Costs API pages (7 daily buckets per page) and the PDF's tax and
credit lines as a generic CSV (see `invoices` for what is deliberately messy in them)."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from pipelines.lib.sample.invoice_format import MILLION, exact_json, quantize
from pipelines.money import next_month

OPENAI_DATED = {"gpt-4.1": "gpt-4.1-2025-04-14", "gpt-4.1-mini": "gpt-4.1-mini-2025-04-14"}
OPENAI_KIND_TEXT = {
    "input": "input",
    "cache_read": "cached input",
    "cache_write": "cache write",
    "output": "output",
}
# Fine-tuned gpt-4.1-mini (USD per 1M tokens): the logs have no price for it.
FT_PRICES = {"input": Decimal("0.80"), "cache_read": Decimal("0.20"), "output": Decimal("3.20")}
MINI_LIST = {"input": Decimal("0.40"), "output": Decimal("1.60")}
EMBEDDING_PRICE = Decimal("0.02")
MINI_DISCOUNT = Decimal("0.90")
LATE_SHARE = Decimal("0.5")  # share of Sep 30 gpt-4.1 output billed again on the October pages


def _unix(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())


def openai_results(cells: list[dict], day: date) -> list[dict]:
    """Cost results of one day, from the logs plus the sandbox key the logs never saw."""
    results = []
    for c in (c for c in cells if c["provider"] == "openai" and c["day"] == day):
        model, kind = c["model"], c["kind"]
        if model.startswith("ft:"):
            amount = Decimal(c["tokens"]) * FT_PRICES.get(kind, Decimal(0)) * MILLION
        elif model.startswith("gpt-4.1-mini"):
            amount = (c["list"] or Decimal(0)) * MINI_DISCOUNT
        else:
            amount = c["contracted"] or Decimal(0)
        results.append(
            _openai_result(
                amount,
                f"{OPENAI_DATED.get(model, model)}, {OPENAI_KIND_TEXT.get(kind, kind)}",
                "proj_main",
                c["tokens"],
            )
        )
    if day.weekday() < 5:  # the sandbox key: a developer's scripts on weekdays
        seed = day.toordinal()
        extra_in, extra_out = 1_500_000 + 37_000 * (seed % 11), 180_000 + 9_000 * (seed % 7)
        for kind, tokens in (("input", extra_in), ("output", extra_out)):
            amount = Decimal(tokens) * MINI_LIST[kind] * MILLION * MINI_DISCOUNT
            results.append(
                _openai_result(
                    amount,
                    f"gpt-4.1-mini-2025-04-14, {kind}",
                    "proj_sandbox",
                    tokens,
                    "key_sandbox_dev",
                )
            )
        emb = 4_000_000 + 150_000 * (seed % 5)
        results.append(
            _openai_result(
                Decimal(emb) * EMBEDDING_PRICE * MILLION,
                "text-embedding-3-small, input",
                "proj_sandbox",
                emb,
                "key_sandbox_dev",
            )
        )
    return results


def _openai_result(
    amount: Decimal, line_item: str, project: str, tokens: int, key: str | None = None
) -> dict:
    return {
        "object": "organization.costs.result",
        "amount": {"value": quantize(amount, "1e-12"), "currency": "usd"},
        "line_item": line_item,
        "project_id": project,
        "api_key_id": key,
        "quantity": tokens,
        "quantity_unit": "tokens",
    }


def _month_buckets(cells: list[dict], month: date) -> list[tuple[date, list[dict]]]:
    """(day, results) of the month's pages, with the late half of Sep 30 moved to October."""
    buckets = []
    day = month
    while day < next_month(month):
        results = openai_results(cells, day)
        if day == next_month(month) - timedelta(days=1) and month.month == 9:
            # Sep 30 gpt-4.1 output: only half made the September invoice
            for r in results:
                if r["line_item"] == "gpt-4.1-2025-04-14, output":
                    r["amount"]["value"] = quantize(
                        r["amount"]["value"] * (1 - LATE_SHARE), "1e-12"
                    )
        buckets.append((day, results))
        day += timedelta(days=1)
    if month.month == 10:  # the late half of Sep 30, reported on the October pages
        sep30 = month - timedelta(days=1)
        late = [
            r
            for r in openai_results(cells, sep30)
            if r["line_item"] == "gpt-4.1-2025-04-14, output"
        ]
        for r in late:
            r["amount"]["value"] = quantize(r["amount"]["value"] * LATE_SHARE, "1e-12")
            r["quantity"] = None
            r["quantity_unit"] = None
        buckets.insert(0, (sep30, late))
    return buckets


def _write_pages(folder: Path, month: date, buckets: list[tuple[date, list[dict]]]) -> Decimal:
    """Write the buckets as pages of seven days; returns the exact total of their amounts."""
    total = Decimal(0)
    for n in range(0, len(buckets), 7):
        chunk = buckets[n : n + 7]
        last = n + 7 >= len(buckets)
        page = {
            "object": "page",
            "has_more": not last,
            "next_page": None if last else f"page_{month:%Y%m}_{n // 7 + 2}",
            "data": [
                {
                    "object": "bucket",
                    "start_time": _unix(d),
                    "end_time": _unix(d + timedelta(days=1)),
                    "results": rs,
                }
                for d, rs in chunk
            ],
        }
        (folder / f"costs-page-{n // 7 + 1:02d}.json").write_text(exact_json(page))
        for _d, rs in chunk:
            for r in rs:
                total += r["amount"]["value"]
    return total


def write_openai(cells: list[dict], months: list[date], root: Path) -> dict[str, Decimal]:
    """Pages per month; returns the exact usage total per invoice."""
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for month in months:
        invoice = f"INV-OAI-{month:%Y-%m}"
        folder = root / "openai" / f"{month:%Y-%m}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "invoice.json").write_text(
            exact_json(
                {
                    "invoice_id": invoice,
                    "billing_account_id": "org-acme",
                    "invoice_issuer": "OpenAI",
                }
            )
        )
        totals[invoice] += _write_pages(folder, month, _month_buckets(cells, month))
    return totals


def write_openai_supplement(totals: dict[str, Decimal], root: Path) -> None:
    """The PDF's tax and credit lines, with the stated invoice totals."""
    header = (
        "invoice_id",
        "invoice_issuer",
        "provider",
        "billing_account_id",
        "billing_period",
        "currency",
        "line_type",
        "charge_period_start",
        "charge_period_end",
        "model",
        "token_kind",
        "quantity",
        "amount",
        "description",
    )
    buf = io.StringIO()
    buf.write("# OpenAI invoice PDF lines the Costs API does not show (tax, promotional credit)\n")
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    for invoice, usage in sorted(totals.items()):
        period = invoice.removeprefix("INV-OAI-")
        credit = Decimal("-25.00") if period.endswith("-10") else Decimal(0)
        tax = quantize((quantize(usage, "0.01") + credit) * Decimal("0.08"), "0.01")
        base = [invoice, "OpenAI", "openai", "org-acme", period, "USD"]
        writer.writerow([*base, "tax", "", "", "", "", "", f"{tax}", "Sales tax 8%"])
        if credit:
            writer.writerow(
                [*base, "credit", "", "", "", "", "", f"{credit}", "Promotional credit"]
            )
        total = quantize(usage + tax + credit, "0.01")
        writer.writerow([*base, "total", "", "", "", "", "", f"{total}", "Amount due"])
    path = root / "generic" / "openai-invoice-pdf-lines.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(buf.getvalue())
