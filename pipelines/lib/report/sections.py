"""The report's sections: each reads its data (`queries`), draws (`charts`) and lays out (`html`).

A builder never lets one broken table take the page down: a missing table becomes a section that
says which table is not built yet, any other database error a section that says it could not be
read.

The builders live in `tenant_sections`, `finance_sections`, `budget_sections`,
`feature_sections` and `control_sections`; this module orders them and keeps every builder
importable from here.
"""

from __future__ import annotations

from collections.abc import Callable

import duckdb

from pipelines.lib.report import html as h
from pipelines.lib.report import queries
from pipelines.lib.report.budget_sections import budget_burndown
from pipelines.lib.report.control_sections import budgets, data_quality
from pipelines.lib.report.feature_sections import cache, scorecard, unit_costs
from pipelines.lib.report.finance_sections import billed_vs_logged, chargeback
from pipelines.lib.report.margin_sections import margin
from pipelines.lib.report.tenant_sections import concentration, tenants_over_time

__all__ = [
    "SECTIONS",
    "SECTION_TITLES",
    "Builder",
    "billed_vs_logged",
    "budget_burndown",
    "budgets",
    "build_all",
    "cache",
    "chargeback",
    "concentration",
    "data_quality",
    "margin",
    "scorecard",
    "tenants_over_time",
    "unit_costs",
]


Builder = Callable[[duckdb.DuckDBPyConnection], h.Section]
# (builder, anchor, title): the title is repeated so a failing builder still gets its heading.
SECTIONS: tuple[tuple[Builder, str, str], ...] = (
    (tenants_over_time, "tenants", "Cost per tenant over time"),
    (chargeback, "chargeback", "Chargeback per business unit and tenant"),
    (billed_vs_logged, "reconciliation", "Billed against logged"),
    (margin, "margin", "Margin per tenant"),
    (budget_burndown, "budgets", "Budget burn-down"),
    (unit_costs, "unit-costs", "Cost per unit of value per feature"),
    (cache, "cache", "Cache savings"),
    (scorecard, "scorecard", "Weekly scorecard"),
    (concentration, "top5", "Top-5 tenants' share"),
    (data_quality, "quality", "Unpriced and quarantined"),
)
SECTION_TITLES = tuple(title for _, _, title in SECTIONS)


def build_all(con: duckdb.DuckDBPyConnection) -> list[h.Section]:
    """Every section, in page order; a broken one says why instead of failing the page."""
    built = []
    for builder, anchor, title in SECTIONS:
        try:
            built.append(builder(con))
        except queries.MissingTable as missing:
            names = ", ".join(missing.names)
            built.append(
                h.Section(anchor, title, "", missing=f"Not available: table {names} is not in "
                          "the warehouse (not built yet by this run).")
            )  # fmt: skip
        except duckdb.Error as error:
            built.append(
                h.Section(anchor, title, "", missing=f"Could not be read: "
                          f"{type(error).__name__}: {str(error).splitlines()[0]}")
            )  # fmt: skip
    return built
