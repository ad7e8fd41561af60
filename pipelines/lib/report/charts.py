"""Inline SVG charts, written by hand: no plotting library, nothing fetched at view time.

Values arrive as Decimals (money) or numbers; they become floats only to place pixels. Every label
drawn on a chart is formatted by the caller, so display rounding happens in one place.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal
from html import escape

Number = int | float | Decimal
Formatter = Callable[[Number], str]

PALETTE = (
    "#2563eb",
    "#f59e0b",
    "#10b981",
    "#ef4444",
    "#8b5cf6",
    "#0ea5e9",
    "#ec4899",
    "#84cc16",
    "#94a3b8",
)
NEGATIVE = "#dc2626"
POSITIVE = "#16a34a"
AXIS = "#94a3b8"
GRID = "#e2e8f0"
TEXT = "#334155"
FONT = "font-family='Inter, Segoe UI, Helvetica, Arial, sans-serif'"


def _nice_step(span: float, ticks: int = 5) -> float:
    if span <= 0:
        return 1.0
    raw = span / ticks
    magnitude = 10 ** len(str(int(raw))) / 10 if raw >= 1 else _small_magnitude(raw)
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * magnitude:
            return factor * magnitude
    return 10 * magnitude


def _small_magnitude(raw: float) -> float:
    magnitude = 1.0
    while magnitude > raw:
        magnitude /= 10
    return magnitude


def _ticks(low: float, high: float) -> list[float]:
    step = _nice_step(high - low)
    start = (low // step) * step
    ticks, value = [], start
    while value <= high + step * 1e-9:
        ticks.append(round(value, 12))
        value += step
    if ticks[-1] < high:
        ticks.append(round(ticks[-1] + step, 12))
    return ticks


def _svg(width: int, height: int, body: list[str], title: str) -> str:
    return (
        f"<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 {width} {height}' "
        f"width='100%' style='max-width:{width}px' role='img' aria-label='{escape(title)}' "
        f"{FONT} font-size='12'><title>{escape(title)}</title>" + "".join(body) + "</svg>"
    )


def empty_chart(message: str, width: int = 640, height: int = 60) -> str:
    """A placeholder box that says why there is no chart."""
    return _svg(
        width,
        height,
        [
            f"<rect x='0.5' y='0.5' width='{width - 1}' height='{height - 1}' rx='6' "
            f"fill='#f8fafc' stroke='{GRID}'/>",
            f"<text x='{width / 2}' y='{height / 2 + 4}' text-anchor='middle' fill='{AXIS}'>"
            f"{escape(message)}</text>",
        ],
        message,
    )


def line_chart(
    series: dict[str, Sequence[tuple[date, Number]]],
    *,
    title: str,
    value_format: Formatter,
    width: int = 960,
    height: int = 320,
) -> str:
    """Lines over days, one per series, zero-based y axis; the legend is HTML under the chart
    (it wraps with the page instead of being clipped at the chart's edge)."""
    points = [(d, float(v)) for values in series.values() for d, v in values]
    if not points:
        return empty_chart("no data for this chart")
    days = sorted({d for d, _ in points})
    first, last = days[0], days[-1]
    span_days = max((last - first).days, 1)
    low = min(0.0, min(v for _, v in points))
    high = max(v for _, v in points)
    ticks = _ticks(low, high if high > low else low + 1)
    low, high = ticks[0], ticks[-1]
    left, right, top, bottom = 72, 24, 16, 36
    plot_w, plot_h = width - left - right, height - top - bottom

    def x(day: date) -> float:
        return left + plot_w * (day - first).days / span_days

    def y(value: float) -> float:
        return top + plot_h * (1 - (value - low) / (high - low))

    body: list[str] = []
    for tick in ticks:
        body.append(
            f"<line x1='{left}' x2='{left + plot_w}' y1='{y(tick):.1f}' y2='{y(tick):.1f}' "
            f"stroke='{GRID}'/>"
            f"<text x='{left - 8}' y='{y(tick) + 4:.1f}' text-anchor='end' fill='{TEXT}'>"
            f"{escape(value_format(tick))}</text>"
        )
    label_every = max(1, len(days) // 8)
    for i, day in enumerate(days):
        if i % label_every == 0 or day == last:
            if day == last and i % label_every != 0 and (last - days[i - 1]).days < 3:
                continue
            body.append(
                f"<text x='{x(day):.1f}' y='{height - 12}' text-anchor='middle' fill='{TEXT}'>"
                f"{day:%b %d}</text>"
            )
    body.append(
        f"<line x1='{left}' x2='{left}' y1='{top}' y2='{top + plot_h}' stroke='{AXIS}'/>"
        f"<line x1='{left}' x2='{left + plot_w}' y1='{y(0):.1f}' y2='{y(0):.1f}' "
        f"stroke='{AXIS}'/>"
    )
    for i, values in enumerate(series.values()):
        color = PALETTE[i % len(PALETTE)]
        ordered = sorted((d, float(v)) for d, v in values)
        path = " ".join(f"{x(d):.1f},{y(v):.1f}" for d, v in ordered)
        body.append(
            f"<polyline fill='none' stroke='{color}' stroke-width='2' "
            f"stroke-linejoin='round' points='{path}'/>"
        )
        if len(ordered) == 1:
            d, v = ordered[0]
            body.append(f"<circle cx='{x(d):.1f}' cy='{y(v):.1f}' r='3' fill='{color}'/>")
    return _svg(width, height, body, title) + legend(
        [(name, PALETTE[i % len(PALETTE)]) for i, name in enumerate(series)]
    )


def burndown_chart(
    points: Sequence[tuple[date, Number]],
    *,
    month: tuple[date, date],
    limit: Number | None,
    forecast: Number | None,
    title: str,
    value_format: Formatter,
    width: int = 380,
    height: int = 190,
) -> str:
    """A month's spend against its budget: month-to-date (solid), the forecast from the last
    day to the month's end (dashed) and the monthly limit (dashed red). `month` is its first and
    last day."""
    if not points:
        return empty_chart("no spend this month", width)
    first, last = month
    ordered = sorted((d, float(v)) for d, v in points)
    tops = [v for _, v in ordered] + [float(x) for x in (limit, forecast) if x is not None]
    ticks = _ticks(0.0, max(max(tops), 0.0) or 1.0)
    high = ticks[-1]
    left, right, top, bottom = 64, 12, 10, 28
    plot_w, plot_h = width - left - right, height - top - bottom
    span = max((last - first).days, 1)

    def x(day: date) -> float:
        return left + plot_w * (day - first).days / span

    def y(value: float) -> float:
        return top + plot_h * (1 - value / high)

    body = [
        f"<line x1='{left}' x2='{left + plot_w}' y1='{y(t):.1f}' y2='{y(t):.1f}' stroke='{GRID}'/>"
        f"<text x='{left - 6}' y='{y(t) + 4:.1f}' text-anchor='end' fill='{TEXT}'>"
        f"{escape(value_format(t))}</text>"
        for t in ticks
    ]
    for day in (first, last):
        anchor = "start" if day == first else "end"
        body.append(
            f"<text x='{x(day):.1f}' y='{height - 8}' text-anchor='{anchor}' fill='{TEXT}'>"
            f"{day:%b %d}</text>"
        )
    if limit is not None:
        body.append(
            f"<line x1='{left}' x2='{left + plot_w}' y1='{y(float(limit)):.1f}' "
            f"y2='{y(float(limit)):.1f}' stroke='{NEGATIVE}' stroke-width='1.5' "
            "stroke-dasharray='6 4'/>"
        )
    path = " ".join(f"{x(d):.1f},{y(v):.1f}" for d, v in ordered)
    body.append(f"<polyline fill='none' stroke='{PALETTE[0]}' stroke-width='2' points='{path}'/>")
    end_day, end_value = ordered[-1]
    if forecast is not None and end_day < last:
        body.append(
            f"<line x1='{x(end_day):.1f}' y1='{y(end_value):.1f}' x2='{x(last):.1f}' "
            f"y2='{y(float(forecast)):.1f}' stroke='{PALETTE[1]}' stroke-width='2' "
            "stroke-dasharray='5 4'/>"
        )
    body.append(
        f"<line x1='{left}' x2='{left}' y1='{top}' y2='{top + plot_h}' stroke='{AXIS}'/>"
        f"<line x1='{left}' x2='{left + plot_w}' y1='{y(0):.1f}' y2='{y(0):.1f}' "
        f"stroke='{AXIS}'/>"
    )
    return _svg(width, height, body, title)


def bar_chart(
    items: Sequence[tuple[str, Number]],
    *,
    title: str,
    value_format: Formatter,
    width: int = 760,
    bar_height: int = 22,
    highlight_negative: bool = True,
) -> str:
    """Horizontal bars, one per label; negative values extend left of zero in red."""
    if not items:
        return empty_chart("no data for this chart", width)
    values = [float(v) for _, v in items]
    low, high = min(0.0, *values), max(0.0, *values)
    if high == low:
        high = low + 1
    label_w, value_w, pad = 190, 110, 10
    plot_w = width - label_w - value_w - 2 * pad
    height = len(items) * (bar_height + 8) + 16
    scale = plot_w / (high - low)
    zero = label_w + pad + (0 - low) * scale
    body = [f"<line x1='{zero:.1f}' x2='{zero:.1f}' y1='4' y2='{height - 4}' stroke='{AXIS}'/>"]
    for i, ((label, raw), value) in enumerate(zip(items, values, strict=True)):
        top = 8 + i * (bar_height + 8)
        length = abs(value) * scale
        start = zero if value >= 0 else zero - length
        color = NEGATIVE if (value < 0 and highlight_negative) else PALETTE[0]
        body.append(
            f"<text x='{label_w}' y='{top + bar_height / 2 + 4:.1f}' text-anchor='end' "
            f"fill='{TEXT}'>{escape(_clip(label, 30))}</text>"
            f"<rect x='{start:.1f}' y='{top}' width='{max(length, 1):.1f}' "
            f"height='{bar_height}' rx='3' fill='{color}'/>"
        )
        text_x = max(zero, start + length) + 6 if value >= 0 else zero + 6
        body.append(
            f"<text x='{text_x:.1f}' y='{top + bar_height / 2 + 4:.1f}' "
            f"fill='{NEGATIVE if value < 0 else TEXT}'>{escape(value_format(raw))}</text>"
        )
    return _svg(width, height, body, title)


def column_chart(
    items: Sequence[tuple[str, Number]],
    *,
    title: str,
    value_format: Formatter,
    max_value: float | None = None,
    width: int = 760,
    height: int = 240,
) -> str:
    """Vertical columns (e.g. a share per month), value printed above each."""
    if not items:
        return empty_chart("no data for this chart", width)
    values = [float(v) for _, v in items]
    high = max_value if max_value is not None else max(max(values), 0) or 1.0
    left, top, bottom = 20, 24, 36
    plot_h = height - top - bottom
    slot = (width - 2 * left) / len(items)
    bar_w = min(80.0, slot * 0.6)
    body = [
        f"<line x1='{left}' x2='{width - left}' y1='{top + plot_h}' y2='{top + plot_h}' "
        f"stroke='{AXIS}'/>"
    ]
    for i, ((label, raw), value) in enumerate(zip(items, values, strict=True)):
        h = plot_h * max(value, 0) / high
        cx = left + slot * (i + 0.5)
        body.append(
            f"<rect x='{cx - bar_w / 2:.1f}' y='{top + plot_h - h:.1f}' width='{bar_w:.1f}' "
            f"height='{h:.1f}' rx='3' fill='{PALETTE[0]}'/>"
            f"<text x='{cx:.1f}' y='{top + plot_h - h - 6:.1f}' text-anchor='middle' "
            f"fill='{TEXT}' font-weight='600'>{escape(value_format(raw))}</text>"
            f"<text x='{cx:.1f}' y='{height - 12}' text-anchor='middle' fill='{TEXT}'>"
            f"{escape(_clip(label, 14))}</text>"
        )
    return _svg(width, height, body, title)


def share_bar(
    parts: Sequence[tuple[str, Number]], *, title: str, width: int = 760, height: int = 34
) -> str:
    """One 100% stacked bar (e.g. top-5 tenants and the rest), with an HTML legend under it."""
    total = sum(float(v) for _, v in parts if float(v) > 0)
    if total <= 0:
        return empty_chart("no spend to split", width)
    body, x = [], 0.0
    for i, (_label, value) in enumerate(parts):
        w = (width - 2) * max(float(value), 0) / total
        body.append(
            f"<rect x='{1 + x:.1f}' y='4' width='{w:.1f}' height='26' "
            f"fill='{PALETTE[i % len(PALETTE)]}'/>"
        )
        x += w
    return _svg(width, height, body, title) + legend(
        [
            (f"{label} {100 * max(float(value), 0) / total:.1f}%", PALETTE[i % len(PALETTE)])
            for i, (label, value) in enumerate(parts)
        ]
    )


def legend(entries: Sequence[tuple[str, str]], dashed: Sequence[bool] = ()) -> str:
    """An HTML legend (label, colour) under a chart: it wraps inside its card at any width, where
    text drawn inside an SVG would be scaled down or clipped at the viewBox edge."""
    styles = list(dashed) + [False] * (len(entries) - len(dashed))
    items = "".join(
        f"<li><span class='swatch{' dashed' if dash else ''}' style='--swatch:{color}'></span>"
        f"{escape(label)}</li>"
        for (label, color), dash in zip(entries, styles, strict=True)
    )
    return f"<ul class='legend'>{items}</ul>"


def _clip(text: str, size: int) -> str:
    return text if len(text) <= size else text[: size - 1] + "…"
