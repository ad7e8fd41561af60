"""OpenAI Admin API `GET /v1/organization/costs` pages (input-formats §5a).

A page is `{"object": "page", "data": [bucket], "has_more", "next_page"}`; a bucket is
`{"start_time", "end_time", "results": [...]}` with unix-second day bounds; a result is
`{"amount": {"value", "currency"}, "line_item", "project_id", "api_key_id", "quantity",
"quantity_unit"}`. Amounts are parsed as Decimal (never float). `line_item` is free text such as
`"gpt-4o-2024-08-06, input"`, `"gpt-4.1-mini, cached input"`, `"priority | o3, output"`,
`"gpt-4.1, input, long context"` or `"web search tool calls"`; it is parsed leniently and kept
whole in `x_raw_line_item`. `source_line` is the result's 1-based ordinal in the file.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from pipelines.lib.invoices.context import InvoiceContext
from pipelines.lib.invoices.lines import InvoiceError, InvoiceLine
from pipelines.lib.money import to_decimal

FORMAT = "openai_costs"
VENDOR = "openai"
ISSUER = "OpenAI"

_KINDS = {
    "input": "input",
    "uncached input": "input",
    "text input": "input",
    "cached input": "cache_read",
    "cached text input": "cache_read",
    "cache read": "cache_read",
    "cache write": "cache_write",
    "cache write input": "cache_write",
    "cached write": "cache_write",
    "output": "output",
    "text output": "output",
}
_TIERS = ("priority", "flex", "batch", "standard", "scale")
_QUANTITY_FACTORS = {"tokens": 1, "1000_tokens": 1000, "1k_tokens": 1000, "1m_tokens": 1000000}


def parse_line_item(text: str) -> tuple[str | None, str | None, str | None]:
    """`line_item` -> (model, token kind, service tier); None where the text does not say."""
    raw = (text or "").strip()
    tier = None
    if "|" in raw:
        prefix, raw = (p.strip() for p in raw.split("|", 1))
        tier = prefix.lower() if prefix.lower() in _TIERS else None
    parts = [p.strip() for p in raw.split(",") if p.strip()]
    if len(parts) < 2:
        return None, None, tier
    model, kind_text = parts[0], parts[1].lower()
    batch = re.match(r"^batch\s+(.*)$", kind_text)
    if batch:
        tier, kind_text = "batch", batch.group(1)
    kind = _KINDS.get(kind_text)
    if kind is None or " " in model:
        return None, None, tier
    return model, kind, tier


def _day(value: object, where: str):
    try:
        return datetime.fromtimestamp(int(value), tz=UTC).date()  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError) as exc:
        raise InvoiceError(f"{where}: not a unix timestamp: {value!r}") from exc


def parse_openai_costs(
    path: Path, rel: str, context: InvoiceContext | None = None
) -> list[InvoiceLine]:
    """Every result of one stored Costs page (or a JSON list of pages) as invoice lines."""
    context = context or InvoiceContext.for_file(path, VENDOR, ISSUER)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)
    except json.JSONDecodeError as exc:
        raise InvoiceError(f"{rel}: not valid JSON (line {exc.lineno}: {exc.msg})") from exc
    pages = doc if isinstance(doc, list) else [doc]
    lines: list[InvoiceLine] = []
    ordinal = 0
    for page in pages:
        if not isinstance(page, dict) or not isinstance(page.get("data"), list):
            raise InvoiceError(f"{rel}: expected a Costs page with a `data` list")
        for b, bucket in enumerate(page["data"], start=1):
            where = f"{rel}: bucket {b}"
            start = _day(bucket.get("start_time"), f"{where}, start_time")
            end = _day(bucket.get("end_time"), f"{where}, end_time")
            if end <= start:
                end = start.fromordinal(start.toordinal() + 1)
            for result in bucket.get("results") or []:
                ordinal += 1
                lines.append(_line(result, start, end, context, rel, ordinal))
    return lines


def _line(result: dict, start, end, context: InvoiceContext, rel: str, ordinal: int) -> InvoiceLine:
    where = f"{rel}: result {ordinal}"
    amount = result.get("amount") or {}
    if not isinstance(amount, dict) or amount.get("value") is None:
        raise InvoiceError(f"{where}, amount: missing amount.value")
    try:
        value = to_decimal(amount["value"])
    except ArithmeticError as exc:
        raise InvoiceError(f"{where}, amount.value: not a decimal number") from exc
    line_item = str(result.get("line_item") or "")
    model, kind, tier = parse_line_item(line_item)
    quantity = None
    factor = _QUANTITY_FACTORS.get(str(result.get("quantity_unit") or "").lower())
    if factor and result.get("quantity") is not None and kind is not None:
        quantity = int(to_decimal(result["quantity"]) * factor)
    return InvoiceLine(
        invoice_id=context.invoice_id,
        issuer=context.issuer,
        provider_name="OpenAI",
        publisher_name="OpenAI",
        billing_account_id=context.billing_account_id,
        sub_account_id=result.get("project_id"),
        billing_period_start=context.billing_period_start,
        billing_period_end=context.billing_period_end,
        charge_period_start=start,
        charge_period_end=end,
        charge_category="Usage",
        description=line_item or None,
        provider=VENDOR,
        vendor_model=model,
        token_kind=kind,
        service_tier=tier,
        quantity=quantity,
        billed_cost=value,
        currency=str(amount.get("currency") or "usd").upper(),
        raw_line_item=line_item or "(no line_item: costs not grouped by line item)",
        source_format=FORMAT,
        source_file=rel,
        source_line=ordinal,
    )
