"""Mart reference tables from `<input>/catalog/`: budgets, feature kinds and mart settings.

Errors name the file, line and field (`pipelines.lib.catalog.CatalogError`); values are never
echoed beyond identifiers.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from pathlib import Path

import polars as pl

from pipelines.lib.catalog import CatalogError, read_csv_strings
from pipelines.money import MONEY
from schemas.marts.dim_budgets import BUDGET_ACTIONS

BUDGET_COLUMNS = (
    "tenant_id",
    "feature",
    "monthly_limit",
    "daily_limit",
    "currency",
    "soft_threshold",
    "action",
)
DEFAULT_SOFT_THRESHOLD = Decimal("0.8")
DEFAULT_ACTION = "alert"
# A budget row whose feature is empty, `*` or `all` covers every feature of the tenant (NULL).
ALL_FEATURES = ("", "*", "all")
THRESHOLD_DTYPE = pl.Decimal(5, 4)

FEATURE_COLUMNS = ("feature", "kind")
# Documented kinds; other lower-case words are accepted and reported as they are. A feature
# with no row in catalog/features.csv (or no file) is `unclassified` in the marts.
FEATURE_KINDS = ("extractive", "generative", "agentic", "conversational")

SETTING_COLUMNS = ("key", "value")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_KIND = re.compile(r"^[a-z][a-z0-9_]*$")


def _decimal(path: Path, line: int, name: str, text: str | None) -> Decimal | None:
    if text is None or text == "":
        return None
    try:
        value = Decimal(text)
    except InvalidOperation as exc:
        raise CatalogError(f"{path}: line {line}, {name}: not a decimal number") from exc
    if not value.is_finite() or value < 0:
        raise CatalogError(f"{path}: line {line}, {name}: must be a number >= 0")
    return value


def load_budgets(path: Path) -> pl.DataFrame:
    """catalog/budgets.csv: one row per (tenant_id, feature or all); empty frame if absent."""
    schema = {
        "tenant_id": pl.String(),
        "feature": pl.String(),
        "monthly_limit": MONEY,
        "daily_limit": MONEY,
        "currency": pl.String(),
        "soft_threshold": THRESHOLD_DTYPE,
        "action": pl.String(),
        "source_line": pl.Int64(),
    }
    if not path.exists():
        return pl.DataFrame(schema=schema)
    df = read_csv_strings(path, BUDGET_COLUMNS)
    rows = []
    seen: dict[tuple[str, str | None], int] = {}
    for rec in df.iter_rows(named=True):
        line = int(rec["line"])
        tenant = rec["tenant_id"] or ""
        if not tenant:
            raise CatalogError(f"{path}: line {line}, tenant_id: empty tenant id")
        feature_text = rec["feature"] or ""
        feature = None if feature_text.lower() in ALL_FEATURES else feature_text
        monthly = _decimal(path, line, "monthly_limit", rec["monthly_limit"])
        daily = _decimal(path, line, "daily_limit", rec["daily_limit"])
        if monthly is None and daily is None:
            raise CatalogError(f"{path}: line {line}, monthly_limit: no monthly or daily limit")
        currency = (rec["currency"] or "USD").upper()
        if not _CURRENCY.match(currency):
            raise CatalogError(f"{path}: line {line}, currency: not an ISO 4217 code")
        soft = _decimal(path, line, "soft_threshold", rec["soft_threshold"])
        soft = DEFAULT_SOFT_THRESHOLD if soft is None else soft
        if soft <= 0 or soft > 1:
            raise CatalogError(f"{path}: line {line}, soft_threshold: must be in (0, 1]")
        action = (rec["action"] or DEFAULT_ACTION).lower()
        if action not in BUDGET_ACTIONS:
            raise CatalogError(
                f"{path}: line {line}, action: must be one of {', '.join(BUDGET_ACTIONS)}"
            )
        key = (tenant, feature)
        if key in seen:
            raise CatalogError(
                f"{path}: line {line}, feature: duplicate budget for tenant {tenant!r} and "
                f"feature {feature or 'all'!r} (first on line {seen[key]})"
            )
        seen[key] = line
        rows.append(
            {
                "tenant_id": tenant,
                "feature": feature,
                "monthly_limit": monthly,
                "daily_limit": daily,
                "currency": currency,
                "soft_threshold": soft,
                "action": action,
                "source_line": line,
            }
        )
    return pl.DataFrame(rows, schema=schema, orient="row") if rows else pl.DataFrame(schema=schema)


def load_features(path: Path) -> tuple[pl.DataFrame, bool]:
    """catalog/features.csv (feature, kind); (frame, True), or an empty frame and False when
    the file is absent (every feature is then `unclassified`: the product knows no feature)."""
    schema = {"feature": pl.String(), "kind": pl.String(), "source": pl.String()}
    if not path.exists():
        return pl.DataFrame(schema=schema), False
    df = read_csv_strings(path, FEATURE_COLUMNS)
    rows = []
    seen: dict[str, int] = {}
    for rec in df.iter_rows(named=True):
        line = int(rec["line"])
        feature = rec["feature"] or ""
        if not feature:
            raise CatalogError(f"{path}: line {line}, feature: empty feature name")
        kind = (rec["kind"] or "").lower()
        if not _KIND.match(kind):
            raise CatalogError(f"{path}: line {line}, kind: empty or not a lower-case word")
        if feature in seen:
            raise CatalogError(
                f"{path}: line {line}, feature: duplicate feature {feature!r} "
                f"(first on line {seen[feature]})"
            )
        seen[feature] = line
        rows.append(
            {"feature": feature, "kind": kind, "source": f"catalog/features.csv line {line}"}
        )
    frame = pl.DataFrame(rows, schema=schema, orient="row") if rows else pl.DataFrame(schema=schema)
    return frame, True


def load_settings(path: Path) -> pl.DataFrame | None:
    """catalog/settings.csv (key, value) or None when absent."""
    if not path.exists():
        return None
    df = read_csv_strings(path, SETTING_COLUMNS)
    seen: set[str] = set()
    for rec in df.iter_rows(named=True):
        key = rec["key"] or ""
        if not key:
            raise CatalogError(f"{path}: line {rec['line']}, key: empty key")
        if key in seen:
            raise CatalogError(f"{path}: line {rec['line']}, key: duplicate key {key!r}")
        seen.add(key)
    return df.select("key", "value")
