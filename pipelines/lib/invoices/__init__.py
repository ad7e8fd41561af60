"""Vendor invoices: parsers for each format and the normalised invoice-line frame.

`read_invoices(input_dir, known_models)` is the entry point; the line shape is
`lines.INVOICE_LINE_COLUMNS` (documented in docs/invoices.md).
"""

from pipelines.lib.invoices.lines import INVOICE_LINE_COLUMNS, InvoiceError
from pipelines.lib.invoices.normalise import InvoiceBatch, invoice_totals, read_invoices

__all__ = [
    "INVOICE_LINE_COLUMNS",
    "InvoiceBatch",
    "InvoiceError",
    "invoice_totals",
    "read_invoices",
]
