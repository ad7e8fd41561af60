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

import re
from pathlib import Path

from pipelines.lib.invoices.context import InvoiceContext
from pipelines.lib.invoices.json_pages import pages_of
from pipelines.lib.invoices.line_identity import bucket_identity
from pipelines.lib.invoices.lines import InvoiceError, InvoiceLine
from pipelines.lib.invoices.values import (
    currency_code,
    exact_amount,
    integer_quantity,
    unix_day,
)

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


# Fields of a result that are measures, not part of the line's identity.
_MEASURES = ("amount", "quantity", "object")


def parse_openai_costs(
    path: Path, rel: str, context: InvoiceContext | None = None
) -> list[InvoiceLine]:
    """Every result of one stored Costs page (or a JSON list of pages) as invoice lines."""
    context = context or InvoiceContext.for_file(path, VENDOR, ISSUER)
    lines: list[InvoiceLine] = []
    ordinal = 0
    for prefix, page in pages_of(path, rel):
        if not isinstance(page, dict) or not isinstance(page.get("data"), list):
            raise InvoiceError(f"{rel}: expected a Costs page with a `data` list")
        for b, bucket in enumerate(page["data"]):
            where = f"{rel}: bucket {b + 1} ({prefix}data[{b}])"
            if not isinstance(bucket, dict):
                raise InvoiceError(f"{where}: expected a bucket object")
            start = unix_day(bucket.get("start_time"), f"{where}, start_time")
            end = unix_day(bucket.get("end_time"), f"{where}, end_time")
            if end <= start:
                end = start.fromordinal(start.toordinal() + 1)
            for r, result in enumerate(bucket.get("results") or []):
                ordinal += 1
                at = f"{rel}: result {ordinal} ({prefix}data[{b}].results[{r}])"
                lines.append(_line(result, start, end, context, at, rel, ordinal))
    return lines


def _line(
    result: object, start, end, context: InvoiceContext, where: str, rel: str, ordinal: int
) -> InvoiceLine:
    if not isinstance(result, dict):
        raise InvoiceError(f"{where}: expected a result object")
    amount = result.get("amount") or {}
    if not isinstance(amount, dict) or amount.get("value") is None:
        raise InvoiceError(f"{where}, amount: missing amount.value")
    value = exact_amount(amount["value"], f"{where}, amount.value")
    line_item = str(result.get("line_item") or "")
    model, kind, tier = parse_line_item(line_item)
    quantity = None
    factor = _QUANTITY_FACTORS.get(str(result.get("quantity_unit") or "").lower())
    if factor and result.get("quantity") is not None and kind is not None:
        quantity = integer_quantity(result["quantity"], f"{where}, quantity", factor)
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
        currency=currency_code(amount.get("currency") or "usd", f"{where}, amount.currency"),
        raw_line_item=line_item or "(no line_item: costs not grouped by line item)",
        source_format=FORMAT,
        source_file=rel,
        source_line=ordinal,
        identity=bucket_identity(start, end, result, _MEASURES),
        amount_field="amount.value",
    )
