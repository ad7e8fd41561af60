"""Where an API-pulled invoice (OpenAI Costs pages, Anthropic cost_report pages) gets what the pages
do not say: the billing month comes from the folder `<vendor>/<YYYY-MM>/`, and an optional
`invoice.json` in that folder names the invoice:

    {"invoice_id": "INV-OAI-2026-09", "billing_account_id": "org-abc", "invoice_issuer": "OpenAI"}

Without it the InvoiceId is `<vendor>-<billing_account_id>-<YYYY-MM>` (one invoice per account and
month, as both vendors bill), with `billing_account_id` defaulting to the vendor name.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from pipelines.lib.invoices.lines import InvoiceError, parse_month

SIDECAR = "invoice.json"


@dataclass(frozen=True)
class InvoiceContext:
    """The invoice a page of API results belongs to."""

    invoice_id: str
    billing_account_id: str
    issuer: str
    billing_period_start: date
    billing_period_end: date

    @classmethod
    def for_month(
        cls, vendor: str, issuer: str, month: str, sidecar: dict | None = None
    ) -> InvoiceContext:
        """Context for `<vendor>/<month>/`, overridden by the sidecar's keys."""
        start, end = parse_month(month)
        sidecar = sidecar or {}
        account = str(sidecar.get("billing_account_id") or vendor)
        return cls(
            invoice_id=str(sidecar.get("invoice_id") or f"{vendor}-{account}-{month}"),
            billing_account_id=account,
            issuer=str(sidecar.get("invoice_issuer") or issuer),
            billing_period_start=start,
            billing_period_end=end,
        )

    @classmethod
    def for_file(cls, path: Path, vendor: str, issuer: str) -> InvoiceContext:
        """The context of a page file stored as `<vendor>/<YYYY-MM>/<page>.json`."""
        folder = path.parent
        sidecar_path = folder / SIDECAR
        sidecar = None
        if sidecar_path.exists():
            try:
                sidecar = json.loads(sidecar_path.read_text(encoding="utf-8"))
            except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as exc:
                raise InvoiceError(f"{sidecar_path}: not valid JSON ({exc})") from exc
            if not isinstance(sidecar, dict):
                raise InvoiceError(f"{sidecar_path}: expected a JSON object")
            for key in ("invoice_id", "billing_account_id", "invoice_issuer"):
                _check_header(sidecar, key, sidecar_path)
        try:
            return cls.for_month(vendor, issuer, folder.name, sidecar)
        except InvoiceError as exc:
            raise InvoiceError(
                f"{path}: pages must live in a `{vendor}/<YYYY-MM>/` folder ({exc})"
            ) from exc


def _check_header(sidecar: dict, key: str, path: Path) -> None:
    """A header field, when present, is a non-empty string (or a whole number, as some
    invoice numbers are): never NaN, a float, a boolean or an object."""
    value = sidecar.get(key)
    if value is None:
        return
    if isinstance(value, int) and not isinstance(value, bool):
        return
    if isinstance(value, str) and value.strip():
        return
    raise InvoiceError(f"{path}: $.{key}: expected a non-empty string, got {value!r}")
