"""All vendor invoices of an input folder -> one frame of invoice lines (`INVOICE_LINE_COLUMNS`).

Layout under `<input>/invoices/`:

    openai/<YYYY-MM>/*.json      OpenAI Costs API pages (+ optional invoice.json)
    anthropic/<YYYY-MM>/*.json   Anthropic cost_report pages (+ optional invoice.json)
    focus/**/*.csv|.csv.gz|.parquet   Azure / AWS FOCUS exports (AI services only)
    generic/**/*.csv             costline's generic invoice CSV

Each vendor line is counted once (`line_identity.count_once`: a line repeated in a second file is
kept once and reported; a repeat with another amount is refused). Normalisation resolves the
vendor's model name to the model as written in our logs where it can
(`resolve_model`), marks lines charged for a period before the invoice's billing period as
`ChargeClass = 'Correction'` (FOCUS 1.2), fills a missing InvoiceId as
`<provider>-<BillingAccountId>-<YYYY-MM>`, and checks every stated total (generic `total` rows).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import polars as pl

from pipelines.lib.invoices.anthropic_cost_report import parse_anthropic_cost_report
from pipelines.lib.invoices.cloud_focus import parse_cloud_focus
from pipelines.lib.invoices.context import SIDECAR
from pipelines.lib.invoices.generic_csv import parse_generic_csv
from pipelines.lib.invoices.line_identity import Repeat, count_once
from pipelines.lib.invoices.lines import (
    CHARGE_CATEGORIES,
    INVOICE_LINE_COLUMNS,
    TOKEN_KINDS,
    DeclaredTotal,
    InvoiceError,
    InvoiceLine,
)
from pipelines.lib.invoices.openai_costs import parse_openai_costs
from pipelines.money import round_cents
from schemas.invoices.invoice_line import CORRECTION

KnownModels = Mapping[str, Iterable[str]]


@dataclass
class InvoiceBatch:
    """Everything read from one invoices folder."""

    lines: pl.DataFrame
    declared_totals: list[DeclaredTotal] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    # Vendor lines found in more than one file, counted once (line_identity.count_once).
    repeats: list[Repeat] = field(default_factory=list)


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


_DATE_SUFFIX = re.compile(r"[-@](\d{4}-?\d{2}-?\d{2}|\d{4}|\d{8}|v\d+(:\d+)?|latest)$")


def _strip_versions(text: str) -> str:
    previous = None
    while previous != text:
        previous, text = text, _DATE_SUFFIX.sub("", text)
    return text


def resolve_model(provider: str, vendor_model: str | None, known: KnownModels) -> str | None:
    """The log's model name for a vendor's model string, or the vendor's string when none fits.

    Tries, in order: exact (case-insensitive); equal after dropping punctuation; equal after also
    dropping date/version suffixes (`gpt-4o-2024-08-06` ~ `gpt-4o`, `claude-3-5-haiku@20241022`);
    a unique log model containing the vendor's name (AWS `Claude3Sonnet` ~
    `anthropic.claude-3-sonnet-20240229-v1:0`). Ambiguity keeps the vendor's string.
    """
    if not vendor_model:
        return None
    candidates = sorted(set(known.get(provider, ())))
    lowered = vendor_model.lower()
    for model in candidates:
        if model.lower() == lowered:
            return model
    target = _norm(vendor_model)
    exact = [m for m in candidates if _norm(m) == target]
    if len(exact) == 1:
        return exact[0]
    base = _norm(_strip_versions(lowered))
    same_base = [m for m in candidates if _norm(_strip_versions(m.lower())) == base]
    if len(same_base) == 1:
        return same_base[0]
    containing = [m for m in candidates if base and base in _norm(m)]
    if len(containing) == 1:
        return containing[0]
    return vendor_model


def discover(invoice_dir: Path) -> list[tuple[str, Path]]:
    """(format, path) of every invoice file, in a stable order."""
    found: list[tuple[str, Path]] = []
    for vendor, fmt in (("openai", "openai_costs"), ("anthropic", "anthropic_cost_report")):
        for path in sorted((invoice_dir / vendor).rglob("*.json")):
            if path.name != SIDECAR:
                found.append((fmt, path))
    for path in sorted((invoice_dir / "focus").rglob("*")):
        if path.is_file() and path.name.lower().endswith((".csv", ".csv.gz", ".parquet")):
            found.append(("cloud_focus", path))
    for path in sorted((invoice_dir / "generic").rglob("*.csv")):
        found.append(("generic_csv", path))
    return found


def parse_file(fmt: str, path: Path, rel: str) -> tuple[list[InvoiceLine], list[DeclaredTotal]]:
    """One file through its parser."""
    if fmt == "openai_costs":
        return parse_openai_costs(path, rel), []
    if fmt == "anthropic_cost_report":
        return parse_anthropic_cost_report(path, rel), []
    if fmt == "cloud_focus":
        return parse_cloud_focus(path, rel), []
    if fmt == "generic_csv":
        return parse_generic_csv(path, rel)
    raise InvoiceError(f"{rel}: unknown invoice format {fmt}")


def read_invoices(input_dir: Path, known_models: KnownModels | None = None) -> InvoiceBatch:
    """Every invoice under `<input_dir>/invoices/`, normalised and checked."""
    invoice_dir = input_dir / "invoices"
    lines: list[InvoiceLine] = []
    totals: list[DeclaredTotal] = []
    files: list[str] = []
    if invoice_dir.exists():
        for fmt, path in discover(invoice_dir):
            rel = path.relative_to(input_dir).as_posix()
            parsed, declared = parse_file(fmt, path, rel)
            lines.extend(parsed)
            totals.extend(declared)
            files.append(rel)
    lines, repeats = count_once(lines)
    frame = to_frame(lines, known_models or {})
    check_declared_totals(frame, totals)
    return InvoiceBatch(frame, totals, files, repeats)


def to_frame(lines: list[InvoiceLine], known_models: KnownModels) -> pl.DataFrame:
    """Parsed lines -> the invoice-line frame, with models resolved and classes derived."""
    rows = []
    for line in lines:
        where = f"{line.source_file}: line {line.source_line}"
        if line.charge_category not in CHARGE_CATEGORIES:
            raise InvoiceError(f"{where}, ChargeCategory: {line.charge_category!r}")
        if line.token_kind is not None and line.token_kind not in TOKEN_KINDS:
            raise InvoiceError(f"{where}, token_kind: {line.token_kind!r}")
        period = line.billing_period_start.strftime("%Y-%m")
        correction = line.charge_class == CORRECTION or (
            line.charge_period_start < line.billing_period_start
        )
        rows.append(
            {
                "line_id": f"{line.source_file}#{line.source_line}",
                "InvoiceId": line.invoice_id
                or f"{line.provider}-{line.billing_account_id}-{period}",
                "InvoiceIssuerName": line.issuer,
                "ProviderName": line.provider_name,
                "PublisherName": line.publisher_name,
                "BillingAccountId": line.billing_account_id,
                "SubAccountId": line.sub_account_id,
                "BillingPeriodStart": line.billing_period_start,
                "BillingPeriodEnd": line.billing_period_end,
                "ChargePeriodStart": line.charge_period_start,
                "ChargePeriodEnd": line.charge_period_end,
                "ChargeCategory": line.charge_category,
                "ChargeClass": CORRECTION if correction else None,
                "ChargeDescription": line.description,
                "provider": line.provider,
                "model": resolve_model(line.provider, line.vendor_model, known_models),
                "x_vendor_model": line.vendor_model,
                "token_kind": line.token_kind,
                "service_tier": line.service_tier,
                "quantity": line.quantity,
                "billed_cost": line.billed_cost,
                "billing_currency": line.currency,
                "x_raw_line_item": line.raw_line_item,
                "source_format": line.source_format,
                "source_file": line.source_file,
                "source_line": line.source_line,
            }
        )
    text_columns = [c for c, t in INVOICE_LINE_COLUMNS.items() if t == pl.String()]
    for row in rows:  # ids a vendor wrote as JSON numbers (project_id: 123) are text here
        for column in text_columns:
            if row[column] is not None and not isinstance(row[column], str):
                row[column] = str(row[column])
    frame = pl.DataFrame(rows, schema=INVOICE_LINE_COLUMNS, orient="row")
    _check_one_currency_per_invoice(frame)
    return frame


def _check_one_currency_per_invoice(frame: pl.DataFrame) -> None:
    mixed = (
        frame.group_by("InvoiceId")
        .agg(pl.col("billing_currency").unique().sort())
        .filter(pl.col("billing_currency").list.len() > 1)
    )
    if len(mixed):
        invoice, currencies = mixed.row(0)
        raise InvoiceError(f"invoice {invoice}: lines in several currencies {currencies}")


def invoice_totals(frame: pl.DataFrame) -> dict[str, tuple[str, Decimal]]:
    """InvoiceId -> (currency, payable total rounded to the cent from the exact line sum)."""
    sums: dict[str, Decimal] = defaultdict(Decimal)
    currency: dict[str, str] = {}
    for invoice, amount, ccy in frame.select(
        "InvoiceId", "billed_cost", "billing_currency"
    ).iter_rows():
        sums[invoice] += amount
        currency[invoice] = ccy
    return {k: (currency[k], round_cents(v)) for k, v in sorted(sums.items())}


def check_declared_totals(frame: pl.DataFrame, declared: list[DeclaredTotal]) -> None:
    """Every stated total equals its invoice's lines to the cent, in the same currency."""
    totals = invoice_totals(frame)
    for stated in declared:
        where = f"{stated.source_file}: line {stated.source_line}"
        if stated.invoice_id not in totals:
            raise InvoiceError(f"{where}: total for invoice {stated.invoice_id} without lines")
        currency, total = totals[stated.invoice_id]
        if currency != stated.currency:
            raise InvoiceError(f"{where}: total in {stated.currency}, lines in {currency}")
        if round_cents(stated.amount) != total:
            raise InvoiceError(
                f"{where}: invoice {stated.invoice_id} states {stated.amount} {currency} but its "
                f"lines add up to {total}"
            )
