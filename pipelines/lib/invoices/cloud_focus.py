"""Cloud FOCUS exports: Azure Cost Management `FocusCost` exports and AWS Data Exports
`FOCUS_1_2_AWS` (input-formats §5c, §5d), as CSV (optionally .gz) or Parquet.

Only AI services are kept: rows whose ServiceCategory is `AI and Machine Learning`, or whose
ServiceName / `x_ServiceCode` / `x_SkuMeterCategory` names Azure OpenAI, Foundry Models, Cognitive
Services or Amazon Bedrock; Tax and Credit rows are kept when they belong to such a service. The
"invoice" of a cloud export is therefore the AI part of the cloud bill.

The token kind and model live only in meter strings, parsed here:

- Azure `x_SkuMeterName` / `SkuMeter`, e.g. `gpt-4o-0806-Inp-glbl`, `gpt 4.1 mini cached Inp glbl`,
  `GPT 5 Inpt Glbl`, `gpt-4-8K-Batch-Inp-glbl Tokens`, `... Outp regnl`;
- AWS `SkuMeter` (the usage type; `x_UsageType` in FOCUS 1.0), e.g.
  `USE1-Claude3Sonnet-input-tokens`, `USE1-NovaLite-input-tokens-priority`,
  `USE1-zai.glm-4.7-output-tokens-batch`, `...-cache-write-input-token-count-1-hour`, and for
  Marketplace models `USE1-MP:USE1_InputTokenCount-Units` with the model only in the product name
  (read from `ChargeDescription` / `x_ProductName`, e.g.
  "Claude Sonnet 4.6 (Amazon Bedrock Edition)").

Quantities are read with their unit (`ConsumedUnit`: `Tokens`, `1K Tokens`, `1M Tokens`, ...).
"""

from __future__ import annotations

import csv
import gzip
import io
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path

from pipelines.lib.invoices.line_identity import focus_identity
from pipelines.lib.invoices.lines import InvoiceError, InvoiceLine
from pipelines.lib.invoices.values import (
    currency_code,
    exact_amount,
    integer_quantity,
    iso_datetime,
)
from pipelines.money import month_start, next_month

FORMAT_AZURE = "azure_focus"
FORMAT_AWS = "aws_focus"
AI_CATEGORY = "AI and Machine Learning"
_AI_SERVICE = re.compile(r"openai|bedrock|foundry|cognitive services|ai services", re.I)
_CATEGORIES = {
    "usage": "Usage",
    "tax": "Tax",
    "credit": "Credit",
    "adjustment": "Adjustment",
    "purchase": "Adjustment",
}

# ---------------------------------------------------------------- Azure meters
_AZ_INPUT = {"inp", "input", "inpt", "in"}
_AZ_OUTPUT = {"outp", "output", "out", "otpt"}
_AZ_CACHED = {"cached", "cache", "cchd", "cd"}
_AZ_DEPLOYMENT = {
    "glbl",
    "global",
    "gl",
    "dzone",
    "datazone",
    "dz",
    "regnl",
    "regional",
    "rgnl",
    "ptu",
    "data",
    "zone",
    "tokens",
    "token",
    "us",
    "eu",
}


def parse_azure_meter(meter: str) -> tuple[str | None, str | None, str | None]:
    """Azure OpenAI meter name -> (model, token kind, service tier)."""
    words = [w for w in re.split(r"[\s_]+|-(?=[A-Za-z])|(?<=[A-Za-z])-", meter.lower()) if w]
    tier = "batch" if "batch" in words else None
    model: list[str] = []
    kind = None
    cached = False
    for word in words:
        if word in _AZ_CACHED:
            cached = True
            continue
        if word in _AZ_INPUT:
            kind = "cache_read" if cached else "input"
            break
        if word in _AZ_OUTPUT:
            kind = "output"
            break
        if word == "batch" or word in _AZ_DEPLOYMENT:
            continue
        model.append(word)
    if kind is None or not model:
        return None, None, tier
    return "-".join(model), kind, tier


# ---------------------------------------------------------------- AWS usage types
_AWS_REGION = re.compile(r"^[A-Z]{2,4}\d?-")
_AWS_NATIVE_KIND = re.compile(
    r"-(?P<kind>input-tokens|output-tokens|cache-read-input-token-count|cache-read-tokens|"
    r"cache-write-input-token-count-1-hour|cache-write-input-token-count|cache-write-tokens|"
    r"mantle-cache-write-tokens)(?P<rest>.*)$",
    re.I,
)
_AWS_KIND_WORDS = {
    "input-tokens": "input",
    "output-tokens": "output",
    "cache-read-input-token-count": "cache_read",
    "cache-read-tokens": "cache_read",
    "cache-write-input-token-count": "cache_write",
    "cache-write-tokens": "cache_write",
    "mantle-cache-write-tokens": "cache_write",
    "cache-write-input-token-count-1-hour": "cache_write_1h",
}


def _tier(text: str) -> str | None:
    text = text.lower()
    for tier in ("batch", "priority", "flex"):
        if tier in text:
            return tier
    return None


def _model_from_product(description: str | None) -> str | None:
    if not description:
        return None
    name = re.sub(r"\(.*?\)", "", description).strip()
    name = re.sub(r"\s+", "-", name.lower())
    return name or None


def parse_aws_usage_type(
    usage_type: str, product: str | None = None
) -> tuple[str | None, str | None, str | None]:
    """AWS Bedrock usage type -> (model, token kind, service tier)."""
    text = _AWS_REGION.sub("", usage_type.strip())
    if text.upper().startswith("MP:"):
        body = re.sub(r"^[A-Z]{2,4}\d?_", "", text[3:]).removesuffix("-Units")
        flat = body.lower().replace("_", "")
        if "cachewrite1h" in flat:
            kind = "cache_write_1h"
        elif "cachewrite" in flat:
            kind = "cache_write"
        elif "cacheread" in flat:
            kind = "cache_read"
        elif "input" in flat:
            kind = "input"
        elif "output" in flat:
            kind = "output"
        else:
            kind = None
        return _model_from_product(product), kind, _tier(body)
    match = _AWS_NATIVE_KIND.search(text)
    if not match:
        return None, None, _tier(text)
    model = text[: match.start()]
    kind = _AWS_KIND_WORDS[match.group("kind").lower()]
    if kind == "cache_write" and "1-hour" in match.group("rest").lower():
        kind = "cache_write_1h"
    return model or None, kind, _tier(match.group("rest"))


# ---------------------------------------------------------------- reading
_UNIT = re.compile(r"^\s*(?P<n>[\d.]+)?\s*(?P<k>[km])?\s*(tokens?|units?|count)?\s*$", re.I)


def _unit_factor(unit: str | None) -> int | None:
    if not unit:
        return 1
    match = _UNIT.match(unit)
    if not match:
        return None
    try:
        factor = int(Decimal(match.group("n"))) if match.group("n") else 1
    except InvalidOperation:  # "." or "1.2.3"
        return None
    return factor * {"k": 1000, "m": 1000000}.get((match.group("k") or "").lower(), 1)


def _dt(value: object, where: str) -> datetime:
    return iso_datetime(value, where)


def _day_bounds(start: datetime, end: datetime) -> tuple[date, date]:
    first = start.astimezone(UTC).date()
    last = (end.astimezone(UTC) - timedelta(microseconds=1)).date() + timedelta(days=1)
    return first, max(last, first + timedelta(days=1))


def read_rows(path: Path) -> list[tuple[int, dict]]:
    """(line or row number, record) for a FOCUS CSV (header = line 1), .csv.gz or Parquet."""
    name = path.name.lower()
    if name.endswith(".parquet"):
        import pyarrow.parquet as pq

        return [(i, r) for i, r in enumerate(pq.read_table(path).to_pylist(), start=1)]
    raw = path.read_bytes()
    if name.endswith(".gz"):
        raw = gzip.decompress(raw)
    reader = csv.DictReader(io.StringIO(raw.decode("utf-8-sig")))
    rows = []
    for record in reader:
        rows.append((reader.line_num, {k.strip(): v for k, v in record.items() if k}))
    return rows


def _text(row: dict, *names: str) -> str | None:
    for name in names:
        value = row.get(name)
        if value not in (None, ""):
            return str(value).strip()
    return None


def _is_ai(row: dict) -> bool:
    if _text(row, "ServiceCategory") == AI_CATEGORY:
        return True
    names = " ".join(
        v
        for v in (
            _text(row, "ServiceName"),
            _text(row, "x_ServiceCode"),
            _text(row, "x_SkuMeterCategory"),
        )
        if v
    )
    return bool(_AI_SERVICE.search(names))


def cloud_of(row: dict) -> str:
    """`azure_openai` or `aws_bedrock` from the provider / issuer names."""
    names = " ".join(
        v for v in (_text(row, "ProviderName"), _text(row, "InvoiceIssuerName")) if v
    ).lower()
    if "microsoft" in names or "azure" in names:
        return "azure_openai"
    if "aws" in names or "amazon" in names:
        return "aws_bedrock"
    raise InvoiceError(f"unknown cloud provider {names!r} (expected Microsoft/Azure or AWS)")


def parse_cloud_focus(path: Path, rel: str) -> list[InvoiceLine]:
    """AI-service rows of one FOCUS export file as invoice lines."""
    lines: list[InvoiceLine] = []
    try:
        rows = read_rows(path)
    except (OSError, ValueError, csv.Error) as exc:  # bad gzip, UTF-8, CSV or Parquet
        raise InvoiceError(f"{rel}: not a readable FOCUS export ({exc})") from exc
    for number, row in rows:
        if not _is_ai(row):
            continue
        where = f"{rel}: line {number}"
        lines.append(_line(row, where, rel, number))
    return lines


_PERIODS = ("ChargePeriodStart", "ChargePeriodEnd", "BillingPeriodStart", "BillingPeriodEnd")


def _billing_period(periods: dict, charge_start: date) -> tuple[date, date]:
    """The stated billing period, else the charge's month."""
    if "BillingPeriodStart" in periods:
        period_start = periods["BillingPeriodStart"].date()
    else:
        period_start = month_start(charge_start)
    if "BillingPeriodEnd" in periods:
        period_end = periods["BillingPeriodEnd"].date()
    else:
        period_end = next_month(period_start)
    return period_start, period_end


def _meter(row: dict, provider: str) -> tuple[str, str | None, str | None, str | None, tuple]:
    """(meter, model, token kind, tier, (format, issuer, publisher)) of the cloud's meter."""
    if provider == "azure_openai":
        meter = _text(row, "x_SkuMeterName", "SkuMeter") or ""
        model, kind, tier = parse_azure_meter(meter) if meter else (None, None, None)
        return meter, model, kind, tier, (FORMAT_AZURE, "Microsoft", "Microsoft")
    meter = _text(row, "SkuMeter", "x_UsageType") or ""
    product = _text(row, "x_ProductName", "ChargeDescription")
    model, kind, tier = parse_aws_usage_type(meter, product) if meter else (None, None, None)
    return meter, model, kind, tier, (FORMAT_AWS, "AWS", "Amazon Web Services")


def _quantity(row: dict, kind: str | None, where: str) -> int | None:
    """Tokens consumed, when the line is a token kind in a unit we can convert."""
    consumed = row.get("ConsumedQuantity")
    if kind and consumed not in (None, ""):
        factor = _unit_factor(_text(row, "ConsumedUnit"))
        if factor:
            return integer_quantity(consumed, f"{where}, ConsumedQuantity", factor)
    return None


def _line(row: dict, where: str, rel: str, number: int) -> InvoiceLine:
    provider = cloud_of(row)
    category_text = (_text(row, "ChargeCategory") or "").lower()
    if category_text not in _CATEGORIES:
        raise InvoiceError(f"{where}, ChargeCategory: unknown value {category_text!r}")
    category = _CATEGORIES[category_text]
    periods = {
        name: _dt(row.get(name), f"{where}, {name}")
        for name in _PERIODS
        if row.get(name) not in (None, "") or name.startswith("Charge")
    }
    charge_start, charge_end = _day_bounds(periods["ChargePeriodStart"], periods["ChargePeriodEnd"])
    period_start, period_end = _billing_period(periods, charge_start)
    account = _text(row, "BillingAccountId")
    if not account:
        raise InvoiceError(f"{where}, BillingAccountId: empty")
    if row.get("BilledCost") in (None, ""):
        raise InvoiceError(f"{where}, BilledCost: empty")
    billed = exact_amount(row["BilledCost"], f"{where}, BilledCost")
    currency = _text(row, "BillingCurrency")
    if not currency:
        raise InvoiceError(f"{where}, BillingCurrency: empty")
    currency = currency_code(currency, f"{where}, BillingCurrency")
    meter, model, kind, tier, (fmt, issuer, publisher) = _meter(row, provider)
    if category != "Usage" and kind is None:
        model = None
    quantity = _quantity(row, kind, where)
    charge_class = _text(row, "ChargeClass")
    return InvoiceLine(
        invoice_id=_text(row, "InvoiceId"),
        issuer=_text(row, "InvoiceIssuerName") or issuer,
        provider_name=_text(row, "ProviderName") or issuer,
        publisher_name=_text(row, "PublisherName") or publisher,
        billing_account_id=account,
        sub_account_id=_text(row, "SubAccountId"),
        billing_period_start=period_start,
        billing_period_end=period_end,
        charge_period_start=charge_start,
        charge_period_end=charge_end,
        charge_category=category,
        charge_class=charge_class,
        description=_text(row, "ChargeDescription"),
        provider=provider,
        vendor_model=model,
        token_kind=kind,
        service_tier=tier,
        quantity=quantity,
        billed_cost=billed,
        currency=currency,
        raw_line_item=meter or _text(row, "ChargeDescription", "SkuId") or category,
        source_format=fmt,
        source_file=rel,
        source_line=number,
        identity=focus_identity(row, periods),
        amount_field="BilledCost",
        quantity_field="ConsumedQuantity",
    )
