"""What the sample-invoice writers share: exact-decimal JSON and the vendors' rounding."""

from __future__ import annotations

import json
import re
from decimal import Decimal

from pipelines.money import round_cents

MILLION = Decimal("0.000001")


def quantize(value: Decimal, places: str) -> Decimal:
    """Round half to even to `places` (a quantum such as "0.01" or "1e-12")."""
    return round_cents(value, Decimal(places))


def exact_json(doc: object) -> str:
    """JSON with Decimals written as exact numbers (what the vendors send)."""
    text = json.dumps(doc, indent=1, default=lambda d: f"@@{d}@@")
    return re.sub(r'"@@(-?[0-9.E+-]+)@@"', r"\1", text) + "\n"
