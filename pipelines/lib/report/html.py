"""Page primitives of the report: formatting (display rounding only), tables, cards, the page.

Everything is escaped here; the page carries its own small CSS and no external reference.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from html import escape

DASH = "–"


MAX_PLACES = 8


def money(value: object, currency: str | None = None, places: int = 2) -> str:
    """A money amount rounded for display only (half-even), thousands separated. A non-zero
    amount that would read as 0.00 gets the places it needs for two significant digits (up to
    eight): a small cost is never shown as nothing."""
    if value is None:
        return DASH
    amount = value if isinstance(value, Decimal) else Decimal(str(value))
    step = Decimal(1).scaleb(-places)
    if amount and not amount.quantize(step, rounding=ROUND_HALF_EVEN):
        places = min(MAX_PLACES, max(places, 1 - amount.adjusted()))
        step = Decimal(1).scaleb(-places)
    rounded = amount.quantize(step, rounding=ROUND_HALF_EVEN)
    if amount and not rounded:  # below the last place shown
        text = f"{'-' if amount < 0 else ''}< {step:f}"
    else:
        text = f"{rounded:,f}"
        if text.startswith("-") and set(text) <= set("-0.,"):
            text = text[1:]  # no "-0.00"
    return f"{text} {currency}" if currency else text


def unit_money(value: object, currency: str | None = None) -> str:
    """Small amounts (a unit cost): four decimals under 1, else two."""
    if value is None:
        return DASH
    amount = value if isinstance(value, Decimal) else Decimal(str(value))
    return money(amount, currency, 4 if abs(amount) < 1 else 2)


def count(value: object) -> str:
    """An integer count with thousands separators."""
    return DASH if value is None else f"{int(value):,}"  # type: ignore[call-overload]


def percent(value: object, places: int = 1) -> str:
    """A ratio 0..1 shown as a percentage."""
    return DASH if value is None else f"{float(value) * 100:.{places}f}%"  # type: ignore[arg-type]


def pct_value(value: object, places: int = 1) -> str:
    """A value that is already a percentage (e.g. 87.5)."""
    return DASH if value is None else f"{float(value):.{places}f}%"  # type: ignore[arg-type]


def signed(value: object, suffix: str = "", places: int = 1) -> str:
    """A change with its sign (+3.2%, -1.0 pts)."""
    return DASH if value is None else f"{float(value):+.{places}f}{suffix}"  # type: ignore[arg-type]


def day(value: date | datetime | None) -> str:
    """ISO day."""
    return DASH if value is None else f"{value:%Y-%m-%d}"


def when(value: date | datetime | str | None) -> Cell:
    """A day or month cell that never wraps at its hyphens."""
    text = value if isinstance(value, str) else day(value)
    return Cell(text, css="nowrap")


def single_currency(currencies: Sequence[str | None]) -> str | None:
    """The one currency of a table's amounts (then headers name it and cells stay bare), or None
    when there are several or none."""
    found = {c for c in currencies if c}
    return found.pop() if len(found) == 1 else None


@dataclass(frozen=True)
class Cell:
    """One table cell: text (escaped), alignment and an optional CSS class."""

    text: str
    numeric: bool = False
    css: str = ""
    raw_html: bool = False

    def render(self, tag: str = "td") -> str:
        """The cell as HTML (`td` or `th`)."""
        classes = " ".join(c for c in ("num" if self.numeric else "", self.css) if c)
        attr = f" class='{classes}'" if classes else ""
        body = self.text if self.raw_html else escape(self.text)
        return f"<{tag}{attr}>{body}</{tag}>"


def num(text: str, css: str = "") -> Cell:
    """A right-aligned cell (money, counts, rates)."""
    return Cell(text, numeric=True, css=css)


def badge(text: str, tone: str) -> Cell:
    """A coloured status pill (tone: ok, warn, bad, muted)."""
    return Cell(f"<span class='badge {tone}'>{escape(text)}</span>", raw_html=True)


def table(
    headers: Sequence[str | Cell],
    rows: Sequence[Sequence[str | Cell]],
    caption: str = "",
    row_classes: Sequence[str] = (),
) -> str:
    """An HTML table; plain strings are left-aligned text cells; `row_classes[i]` styles row i
    (e.g. `flag`)."""
    if not rows:
        return note("No rows.")

    def cell(value: str | Cell) -> Cell:
        return value if isinstance(value, Cell) else Cell(str(value))

    head = "".join(cell(h).render("th") for h in headers)
    classes = list(row_classes) + [""] * (len(rows) - len(row_classes))
    body = "".join(
        (f"<tr class='{escape(css)}'>" if css else "<tr>")
        + "".join(cell(v).render() for v in row)
        + "</tr>"
        for row, css in zip(rows, classes, strict=True)
    )
    cap = f"<caption>{escape(caption)}</caption>" if caption else ""
    return (
        f"<div class='table-wrap'><table>{cap}<thead><tr>{head}</tr></thead>"
        f"<tbody>{body}</tbody></table></div>"
    )


def ident(text: str) -> Cell:
    """An identifier (feature, provider): whole on a wide page; under 900 px it may break after
    an underscore, never elsewhere."""
    return Cell(escape(text).replace("_", "_<wbr>"), css="ident", raw_html=True)


def wrap(text: str) -> Cell:
    """A long free-text cell (a reason, a list of ids) that may break anywhere."""
    return Cell(text, css="wrap")


def note(text: str, tone: str = "") -> str:
    """A short paragraph (tone: '', warn)."""
    return f"<p class='note {tone}'>{escape(text)}</p>"


def figure(svg: str, caption: str = "") -> str:
    """An inline SVG chart with an optional caption."""
    cap = f"<figcaption>{escape(caption)}</figcaption>" if caption else ""
    return f"<figure>{svg}{cap}</figure>"


def card(label: str, value: str, detail: str = "", tone: str = "") -> str:
    """A header total."""
    extra = f"<div class='card-detail'>{escape(detail)}</div>" if detail else ""
    return (
        f"<div class='card {tone}'><div class='card-label'>{escape(label)}</div>"
        f"<div class='card-value'>{escape(value)}</div>{extra}</div>"
    )


@dataclass
class Section:
    """One report section: a heading, a one-line explanation and its HTML body."""

    anchor: str
    title: str
    intro: str
    body: list[str] = field(default_factory=list)
    missing: str | None = None  # set when the section could not be built

    def render(self) -> str:
        """The section as HTML."""
        content = (
            f"<div class='missing'>{escape(self.missing)}</div>"
            if self.missing
            else "".join(self.body)
        )
        return (
            f"<section id='{escape(self.anchor)}'><h2>{escape(self.title)}</h2>"
            f"<p class='intro'>{escape(self.intro)}</p>{content}</section>"
        )


CSS = """
:root { --ink:#0f172a; --muted:#64748b; --line:#e2e8f0; --bg:#f8fafc; --accent:#2563eb;
  --bad:#dc2626; --warn:#d97706; --ok:#16a34a; }
* { box-sizing: border-box; }
body { margin:0; background:var(--bg); color:var(--ink);
  font: 14px/1.5 Inter, "Segoe UI", Helvetica, Arial, sans-serif; }
header { background:#0f172a; color:#f8fafc; padding:28px 40px 24px; }
header h1 { margin:0 0 4px; font-size:24px; font-weight:650; letter-spacing:-0.01em; }
header .fresh { color:#cbd5e1; font-size:13px; margin:0 0 18px; }
nav { display:flex; flex-wrap:wrap; gap:6px 16px; margin-top:14px; font-size:13px; }
nav a { color:#93c5fd; text-decoration:none; }
.cards { display:grid; grid-template-columns:repeat(auto-fill, minmax(190px, 1fr)); gap:12px; }
.card { background:#1e293b; border-radius:10px; padding:12px 14px; }
.card-label { color:#94a3b8; font-size:12px; text-transform:uppercase; letter-spacing:.04em; }
.card-value { font-size:20px; font-weight:650; font-variant-numeric: tabular-nums; }
.card-detail { color:#94a3b8; font-size:12px; }
.card.warn .card-value { color:#fbbf24; } .card.bad .card-value { color:#f87171; }
main { max-width:1240px; margin:0 auto; padding:8px 40px 48px; }
section { background:#fff; border:1px solid var(--line); border-radius:12px;
  padding:20px 24px; margin:20px 0; }
h2 { font-size:18px; margin:0 0 2px; font-weight:650; }
h3 { font-size:14px; margin:18px 0 6px; color:#334155; }
.intro { color:var(--muted); margin:0 0 14px; font-size:13px; }
figure { margin:8px 0 16px; } figcaption { color:var(--muted); font-size:12px; }
.table-wrap { overflow-x:auto; }
table { border-collapse:collapse; width:100%; font-size:13px; }
caption { text-align:left; color:var(--muted); font-size:12px; padding-bottom:4px; }
th { text-align:left; font-weight:600; color:#475569; border-bottom:2px solid var(--line);
  padding:6px 10px; background:#f8fafc; vertical-align:bottom; }
td { border-bottom:1px solid var(--line); padding:5px 10px; overflow-wrap:break-word; }
/* long free text (invoice lists, reasons, model ids) may break anywhere rather than widen the
   table past its card; identifiers elsewhere stay whole */
td.wrap, td.muted { overflow-wrap:anywhere; }
tbody tr:hover { background:#f1f5f9; }
/* an amount may wrap before its currency code, never inside the number */
.num { text-align:right; font-variant-numeric: tabular-nums; overflow-wrap:normal; }
.neg { color:var(--bad); } .flag td { background:#fef2f2; }
.nowrap { white-space:nowrap; overflow-wrap:normal; }
.muted { color:var(--muted); font-size:12px; }
.badge { white-space:nowrap; display:inline-block; padding:1px 8px; border-radius:999px;
  font-size:12px;
  font-weight:600; }
.badge.ok { background:#dcfce7; color:#166534; }
.badge.warn { background:#fef3c7; color:#92400e; }
.badge.bad { background:#fee2e2; color:#991b1b; }
.badge.muted { background:#f1f5f9; color:#475569; }
.note { color:var(--muted); font-size:13px; } .note.warn { color:var(--warn); }
.missing { background:#f8fafc; border:1px dashed #cbd5e1; border-radius:8px; padding:14px;
  color:var(--muted); }
.split { display:grid; gap:24px;
  grid-template-columns: repeat(auto-fit, minmax(min(420px, 100%), 1fr)); }
.split > div { min-width:0; }
.subtotal td { font-weight:600; background:#f8fafc; }
.legend { display:flex; flex-wrap:wrap; gap:4px 18px; list-style:none; margin:6px 0 0;
  padding:0; font-size:12px; color:#334155; }
.legend li { display:flex; align-items:center; gap:6px; min-width:0; overflow-wrap:anywhere; }
.swatch { flex:none; width:12px; height:12px; border-radius:2px; background:var(--swatch); }
.swatch.dashed { width:18px; height:0; border-radius:0; background:none;
  border-top:3px dashed var(--swatch); }
.burndown { display:grid; grid-template-columns: repeat(auto-fill, minmax(min(280px, 100%), 1fr));
  gap:12px 20px; }
.burndown figure { margin:0; min-width:0; }
.burndown h4 { margin:0 0 2px; font-size:13px; overflow-wrap:anywhere; }
@media (min-width: 901px) { td.ident wbr { display:none; } }  /* whole when there is room */
@media (max-width: 900px) {
  header { padding:20px 16px 16px; }
  main { padding:4px 12px 32px; }
  section { padding:14px 12px; margin:14px 0; }
  table { font-size:12px; }
  th, td { padding:4px 5px; }
  th { font-size:11px; }
}
footer { color:var(--muted); font-size:12px; text-align:center; padding:12px 0 32px; }
"""


def page(
    title: str, freshness: str, cards: Sequence[str], sections: Sequence[Section], footer: str
) -> str:
    """The whole self-contained document."""
    nav = "".join(f"<a href='#{escape(s.anchor)}'>{escape(s.title)}</a>" for s in sections)
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body>"
        f"<header><h1>{escape(title)}</h1><p class='fresh'>{escape(freshness)}</p>"
        f"<div class='cards'>{''.join(cards)}</div><nav>{nav}</nav></header>"
        f"<main>{''.join(s.render() for s in sections)}</main>"
        f"<footer>{escape(footer)}</footer></body></html>"
    )
