"""Line identity: each vendor line is counted once, however many files repeat it.

A line's identity is what the vendor uses to tell its lines apart (rules per source in
docs/invoices.md "Each vendor line is counted once"):

- OpenAI Costs API: the bucket's days + every grouping field of the result (`line_item`,
  `project_id`, `organization_id`, `api_key_id`, ...), i.e. the result minus `amount`,
  `quantity` and `object`;
- Anthropic cost_report: the bucket's days + every grouping field of the result (`workspace_id`,
  `model`, `cost_type`, `token_type`, `context_window`, `service_tier`, `description`, ...), i.e.
  the result minus `amount` and `currency`;
- cloud FOCUS exports: the row minus its cost, price and quantity columns (`BilledCost`,
  `ConsumedQuantity`, `x_...CostInUsd`, ...), with the period columns read as UTC times;
- generic CSV: the full row.

Empty fields are left out, so a field that is null in one download and absent in another does not
split a line. Lines are matched within one invoice (InvoiceId and billing month) and one source
format; the n-th line with an identity in one file matches the n-th in another file, so two equal
lines in the same file (a PDF may list a charge twice) stay two lines.

A line repeated with the same amount, currency and quantity is kept once, from the file with the
shortest name (a browser's re-save adds " (1)"), and reported. A repeat with a different amount is
refused: the message names both files, the identity and the field. Vendors restate a bucket by
serving a new download, not by sending both: keep the latest download only. A correction of a
closed month is its own line on a later invoice (its identity differs).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

from pipelines.lib.invoices.lines import InvoiceError, InvoiceLine

_FOCUS_MEASURES = {
    "BilledCost",
    "EffectiveCost",
    "ListCost",
    "ContractedCost",
    "ConsumedQuantity",
    "PricingQuantity",
    "ListUnitPrice",
    "ContractedUnitPrice",
    "CommitmentDiscountQuantity",
    "x_Discounts",
}
# Provider columns restated with the amounts: x_BilledCostInUsd, x_EffectiveUnitPrice,
# x_BillingExchangeRate(Date), PricingCurrencyEffectiveCost, ... (not x_CostCenter).
_JSON_FORMATS = ("openai_costs", "anthropic_cost_report")
_MEASURE_NAME = re.compile(r"(Cost|Quantity|UnitPrice|ExchangeRate)(In[A-Za-z]+|Date)?$")


@dataclass(frozen=True)
class Repeat:
    """Lines of `repeated_file` already read from `kept_file`, counted once."""

    kept_file: str
    repeated_file: str
    lines: int

    def message(self) -> str:
        """One line for the run output."""
        return (
            f"{self.repeated_file} repeats {self.lines} line(s) of {self.kept_file}: counted once"
        )


def _canonical(value: object) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, default=str)
    return str(value).strip()


def fields_identity(record: Mapping, leave_out: Iterable[str] = ()) -> tuple:
    """(name, value) pairs of the record's non-empty fields, sorted, minus `leave_out`."""
    skip = set(leave_out)
    return tuple(
        sorted(
            (str(k), _canonical(v))
            for k, v in record.items()
            if k not in skip and v not in (None, "") and _canonical(v) != ""
        )
    )


def bucket_identity(start: date, end: date, result: Mapping, leave_out: Iterable[str]) -> tuple:
    """Identity of an API cost result: its bucket's days and grouping fields."""
    return (("bucket", start.isoformat(), end.isoformat()), *fields_identity(result, leave_out))


def focus_identity(row: Mapping, periods: Mapping[str, datetime]) -> tuple:
    """Identity of a FOCUS row: every column but the measures; period columns as parsed."""
    dims = {
        k: periods.get(k, v)
        for k, v in row.items()
        if k not in _FOCUS_MEASURES and not _MEASURE_NAME.search(str(k))
    }
    return fields_identity(dims)


def _describe(identity: tuple) -> str:
    parts = []
    for item in identity:
        if item and item[0] == "bucket":
            parts.append(f"bucket {item[1]}..{item[2]}")
        else:
            parts.append(f"{item[0]}={item[1]}")
    text = ", ".join(parts)
    return text if len(text) <= 300 else text[:297] + "..."


def _where(line: InvoiceLine) -> str:
    unit = "result" if line.source_format in _JSON_FORMATS else "line"
    return f"{line.source_file}: {unit} {line.source_line}"


def _conflict(first: InvoiceLine, line: InvoiceLine) -> str | None:
    if first.billed_cost != line.billed_cost:
        return f"{line.amount_field} {first.billed_cost} vs {line.billed_cost}"
    if first.currency != line.currency:
        return f"currency {first.currency} vs {line.currency}"
    if first.quantity != line.quantity:
        return f"{line.quantity_field} {first.quantity} vs {line.quantity}"
    return None


def count_once(lines: list[InvoiceLine]) -> tuple[list[InvoiceLine], list[Repeat]]:
    """The lines with every repeated vendor line kept once, and what was repeated where.

    Raises InvoiceError when a repeat differs in amount, currency or quantity.
    """
    files = sorted({ln.source_file for ln in lines}, key=lambda f: (len(f), f))
    rank = {f: i for i, f in enumerate(files)}
    seen: dict[tuple, InvoiceLine] = {}
    occurrences: Counter = Counter()
    dropped: set[int] = set()
    repeats: Counter = Counter()
    for line in sorted(lines, key=lambda ln: rank[ln.source_file]):
        if not line.identity:
            continue
        base = (
            line.source_format,
            line.invoice_id,
            line.billing_period_start,
            line.identity,
        )
        occurrences[(line.source_file, base)] += 1
        key = (*base, occurrences[(line.source_file, base)])
        first = seen.setdefault(key, line)
        if first is line:
            continue
        conflict = _conflict(first, line)
        if conflict:
            raise InvoiceError(
                f"{_where(line)} and {_where(first)} are the same vendor line "
                f"({_describe(line.identity)}) with different {conflict}. Keep only the latest "
                "download of that period (a vendor restates a period by a new download; a "
                "correction is its own line on a later invoice) and run again."
            )
        dropped.add(id(line))
        repeats[(first.source_file, line.source_file)] += 1
    kept = [ln for ln in lines if id(ln) not in dropped]
    return kept, [Repeat(k, r, n) for (k, r), n in sorted(repeats.items())]
