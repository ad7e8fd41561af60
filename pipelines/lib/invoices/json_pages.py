"""Stored API pages (OpenAI Costs, Anthropic cost_report): one page or a JSON list of pages."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from pipelines.lib.invoices.lines import InvoiceError


def pages_of(path: Path, rel: str) -> list[tuple[str, object]]:
    """(JSON path prefix, page) of a stored page or JSON list of pages; numbers stay Decimal,
    and NaN / Infinity literals become Decimal too so the field that holds them is named."""
    try:
        doc = json.loads(
            path.read_text(encoding="utf-8"), parse_float=Decimal, parse_constant=Decimal
        )
    except json.JSONDecodeError as exc:
        raise InvoiceError(f"{rel}: not valid JSON (line {exc.lineno}: {exc.msg})") from exc
    except (UnicodeDecodeError, RecursionError) as exc:
        raise InvoiceError(f"{rel}: not a readable UTF-8 JSON file ({exc})") from exc
    if isinstance(doc, list):
        return [(f"[{i}].", page) for i, page in enumerate(doc)]
    return [("", doc)]
