"""Measure a report page's layout in a real headless Chromium at a given window width.

The report itself has no script. The probe copies the page, appends one inline script that
measures the laid-out page (bounding boxes) and writes the result as JSON into the DOM, and reads
it back with Chromium's `--dump-dom`. Run by hand: `python tests/test_report/layout_probe.py
PAGE.html 800`.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--hide-scrollbars",
)  # fmt: skip

# Containers are the section cards and the header's total cards. For each: every descendant box
# outside the container, every table wrapper or figure that scrolls sideways; every HTML legend
# entry (visible = non-empty box inside its section and the viewport); every SVG text drawn
# outside its SVG viewport (the SVG clips it).
SCRIPT = """
(function () {
  const out = {innerWidth: window.innerWidth,
               scrollWidth: document.documentElement.scrollWidth,
               scrollHeight: document.documentElement.scrollHeight,
               outside: [], scrollers: [], legends: [], clippedText: []};
  const name = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
      ((el.getAttribute('class') || '') ? '.' + el.getAttribute('class').split(' ')[0] : '');
  const where = (el) => { const s = el.closest('section'); return s ? s.id : 'header'; };
  for (const box of document.querySelectorAll('section, header .card')) {
    const b = box.getBoundingClientRect();
    for (const el of box.querySelectorAll('*')) {
      const r = el.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) continue;
      if (r.left < b.left - 0.5 || r.right > b.right + 0.5) {
        out.outside.push({where: where(el), element: name(el), left: r.left, right: r.right,
                          container: [b.left, b.right],
                          text: (el.textContent || '').trim().slice(0, 80)});
      }
    }
    for (const el of box.querySelectorAll('.table-wrap, figure, ul.legend')) {
      if (el.scrollWidth > el.clientWidth + 1) {
        out.scrollers.push({where: where(el), element: name(el), scrollWidth: el.scrollWidth,
                            clientWidth: el.clientWidth});
      }
    }
  }
  for (const li of document.querySelectorAll('ul.legend li')) {
    const s = li.closest('section').getBoundingClientRect();
    const r = li.getBoundingClientRect();
    const visible = r.width > 0 && r.height > 0 && r.left >= s.left && r.right <= s.right &&
        r.top >= s.top && r.bottom <= s.bottom && r.left >= 0 && r.right <= window.innerWidth &&
        getComputedStyle(li).visibility !== 'hidden';
    out.legends.push({where: where(li), text: li.textContent, visible: visible,
                      box: [r.left, r.right, r.top, r.bottom]});
  }
  for (const t of document.querySelectorAll('svg text')) {
    const v = t.ownerSVGElement.getBoundingClientRect();
    const r = t.getBoundingClientRect();
    if (r.left < v.left - 1 || r.right > v.right + 1 || r.top < v.top - 1 ||
        r.bottom > v.bottom + 1) {
      out.clippedText.push({where: where(t), text: t.textContent});
    }
  }
  const pre = document.createElement('pre');
  pre.id = 'layout-probe';
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();
"""


def chromium() -> str | None:
    """The Chromium binary, or None."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


def measure(page: Path, width: int, height: int = 1200) -> dict:
    """The probe's measurements of `page` laid out in a `width` x `height` window."""
    browser = chromium()
    if browser is None:
        raise RuntimeError("chromium is not installed (scripts/ensure_chromium.sh installs it)")
    html = page.read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory() as work:
        probed = Path(work) / "probed.html"
        probed.write_text(html.replace("</body>", f"<script>{SCRIPT}</script></body>"), "utf-8")
        profile = Path(work) / "profile"
        done = subprocess.run(
            [browser, *FLAGS, f"--user-data-dir={profile}", f"--window-size={width},{height}",
             "--dump-dom", f"file://{probed}"],
            capture_output=True, text=True, timeout=180, check=False,
        )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"chromium failed ({done.returncode}): {done.stderr[-2000:]}")
    found = re.search(r"<pre id=\"layout-probe\">(.*?)</pre>", done.stdout, re.S)
    if not found:
        raise RuntimeError("the probe wrote no result: " + done.stdout[-500:])
    text = found.group(1).replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
    return json.loads(text.replace("&amp;", "&"))


if __name__ == "__main__":
    result = measure(Path(sys.argv[1]), int(sys.argv[2]))
    print(json.dumps(result, indent=1))
