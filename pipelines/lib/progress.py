"""Progress lines for long steps: printed to stderr when the CLI asks for them."""

from __future__ import annotations

import os
import sys
import time

_START = time.monotonic()


def report(message: str) -> None:
    """One progress line, prefixed with the seconds since start (quiet unless enabled)."""
    if os.environ.get("COSTLINE_PROGRESS") == "1":
        sys.stderr.write(f"  [{time.monotonic() - _START:6.1f}s] {message}\n")
        sys.stderr.flush()
