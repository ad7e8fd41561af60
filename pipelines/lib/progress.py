"""Progress for long steps, printed to stderr when asked for (`costline run` asks; the
`costline` resource's `progress` setting passes it to each run's process): timed lines, and a
bar while reading large inputs."""

from __future__ import annotations

import sys
import time
from types import TracebackType

_START = time.monotonic()
# Inputs smaller than this are read too fast for a bar to help.
BAR_MIN_BYTES = 64 * 1024 * 1024
BAR_WIDTH = 30
# Off a terminal (logs, CI) the bar is one line per tenth, never a stream of redraws.
LOG_STEPS = 10
_REDRAW_SECONDS = 0.2
# Stderr belongs to the whole process, so the switch does too; off until someone turns it on.
_switch = {"on": False}


def enable(on: bool = True) -> None:
    """Turn progress output on (or off) for this process."""
    _switch["on"] = on


def enabled() -> bool:
    """Whether progress output is on."""
    return _switch["on"]


def report(message: str) -> None:
    """One progress line, prefixed with the seconds since start (quiet unless enabled)."""
    if enabled():
        sys.stderr.write(f"  [{time.monotonic() - _START:6.1f}s] {message}\n")
        sys.stderr.flush()


class Bar:
    """A bar for reading `total` bytes: redrawn in place on a terminal, one line per tenth in a
    log. Silent when progress is off or the input is smaller than `min_total`."""

    def __init__(self, label: str, total: int, min_total: int | None = None) -> None:
        self.label = label
        self.total = max(int(total), 0)
        self.done = 0
        floor = BAR_MIN_BYTES if min_total is None else min_total
        self.shown = enabled() and self.total > 0 and self.total >= floor
        self._tty = sys.stderr.isatty()
        self._last_step = -1
        self._last_draw = 0.0

    def __enter__(self) -> Bar:
        self._draw()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def advance(self, amount: int) -> None:
        """`amount` more bytes read."""
        self.done = min(self.total, self.done + max(int(amount), 0))
        self._draw()

    def close(self) -> None:
        """Finish the bar's line."""
        if self.shown and self._tty:
            self._draw(force=True)
            sys.stderr.write("\n")
            sys.stderr.flush()
        self.shown = False

    def line(self) -> str:
        """The bar as text: `label [#####.....]  42%  110/260 MB`."""
        share = self.done / self.total if self.total else 1.0
        filled = int(share * BAR_WIDTH)
        mib = 1024 * 1024
        return (
            f"  {self.label} [{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {share:4.0%}  "
            f"{self.done / mib:,.0f}/{self.total / mib:,.0f} MB"
        )

    def _draw(self, force: bool = False) -> None:
        if not self.shown:
            return
        if self._tty:
            now = time.monotonic()
            if force or now - self._last_draw >= _REDRAW_SECONDS or self.done == self.total:
                self._last_draw = now
                sys.stderr.write("\r" + self.line())
                sys.stderr.flush()
            return
        step = self.done * LOG_STEPS // self.total
        if step > self._last_step:
            self._last_step = step
            sys.stderr.write(self.line() + "\n")
            sys.stderr.flush()
