"""Dated exchange rates (`catalog/fx.csv`: `date, from_currency, to_currency, rate`).

`rate(day, from, to)` is the latest rate dated on or before `day` for the pair, else 1 / the latest
rate of the reverse pair (Decimal division in Python, never in SQL), else None.
"""

from __future__ import annotations

import bisect
import csv
from collections.abc import Iterable
from datetime import date
from decimal import Decimal, InvalidOperation, localcontext
from pathlib import Path


class FxError(ValueError):
    """fx.csv is malformed; the message names the line and field."""


class FxRates:
    """Dated rates per currency pair."""

    def __init__(self, rows: Iterable[tuple[date, str, str, Decimal]] = ()):
        self._pairs: dict[tuple[str, str], list[tuple[date, Decimal]]] = {}
        for day, source, target, rate in rows:
            self._pairs.setdefault((source.upper(), target.upper()), []).append((day, rate))
        for values in self._pairs.values():
            values.sort()

    @classmethod
    def from_csv(cls, path: Path) -> FxRates:
        """Read fx.csv; an absent file means no rates."""
        if not path.exists():
            return cls()
        rows = []
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            need = {"date", "from_currency", "to_currency", "rate"}
            if not need <= {(f or "").strip() for f in reader.fieldnames or []}:
                raise FxError(f"{path}: line 1: expected columns {', '.join(sorted(need))}")
            for record in reader:
                row = {(k or "").strip(): (v or "").strip() for k, v in record.items()}
                where = f"{path}: line {reader.line_num}"
                try:
                    day = date.fromisoformat(row["date"])
                except ValueError as exc:
                    raise FxError(f"{where}, date: not YYYY-MM-DD") from exc
                try:
                    rate = Decimal(row["rate"])
                except InvalidOperation as exc:
                    raise FxError(f"{where}, rate: not a decimal") from exc
                if rate <= 0:
                    raise FxError(f"{where}, rate: must be positive")
                rows.append((day, row["from_currency"], row["to_currency"], rate))
        return cls(rows)

    def _latest(self, pair: tuple[str, str], day: date) -> tuple[date, Decimal] | None:
        values = self._pairs.get(pair)
        if not values:
            return None
        i = bisect.bisect_right(values, (day, Decimal("Infinity")))
        return values[i - 1] if i else None

    def rate(self, day: date, source: str, target: str) -> Decimal | None:
        """Units of `target` per unit of `source` on `day`."""
        source, target = source.upper(), target.upper()
        if source == target:
            return Decimal(1)
        direct = self._latest((source, target), day)
        if direct:
            return direct[1]
        reverse = self._latest((target, source), day)
        if reverse:
            with localcontext() as ctx:
                ctx.prec = 40
                return Decimal(1) / reverse[1]
        return None
