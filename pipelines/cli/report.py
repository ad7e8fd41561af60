"""`costline report`: a static, self-contained HTML report of the published warehouse.

The warehouse is opened read-only (a run may publish a new one meanwhile: the report keeps reading
the file it opened). The page has inline SVG charts and its own CSS: it needs no network to view.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from pipelines.lib import warehouse
from pipelines.lib.report import finance_queries, queries, sections
from pipelines.lib.report import html as h

TITLE = "costline report"


def report_path(output_dir: Path) -> Path:
    """Where `costline report --output DIR` writes: `<output>/report/index.html`."""
    return output_dir / "report" / "index.html"


def _header(con, warehouse_path: Path, generated: datetime) -> tuple[str, list[str]]:
    published = datetime.fromtimestamp(warehouse_path.stat().st_mtime, UTC)
    stamp = f"generated at {generated:%Y-%m-%d %H:%M} UTC"
    stamp += f" · warehouse published {published:%Y-%m-%d %H:%M} UTC"
    try:
        o = queries.overview(con)
    except queries.MissingTable:
        return f"No cost lines in the warehouse (fct_cost_lines missing) · {stamp}", []
    if o.first_day is None:
        return f"The warehouse holds no request yet · {stamp}", []
    days = (o.last_day - o.first_day).days + 1
    fresh = f"Data window {o.first_day:%Y-%m-%d} to {o.last_day:%Y-%m-%d} ({days} days, UTC)"
    if o.prod_last_day is not None:
        fresh += f" · production up to {o.prod_last_day:%Y-%m-%d}"
    fresh += f" · {stamp}"
    cards = _invoiced_cards(con)
    for r in o.spend.head(2).iter_rows(named=True):
        cards.append(
            h.card(
                f"Prod spend, log estimate ({r['currency']})",
                h.money(r["contracted_cost"], r["currency"]),
                f"estimate: logged tokens x contracted prices, whole window; "
                f"list {h.money(r['list_cost'], r['currency'])}",
            )
        )
    if o.spend.is_empty():
        cards.append(h.card("Prod spend, log estimate", h.DASH, "no priced request"))
    cards += [
        h.card("Prod requests", h.count(o.prod_requests)),
        h.card("Tenants · features", f"{o.prod_tenants:,} · {o.prod_features:,}", "production"),
        h.card(
            "Unpriced requests",
            h.count(o.prod_unpriced),
            "production, never costed at 0",
            "bad" if o.prod_unpriced else "",
        ),
        h.card(
            "Quarantined rows",
            h.DASH if o.quarantined is None else h.count(o.quarantined),
            "all environments" if o.quarantined is not None else "table missing",
            "warn" if o.quarantined else "",
        ),
    ]
    return fresh, cards


def _invoiced_cards(con) -> list[str]:
    """Production spend as invoiced (allocated) for the final months, per invoice currency, and
    what is still provisional (a log estimate until the invoice arrives)."""
    try:
        invoiced = finance_queries.invoiced_prod_spend(con)
    except queries.MissingTable:
        return []
    cards = []
    for status, label, detail in (
        ("final", "invoiced", "allocated invoices, final months {months}"),
        ("provisional", "provisional", "log estimate until the invoice arrives: {months}"),
    ):
        for r in invoiced.filter(pl.col("status") == status).head(2).iter_rows(named=True):
            cards.append(
                h.card(
                    f"Prod spend, {label} ({r['currency']})",
                    h.money(r["allocated_cost"], r["currency"]),
                    detail.format(months=r["months"])
                    + ("; unpriced usage not included" if r["unknown_rows"] else ""),
                    "" if status == "final" else "warn",
                )
            )
    return cards


def render_report(warehouse_path: Path, generated: datetime | None = None) -> str:
    """The report's HTML for the warehouse at `warehouse_path` (opened read-only)."""
    generated = generated or datetime.now(UTC)
    with warehouse.connect(warehouse_path, read_only=True) as con:
        freshness, cards = _header(con, warehouse_path, generated)
        built = sections.build_all(con)
    footer = (
        f"costline · {warehouse_path.name} · production view (environment = 'prod') · "
        "amounts are exact sums rounded for display only"
    )
    return h.page(TITLE, freshness, cards, built, footer)


def write_report(warehouse_path: Path, out_path: Path) -> Path:
    """Write the report of `warehouse_path` and return the HTML file written.

    `out_path` is the HTML file when it ends in `.html`; otherwise it is the output folder and the
    page goes to `<out_path>/report/index.html` (what `costline report --output DIR` does).
    """
    if not warehouse_path.exists():
        raise FileNotFoundError(f"no warehouse at {warehouse_path}: run `costline run` first")
    target = out_path if out_path.suffix == ".html" else report_path(out_path)
    document = render_report(warehouse_path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_text(document, encoding="utf-8")
    tmp.replace(target)
    return target
