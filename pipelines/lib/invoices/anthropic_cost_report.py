"""Anthropic Admin API `GET /v1/organizations/cost_report` pages (input-formats §5b).

A page is `{"data": [{"starting_at", "ending_at", "results": [...]}], "has_more", "next_page"}`.
A result's `amount` is a **decimal string in cents** ("123.45" = USD 1.2345), so the billed cost is
`amount × 0.01` exactly. `token_type` gives the kind (`uncached_input_tokens`, `output_tokens`,
`cache_read_input_tokens`, `cache_creation.ephemeral_5m_input_tokens`,
`cache_creation.ephemeral_1h_input_tokens`); `cost_type` `web_search` / `code_execution` lines have
no token kind. cost_report has no token counts: `quantity` stays NULL. `source_line` is the
result's 1-based ordinal in the file.
"""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

from pipelines.lib.invoices.context import InvoiceContext
from pipelines.lib.invoices.lines import InvoiceError, InvoiceLine

FORMAT = "anthropic_cost_report"
VENDOR = "anthropic"
ISSUER = "Anthropic"
CENTS = Decimal("0.01")

TOKEN_TYPES = {
    "uncached_input_tokens": "input",
    "input_tokens": "input",
    "output_tokens": "output",
    "cache_read_input_tokens": "cache_read",
    "cache_creation.ephemeral_5m_input_tokens": "cache_write",
    "cache_creation.ephemeral_1h_input_tokens": "cache_write_1h",
    "cache_creation_input_tokens": "cache_write",
}


def _day(value: object, where: str):
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")).date()
    except ValueError as exc:
        raise InvoiceError(f"{where}: not an RFC 3339 time: {value!r}") from exc


def parse_anthropic_cost_report(
    path: Path, rel: str, context: InvoiceContext | None = None
) -> list[InvoiceLine]:
    """Every result of one stored cost_report page (or a JSON list of pages)."""
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
            raise InvoiceError(f"{rel}: expected a cost_report page with a `data` list")
        for b, bucket in enumerate(page["data"], start=1):
            start = _day(bucket.get("starting_at"), f"{rel}: bucket {b}, starting_at")
            end = _day(bucket.get("ending_at"), f"{rel}: bucket {b}, ending_at")
            if end <= start:
                end = start.fromordinal(start.toordinal() + 1)
            for result in bucket.get("results") or []:
                ordinal += 1
                lines.append(_line(result, start, end, context, rel, ordinal))
    return lines


def _line(result: dict, start, end, context: InvoiceContext, rel: str, ordinal: int) -> InvoiceLine:
    where = f"{rel}: result {ordinal}"
    amount = result.get("amount")
    if isinstance(amount, dict):  # tolerate {"value": "...", "currency": "..."}
        amount = amount.get("value")
    if amount is None:
        raise InvoiceError(f"{where}, amount: missing")
    try:
        cents = Decimal(str(amount).strip())
    except InvalidOperation as exc:
        raise InvoiceError(f"{where}, amount: not a decimal string in cents") from exc
    cost_type = str(result.get("cost_type") or "tokens")
    token_type = result.get("token_type")
    kind = TOKEN_TYPES.get(str(token_type)) if cost_type == "tokens" and token_type else None
    model = result.get("model") or None
    description = result.get("description") or None
    raw = description or ", ".join(
        str(p) for p in (model, cost_type, token_type, result.get("context_window")) if p
    )
    return InvoiceLine(
        invoice_id=context.invoice_id,
        issuer=context.issuer,
        provider_name="Anthropic",
        publisher_name="Anthropic",
        billing_account_id=context.billing_account_id,
        sub_account_id=result.get("workspace_id"),
        billing_period_start=context.billing_period_start,
        billing_period_end=context.billing_period_end,
        charge_period_start=start,
        charge_period_end=end,
        charge_category="Usage",
        description=description or raw,
        provider=VENDOR,
        vendor_model=model,
        token_kind=kind,
        service_tier=result.get("service_tier") or None,
        quantity=None,
        billed_cost=cents * CENTS,
        currency=str(result.get("currency") or "USD").upper(),
        raw_line_item=raw or cost_type,
        source_format=FORMAT,
        source_file=rel,
        source_line=ordinal,
    )
