"""The report in a real headless Chromium: a non-blank screenshot, every heading in the DOM, and
at 1400 and 800 px wide no horizontal overflow and every legend entry visible inside its card."""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
import tempfile
import zlib
from pathlib import Path

import pytest

from pipelines.cli.report import write_report
from pipelines.lib.report import sections

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "screenshot_report.sh"
INSTALL = "apt-get update && apt-get install -y chromium"
WIDTH, HEIGHT = 1400, 2400


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        pytest.fail(f"chromium is not installed: run `{INSTALL}` (as root) and re-run the tests")
    return found


def _png_chunks(data: bytes) -> tuple[int, int, int, bytes]:
    """Width, height, channels and the joined IDAT data of an 8-bit RGB/RGBA PNG."""
    pos, idat, width, height, channels = 8, b"", 0, 0, 4
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and colour in (2, 6), (depth, colour)
            channels = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    return width, height, channels, idat


def _unfilter(kind: int, line: bytearray, previous: bytearray, channels: int) -> None:
    """Undo the PNG filter of one scanline in place."""
    for i in range(len(line)):
        left = line[i - channels] if i >= channels else 0
        up, corner = previous[i], previous[i - channels] if i >= channels else 0
        if kind == 1:
            line[i] = (line[i] + left) & 0xFF
        elif kind == 2:
            line[i] = (line[i] + up) & 0xFF
        elif kind == 3:
            line[i] = (line[i] + (left + up) // 2) & 0xFF
        elif kind == 4:
            p = left + up - corner
            pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
            pred = left if pa <= pb and pa <= pc else up if pb <= pc else corner
            line[i] = (line[i] + pred) & 0xFF


def _png_colours(path: Path) -> tuple[int, int, set[bytes]]:
    """Width, height and the distinct pixel colours of an 8-bit RGB/RGBA PNG (decoded here)."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    width, height, channels, idat = _png_chunks(data)
    raw, stride = zlib.decompress(idat), width * channels
    previous, colours = bytearray(stride), set()
    for y in range(height):
        kind, line = (
            raw[y * (stride + 1)],
            bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)]),
        )
        _unfilter(kind, line, previous, channels)
        if y % 8 == 0:
            colours.update(bytes(line[i : i + 3]) for i in range(0, stride, channels * 4))
        previous = line
    return width, height, colours


def test_screenshot_is_a_non_blank_png_of_the_window_size(full_warehouse: Path, tmp_path: Path):
    _chromium()
    page = write_report(full_warehouse, tmp_path)
    png = tmp_path / "report.png"
    done = subprocess.run(
        ["bash", str(SCRIPT), str(page), str(png), f"{WIDTH}x{HEIGHT}"],
        capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    width, height, colours = _png_colours(png)
    assert (width, height) == (WIDTH, HEIGHT)
    # a blank page has one colour; the report has a dark header, white cards, chart colours, text
    assert len(colours) > 40, len(colours)
    assert bytes((15, 23, 42)) in colours  # the header background #0f172a
    assert bytes((37, 99, 235)) in colours  # the chart blue #2563eb


def test_dom_dump_has_every_section_heading(full_warehouse: Path, tmp_path: Path) -> None:
    browser = _chromium()
    page = write_report(full_warehouse, tmp_path)
    with tempfile.TemporaryDirectory() as profile:
        done = subprocess.run(
            [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
             "--no-first-run", "--disable-background-networking", "--disable-component-update",
             "--disable-sync", f"--user-data-dir={profile}", "--dump-dom", f"file://{page}"],
            capture_output=True, text=True, timeout=180, check=False,
        )  # fmt: skip
    assert done.returncode == 0, done.stderr
    dom = done.stdout
    assert "<h1>costline report</h1>" in dom
    for title in sections.SECTION_TITLES:
        assert f"<h2>{title.replace('&', '&amp;')}</h2>" in dom, title
    assert dom.count("<svg") >= 5


@pytest.mark.parametrize("width", [1400, 800])
def test_layout_fits_the_window_and_every_legend_entry_is_visible(
    full_warehouse: Path, tmp_path: Path, layout_probe, width: int
) -> None:
    _chromium()
    page = write_report(full_warehouse, tmp_path)
    html = page.read_text(encoding="utf-8")
    measured = layout_probe.measure(page, width)
    assert measured["innerWidth"] == width
    assert measured["scrollWidth"] <= measured["innerWidth"]  # no horizontal page scroll
    assert measured["outside"] == []  # no element wider than (or outside) its card
    assert measured["scrollers"] == []  # no table or chart scrolls sideways inside its card
    assert measured["clippedText"] == []  # no chart label cut at its SVG's edge
    entries = sum(
        block.count("<li>") for block in re.findall(r"<ul class='legend'>(.*?)</ul>", html)
    )
    assert entries >= 16  # tenant lines (7), top-5 split (6), budget burn-down (3)
    assert len(measured["legends"]) == entries
    hidden = [e for e in measured["legends"] if not e["visible"]]
    assert hidden == []


def test_layout_probe_reports_overflow_and_hidden_legends(tmp_path: Path, layout_probe) -> None:
    _chromium()
    page = tmp_path / "broken.html"
    page.write_text(
        "<!DOCTYPE html><html><body style='margin:0'><section id='s' style='width:300px'>"
        "<div class='table-wrap' style='overflow-x:auto'><table><tr><td style='white-space:"
        "nowrap'>" + "wide " * 80 + "</td></tr></table></div>"
        "<ul class='legend'><li>shown</li><li style='margin-left:900px'>pushed out</li></ul>"
        "<svg viewBox='0 0 100 20' width='100'><text x='90' y='15'>clipped label</text></svg>"
        "</section></body></html>",
        encoding="utf-8",
    )
    measured = layout_probe.measure(page, 800)
    assert any(o["element"] == "table" for o in measured["outside"])
    assert measured["scrollers"][0]["element"] == "div.table-wrap"
    visible = {e["text"]: e["visible"] for e in measured["legends"]}
    assert visible == {"shown": True, "pushed out": False}
    assert [t["text"] for t in measured["clippedText"]] == ["clipped label"]
