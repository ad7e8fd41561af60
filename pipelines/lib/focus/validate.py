"""`costline validate FILE`: check a FOCUS 1.2 Cost and Usage CSV or Parquet file, any producer.

Every value is read exactly: CSV cells as strings parsed with Decimal, Parquet decimals as Decimal
(vendor doubles go through their shortest repr, never binary arithmetic). Row rules live in
`rules.py`; this module adds the column rules (x_ prefix, order, mandatory columns) and the dataset
rules (ServiceName -> one ServiceCategory, SkuPriceId -> one SkuId, BilledCost per InvoiceId).
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from pipelines.money import to_decimal
from schemas.focus.columns import COLUMN_NAMES, MANDATORY_COLUMNS
from schemas.focus.rules import check_row, parse_row, row_rule_ids

COLUMN_ID = re.compile(r"^[A-Za-z][A-Za-z0-9]{0,49}$")


@dataclass(frozen=True)
class Violation:
    """One failed rule: `row` is the 1-based data row, None for column and dataset rules."""

    rule: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = f"row {self.row}" if self.row is not None else "dataset"
        col = f", {self.column}" if self.column else ""
        return f"{where}{col}: {self.message} [{self.rule}]"


class UnreadableFile(Exception):
    """The file is missing, not CSV/Parquet, or cannot be parsed at all."""


def _csv_rows(path: Path) -> tuple[list[str], Iterator[dict[str, object]]]:
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
        reader = csv.reader(handle)
        header = next(reader)
    except (OSError, UnicodeDecodeError, StopIteration, csv.Error) as exc:
        raise UnreadableFile(f"{path}: {exc or 'empty file'}") from exc
    header = [h.strip() for h in header]

    def csv_rows() -> Iterator[dict[str, object]]:
        with handle:
            for n, cells in enumerate(reader, start=1):
                if len(cells) != len(header):
                    raise UnreadableFile(f"{path}: data row {n} has {len(cells)} cells")
                yield {h: (c if c != "" else None) for h, c in zip(header, cells, strict=True)}

    return header, csv_rows()


def _parquet_rows(path: Path) -> tuple[list[str], Iterator[dict[str, object]]]:
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
    except Exception as exc:
        raise UnreadableFile(f"{path}: {exc}") from exc
    header = list(parquet.schema_arrow.names)

    def parquet_rows() -> Iterator[dict[str, object]]:
        for batch in parquet.iter_batches(batch_size=10_000):
            yield from batch.to_pylist()

    return header, parquet_rows()


def read_rows(path: Path) -> tuple[list[str], Iterator[dict[str, object]]]:
    """Column names and an iterator of raw rows (CSV: str or None for an empty cell)."""
    if not path.is_file():
        raise UnreadableFile(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _csv_rows(path)
    if suffix == ".parquet":
        return _parquet_rows(path)
    raise UnreadableFile(f"{path}: only .csv and .parquet files are read")


def column_violations(header: list[str]) -> list[Violation]:
    """Custom columns carry `x_`, FOCUS columns come first, mandatory columns are there."""
    out: list[Violation] = []
    focus = set(COLUMN_NAMES)
    for name in header:
        if name not in focus and not name.startswith("x_"):
            msg = f"custom column {name!r} must start with x_"
            out.append(Violation("FOCUS-ColumnHandling-x-prefix", None, name, msg))
        elif name not in focus and not COLUMN_ID.match(name[2:]):
            msg = f"custom column {name!r} should be PascalCase alphanumeric"
            out.append(Violation("FOCUS-ColumnHandling-naming", None, name, msg))
    positions = [i for i, name in enumerate(header) if name in focus]
    custom = [i for i, name in enumerate(header) if name not in focus]
    if positions and custom and min(custom) < max(positions):
        msg = "FOCUS columns must come first, custom columns after (not interleaved)"
        out.append(Violation("FOCUS-ColumnHandling-order", None, header[min(custom)], msg))
    if len(header) != len(set(header)):
        dupes = sorted({h for h in header if header.count(h) > 1})
        out.append(Violation("FOCUS-ColumnHandling-unique", None, dupes[0], "duplicate column"))
    for name in MANDATORY_COLUMNS:
        if name not in header:
            msg = f"mandatory column {name} is missing"
            out.append(Violation("FOCUS-ColumnHandling-mandatory", None, name, msg))
    return out


def validate_file(path: Path, invoice_totals: dict[str, Decimal] | None = None) -> list[Violation]:
    """All violations of the file; raises UnreadableFile when it cannot be read."""
    return validate_with_report(path, invoice_totals)[0]


@dataclass
class _Dataset:
    """What the dataset rules need from the rows, gathered in one pass."""

    categories: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    skus: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    billed: dict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))

    def add(self, row: dict[str, object]) -> None:
        """Note the row's service, SKU and invoice amount."""
        name, cat = row.get("ServiceName"), row.get("ServiceCategory")
        if isinstance(name, str) and isinstance(cat, str):
            self.categories[name].add(cat)
        price_id, sku = row.get("SkuPriceId"), row.get("SkuId")
        if isinstance(price_id, str) and isinstance(sku, str):
            self.skus[price_id].add(sku)
        invoice, cost = row.get("InvoiceId"), row.get("BilledCost")
        if isinstance(invoice, str) and isinstance(cost, Decimal):
            self.billed[invoice] += cost

    def violations(self, invoice_totals: dict[str, Decimal] | None) -> list[Violation]:
        """The dataset rules' violations, the invoice totals' last."""
        out: list[Violation] = []
        for name, cats in sorted(self.categories.items()):
            if len(cats) > 1:
                listed = ", ".join(sorted(cats))
                msg = f"ServiceName {name!r} maps to {len(cats)} categories: {listed}"
                out.append(Violation("FOCUS-ServiceName-one-category", None, "ServiceName", msg))
        for price_id, ids in sorted(self.skus.items()):
            if len(ids) > 1:
                msg = f"SkuPriceId {price_id!r} has {len(ids)} SkuIds: {', '.join(sorted(ids))}"
                out.append(Violation("FOCUS-SkuPriceId-one-SkuId", None, "SkuPriceId", msg))
        for invoice, expected in sorted((invoice_totals or {}).items()):
            got = self.billed.get(invoice, Decimal(0))
            if got != expected:
                msg = f"sum of BilledCost for invoice {invoice!r} is {got}, invoice says {expected}"
                out.append(Violation("FOCUS-BilledCost-invoice-total", None, "BilledCost", msg))
        return out


def validate_with_report(
    path: Path, invoice_totals: dict[str, Decimal] | None = None
) -> tuple[list[Violation], dict[str, object]]:
    """Violations plus a report: rows read and Σ BilledCost per InvoiceId."""
    header, rows = read_rows(path)
    out = column_violations(header)
    dataset = _Dataset()
    n = 0
    for n, raw in enumerate(rows, start=1):
        row, findings = parse_row(raw)
        findings += check_row(row)
        out.extend(Violation(rule, n, col, msg) for rule, col, msg in findings)
        dataset.add(row)
    out += dataset.violations(invoice_totals)
    return out, {"rows": n, "billed_per_invoice": dict(sorted(dataset.billed.items()))}


def load_invoice_totals(path: Path) -> dict[str, Decimal]:
    """`{"INV-1": "123.45", ...}` (numbers or strings) as exact Decimals."""
    data = json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal, parse_int=Decimal)
    if not isinstance(data, dict):
        raise ValueError("invoice totals must be a JSON object {InvoiceId: total}")
    return {str(k): to_decimal(v) for k, v in data.items()}


COLUMN_RULE_IDS = (
    "FOCUS-ColumnHandling-x-prefix",
    "FOCUS-ColumnHandling-naming",
    "FOCUS-ColumnHandling-order",
    "FOCUS-ColumnHandling-unique",
    "FOCUS-ColumnHandling-mandatory",
)
DATASET_RULE_IDS = ("FOCUS-ServiceName-one-category", "FOCUS-SkuPriceId-one-SkuId")


def rule_ids(with_invoice_totals: bool = False) -> tuple[str, ...]:
    """Every rule a validation checks (the invoice-total rule only when totals are given)."""
    extra = ("FOCUS-BilledCost-invoice-total",) if with_invoice_totals else ()
    return (*COLUMN_RULE_IDS, *row_rule_ids(), *DATASET_RULE_IDS, *extra)


def main(argv: Sequence[str] | None = None) -> int:
    """Print the violations and a summary; 0 clean, 1 rule failures, 2 unreadable input."""
    parser = argparse.ArgumentParser(prog="costline validate", description=__doc__)
    parser.add_argument("file", type=Path)
    parser.add_argument("--invoice-totals", type=Path, help="JSON {InvoiceId: total}")
    parser.add_argument("--max-violations", type=int, default=200)
    args = parser.parse_args(argv)
    try:
        totals = load_invoice_totals(args.invoice_totals) if args.invoice_totals else None
        violations, report = validate_with_report(args.file, totals)
    except (UnreadableFile, OSError, ValueError) as exc:
        sys.stderr.write(f"cannot read: {exc}\n")
        return 2
    lines = [str(v) for v in violations[: args.max_violations]]
    if len(violations) > args.max_violations:
        lines.append(f"... {len(violations) - args.max_violations} more violations not shown")
    for invoice, total in report["billed_per_invoice"].items():  # type: ignore[union-attr]
        lines.append(f"invoice {invoice}: sum of BilledCost {total}")
    by_rule: dict[str, int] = defaultdict(int)
    for v in violations:
        by_rule[v.rule] += 1
    checked = len(rule_ids(with_invoice_totals=totals is not None))
    verdict = (
        f"{len(violations)} violations of {len(by_rule)} of them"
        if violations
        else "no violation - conforms"
    )
    lines.append(f"{args.file}: {report['rows']} rows, {checked} rules checked, {verdict}")
    lines.extend(f"  {rule}: {count}" for rule, count in sorted(by_rule.items()))
    sys.stdout.write("\n".join(lines) + "\n")
    return 1 if violations else 0


if __name__ == "__main__":
    sys.exit(main())
