"""One-off, reproducible generator of the sample's vendor invoices (`data/sample/invoices/`).

Run after the pipeline has priced the sample logs (it reads their usage from a warehouse):

    .venv/bin/python -m pipelines.lib.invoices.sample_invoices \
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
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import re
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path

import duckdb

from pipelines.lib.allocation.fx import FxRates
from pipelines.lib.invoices.lines import month_start, next_month
from pipelines.lib.warehouse import SQL_ROOT

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
ANTHROPIC_TOKEN_TYPES = {
    "input": "uncached_input_tokens",
    "output": "output_tokens",
    "cache_read": "cache_read_input_tokens",
    "cache_write": "cache_creation.ephemeral_5m_input_tokens",
    "cache_write_1h": "cache_creation.ephemeral_1h_input_tokens",
}
AWS_USAGE = {
    "input": "EUC1-MP:EUC1_InputTokenCount-Units",
    "output": "EUC1-MP:EUC1_OutputTokenCount-Units",
    "cache_read": "EUC1-MP:EUC1_CacheReadInputTokenCount-Units",
    "cache_write": "EUC1-MP:EUC1_CacheWriteInputTokenCount-Units",
    "cache_write_1h": "EUC1-MP:EUC1_CacheWrite1hInputTokenCount-Units",
}
MILLION = Decimal("0.000001")
LATE_SHARE = Decimal("0.5")  # share of Sep 30 gpt-4.1 output billed again on the October pages
FOCUS_COLUMNS = (
    "AvailabilityZone",
    "BilledCost",
    "BillingAccountId",
    "BillingAccountName",
    "BillingAccountType",
    "BillingCurrency",
    "BillingPeriodEnd",
    "BillingPeriodStart",
    "CapacityReservationId",
    "CapacityReservationStatus",
    "ChargeCategory",
    "ChargeClass",
    "ChargeDescription",
    "ChargeFrequency",
    "ChargePeriodEnd",
    "ChargePeriodStart",
    "CommitmentDiscountCategory",
    "CommitmentDiscountId",
    "CommitmentDiscountName",
    "CommitmentDiscountQuantity",
    "CommitmentDiscountStatus",
    "CommitmentDiscountType",
    "CommitmentDiscountUnit",
    "ConsumedQuantity",
    "ConsumedUnit",
    "ContractedCost",
    "ContractedUnitPrice",
    "EffectiveCost",
    "InvoiceId",
    "InvoiceIssuerName",
    "ListCost",
    "ListUnitPrice",
    "PricingCategory",
    "PricingCurrency",
    "PricingCurrencyContractedUnitPrice",
    "PricingCurrencyEffectiveCost",
    "PricingCurrencyListUnitPrice",
    "PricingQuantity",
    "PricingUnit",
    "ProviderName",
    "PublisherName",
    "RegionId",
    "RegionName",
    "ResourceId",
    "ResourceName",
    "ResourceType",
    "ServiceCategory",
    "ServiceName",
    "ServiceSubcategory",
    "SkuId",
    "SkuMeter",
    "SkuPriceDetails",
    "SkuPriceId",
    "SubAccountId",
    "SubAccountName",
    "SubAccountType",
    "Tags",
    "x_Discounts",
    "x_Operation",
    "x_ServiceCode",
)


def _q(value: Decimal, places: str) -> Decimal:
    return value.quantize(Decimal(places), rounding=ROUND_HALF_EVEN)


def _json(doc: object) -> str:
    """JSON with Decimals written as exact numbers (what the vendors send)."""
    text = json.dumps(doc, indent=1, default=lambda d: f"@@{d}@@")
    return re.sub(r'"@@(-?[0-9.E+-]+)@@"', r"\1", text) + "\n"


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


def _unix(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())


def _months(start: date, end: date) -> list[date]:
    out, m = [], month_start(start)
    while m < end:
        out.append(m)
        m = next_month(m)
    return out


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
        "amount": {"value": _q(amount, "1e-12"), "currency": "usd"},
        "line_item": line_item,
        "project_id": project,
        "api_key_id": key,
        "quantity": tokens,
        "quantity_unit": "tokens",
    }


def write_openai(cells: list[dict], months: list[date], root: Path) -> dict[str, Decimal]:
    """Pages per month; returns the exact usage total per invoice."""
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for month in months:
        invoice = f"INV-OAI-{month:%Y-%m}"
        folder = root / "openai" / f"{month:%Y-%m}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "invoice.json").write_text(
            _json(
                {
                    "invoice_id": invoice,
                    "billing_account_id": "org-acme",
                    "invoice_issuer": "OpenAI",
                }
            )
        )
        buckets = []
        day = month
        while day < next_month(month):
            results = openai_results(cells, day)
            if day == next_month(month) - timedelta(days=1) and month.month == 9:
                # Sep 30 gpt-4.1 output: only half made the September invoice
                for r in results:
                    if r["line_item"] == "gpt-4.1-2025-04-14, output":
                        r["amount"]["value"] = _q(r["amount"]["value"] * (1 - LATE_SHARE), "1e-12")
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
                r["amount"]["value"] = _q(r["amount"]["value"] * LATE_SHARE, "1e-12")
                r["quantity"] = None
                r["quantity_unit"] = None
            buckets.insert(0, (sep30, late))
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
            (folder / f"costs-page-{n // 7 + 1:02d}.json").write_text(_json(page))
            for _d, rs in chunk:
                for r in rs:
                    totals[invoice] += r["amount"]["value"]
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
        tax = _q((_q(usage, "0.01") + credit) * Decimal("0.08"), "0.01")
        base = [invoice, "OpenAI", "openai", "org-acme", period, "USD"]
        writer.writerow([*base, "tax", "", "", "", "", "", f"{tax}", "Sales tax 8%"])
        if credit:
            writer.writerow(
                [*base, "credit", "", "", "", "", "", f"{credit}", "Promotional credit"]
            )
        total = _q(usage + tax + credit, "0.01")
        writer.writerow([*base, "total", "", "", "", "", "", f"{total}", "Amount due"])
    path = root / "generic" / "openai-invoice-pdf-lines.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(buf.getvalue())


def write_anthropic(cells: list[dict], months: list[date], root: Path) -> None:
    """cost_report pages (amounts in cents strings), one folder per month."""
    for month in months:
        folder = root / "anthropic" / f"{month:%Y-%m}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "invoice.json").write_text(
            _json(
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
                cents = _q((c["contracted"] or Decimal(0)) * 100, "0.0001")
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
            (folder / f"cost_report-{n // 31 + 1}.json").write_text(_json(page))


def write_aws(cells: list[dict], months: list[date], fx: FxRates, root: Path) -> None:
    """FOCUS 1.2 AWS exports for Bedrock in EUR, one file per month."""
    folder = root / "focus"
    folder.mkdir(parents=True, exist_ok=True)
    for month in months:
        rows = []
        invoice = f"EUINV26-{month:%m}0117"
        end = next_month(month)
        usage_eur = Decimal(0)

        def base(
            category: str,
            start: date,
            stop: date,
            cost: Decimal,
            month: date = month,
            end: date = end,
            invoice: str = invoice,
            **extra,
        ) -> dict:
            row = dict.fromkeys(FOCUS_COLUMNS, "")
            row.update(
                {
                    "BilledCost": f"{cost}",
                    "EffectiveCost": f"{cost}",
                    "ListCost": f"{cost}",
                    "ContractedCost": f"{cost}",
                    "BillingAccountId": "123456789012",
                    "BillingAccountName": "Acme EU",
                    "BillingAccountType": "Billing Account",
                    "BillingCurrency": "EUR",
                    "BillingPeriodStart": f"{month}T00:00:00Z",
                    "BillingPeriodEnd": f"{end}T00:00:00Z",
                    "ChargeCategory": category,
                    "ChargeFrequency": "Usage-Based" if category == "Usage" else "One-Time",
                    "ChargePeriodStart": f"{start}T00:00:00Z",
                    "ChargePeriodEnd": f"{stop}T00:00:00Z",
                    "InvoiceId": invoice,
                    "InvoiceIssuerName": "Amazon Web Services EMEA SARL",
                    "ProviderName": "AWS",
                    "PublisherName": "Anthropic",
                    "RegionId": "eu-central-1",
                    "RegionName": "Europe (Frankfurt)",
                    "ServiceCategory": "AI and Machine Learning",
                    "ServiceName": "Amazon Bedrock",
                    "ServiceSubcategory": "Generative AI",
                    "SubAccountId": "210987654321",
                    "SubAccountName": "acme-llm-prod",
                    "SubAccountType": "Linked Account",
                    "x_ServiceCode": "AmazonBedrock",
                }
            )
            row.update(extra)
            return row

        for c in (c for c in cells if c["provider"] == "aws_bedrock" and month <= c["day"] < end):
            rate = fx.rate(c["day"], "USD", "EUR") or Decimal(1)
            cost = _q((c["list"] or Decimal(0)) * rate, "1e-10")
            usage_eur += cost
            rows.append(
                base(
                    "Usage",
                    c["day"],
                    c["day"] + timedelta(days=1),
                    cost,
                    ChargeDescription="Claude Haiku 4.5 (Amazon Bedrock Edition)",
                    ConsumedQuantity=str(c["tokens"]),
                    ConsumedUnit="Tokens",
                    PricingQuantity=str(Decimal(c["tokens"]) * MILLION),
                    PricingUnit="1M Tokens",
                    PricingCategory="Standard",
                    SkuId="BEDROCK-HAIKU45",
                    SkuMeter=AWS_USAGE[c["kind"]],
                    SkuPriceId=f"BEDROCK-HAIKU45-{c['kind']}",
                    x_Operation="InvokeModel",
                )
            )
        credit = Decimal("-5.00") if month.month == 9 else Decimal(0)
        if credit:
            rows.append(
                base("Credit", month, end, credit, ChargeDescription="AWS Promotional Credit")
            )
        tax = _q((usage_eur + credit) * Decimal("0.19"), "0.01")
        rows.append(base("Tax", month, end, tax, ChargeDescription="VAT 19% (DE)"))
        rows.append(
            base(
                "Usage",
                month + timedelta(days=3),
                month + timedelta(days=4),
                Decimal("3.1200000000"),
                ChargeDescription="t3.micro hours",
                ServiceCategory="Compute",
                ServiceName="Amazon Elastic Compute Cloud",
                ServiceSubcategory="Virtual Machines",
                ConsumedQuantity="24",
                ConsumedUnit="Hours",
                SkuMeter="EUC1-BoxUsage:t3.micro",
                PublisherName="AWS",
                x_ServiceCode="AmazonEC2",
            )
        )
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=FOCUS_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        (folder / f"aws-focus-1.2-{month:%Y-%m}.csv").write_text(buf.getvalue())


def generate_invoices(warehouse: Path, input_dir: Path, start: date, end: date) -> Path:
    """Write `<input_dir>/invoices/` from the logged usage in [start, end)."""
    cells = load_cells(warehouse, start, end)
    root = input_dir / "invoices"
    months = _months(start, end)
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
