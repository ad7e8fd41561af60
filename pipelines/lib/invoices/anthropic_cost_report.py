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

from datetime import date
from pathlib import Path

from pipelines.lib.invoices.context import InvoiceContext
from pipelines.lib.invoices.json_pages import pages_of
from pipelines.lib.invoices.line_identity import bucket_identity
from pipelines.lib.invoices.lines import InvoiceError, InvoiceLine
from pipelines.lib.invoices.values import currency_code, exact_amount, iso_datetime

FORMAT = "anthropic_cost_report"
VENDOR = "anthropic"
ISSUER = "Anthropic"
CENTS_SHIFT = -2  # amounts are cents: 10**-2 of the currency unit
_MEASURES = ("amount", "currency")

TOKEN_TYPES = {
    "uncached_input_tokens": "input",
    "input_tokens": "input",
    "output_tokens": "output",
    "cache_read_input_tokens": "cache_read",
    "cache_creation.ephemeral_5m_input_tokens": "cache_write",
    "cache_creation.ephemeral_1h_input_tokens": "cache_write_1h",
    "cache_creation_input_tokens": "cache_write",
}


def _day(value: object, where: str) -> date:
    return iso_datetime(value, where).date()


def parse_anthropic_cost_report(
    path: Path, rel: str, context: InvoiceContext | None = None
) -> list[InvoiceLine]:
    """Every result of one stored cost_report page (or a JSON list of pages)."""
    context = context or InvoiceContext.for_file(path, VENDOR, ISSUER)
    lines: list[InvoiceLine] = []
    ordinal = 0
    for prefix, page in pages_of(path, rel):
        if not isinstance(page, dict) or not isinstance(page.get("data"), list):
            raise InvoiceError(f"{rel}: expected a cost_report page with a `data` list")
        for b, bucket in enumerate(page["data"]):
            where = f"{rel}: bucket {b + 1} ({prefix}data[{b}])"
            if not isinstance(bucket, dict):
                raise InvoiceError(f"{where}: expected a bucket object")
            start = _day(bucket.get("starting_at"), f"{where}, starting_at")
            end = _day(bucket.get("ending_at"), f"{where}, ending_at")
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
    amount = result.get("amount")
    field = "amount"
    if isinstance(amount, dict):  # tolerate {"value": "...", "currency": "..."}
        amount, field = amount.get("value"), "amount.value"
    if amount is None:
        raise InvoiceError(f"{where}, {field}: missing")
    billed = exact_amount(amount, f"{where}, {field} (cents)", CENTS_SHIFT)
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
        billed_cost=billed,
        currency=currency_code(result.get("currency") or "USD", f"{where}, currency"),
        raw_line_item=raw or cost_type,
        source_format=FORMAT,
        source_file=rel,
        source_line=ordinal,
        identity=bucket_identity(start, end, result, _MEASURES),
        amount_field=f"{field} (cents / 100)",
    )
