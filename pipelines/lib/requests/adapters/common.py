"""Helpers shared by the format adapters: value coercion, times, record reading, output frames.

Nothing here ever copies a raw source value into a reject reason: reasons name the field and
describe the problem, and only short identifier-like values (see `safe`) are quoted.
"""

from __future__ import annotations

import gzip
import json
import math
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import polars as pl

from schemas.requests.native_request import (
    CRITICAL_FIELDS,
    NATIVE_SCHEMA,
    NOT_A_BOOLEAN,
    NOT_A_NUMBER,
    REPAIR_PREFIX,
    ROUNDED,
    WRONG_TYPE,
)

# A bad value of a critical field rejects the record; any other field with a bad value is set
# to NULL and the repair is carried in `_rp_<field>`, as the native readers do
# (pipelines/lib/requests/rules.py applies the same rules again on the typed value).
CRITICAL = CRITICAL_FIELDS
REPAIR = REPAIR_PREFIX
_NULLED = {pl.Int64(): NOT_A_NUMBER, pl.Float64(): NOT_A_NUMBER, pl.Boolean(): NOT_A_BOOLEAN}
OUTPUT_SCHEMA: dict[str, pl.DataType] = {
    **NATIVE_SCHEMA,
    "source_line": pl.Int64(),
    **{REPAIR + f: pl.String() for f in NATIVE_SCHEMA if f not in CRITICAL},
}
REJECT_SCHEMA: dict[str, pl.DataType] = {
    "source_line": pl.Int64(),
    "request_id": pl.String(),
    "timestamp": pl.String(),
    "field": pl.String(),
    "reason": pl.String(),
    "skip": pl.Boolean(),  # true: not a billable call (skipped, not quarantined)
}


class Reject(Exception):
    """A record that cannot be turned into a native record; `field` names the culprit."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class Skip(Exception):
    """A record that is not a billable model call (an HTTP span, an agent span summing its
    children, a Langfuse SPAN): skipped with the reason, never quarantined."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


_SAFE = re.compile(r"^[A-Za-z0-9._:/@+-]{1,64}$")


def safe(value: Any) -> str:
    """Quote a value in a reason only when it is short and identifier-like (never free text)."""
    if isinstance(value, bool | int | float):
        return repr(value)
    if isinstance(value, str) and _SAFE.match(value):
        return repr(value)
    return f"<{type(value).__name__} value withheld>"


# ---------------------------------------------------------------- value coercion


def is_empty(value: Any) -> bool:
    """None, NaN, blank text or an empty list / dict / tuple."""
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    if isinstance(value, str):
        return not value.strip()
    return isinstance(value, list | dict | tuple) and len(value) == 0


def maybe_json(value: Any) -> Any:
    """Decode a string that holds a JSON object or array (CSV exports, map values); else as is."""
    if isinstance(value, str):
        s = value.strip()
        if s[:1] in ("{", "[") and s[-1:] in ("}", "]"):
            try:
                return json.loads(s)
            except ValueError:
                return value
    return value


def as_dict(value: Any) -> dict[str, Any]:
    """A JSON object, a JSON string of one, or an Arrow map (list of {key, value}) as a dict."""
    value = maybe_json(value)
    if isinstance(value, dict):
        return value
    if isinstance(value, list) and all(isinstance(x, dict) and "key" in x for x in value):
        return {x["key"]: x.get("value") for x in value}
    return {}


# Counts at or past this are no real usage and do not fit the reader's integers.
_MAX_COUNT = 2**62


def as_int(value: Any, field: str, *, required: bool = False) -> int | None:
    """A non-negative integer token count (ints, integral floats, digit strings)."""
    if is_empty(value):
        if required:
            raise Reject(field, "missing")
        return None
    if isinstance(value, bool):
        raise Reject(field, "not an integer (boolean)")
    if isinstance(value, int):
        n = value
    elif isinstance(value, float):
        if not value.is_integer():
            raise Reject(field, "not an integer")
        n = int(value)
    elif isinstance(value, str) and re.fullmatch(r"\s*-?\d+(\.0+)?\s*", value):
        n = int(float(value)) if "." in value else int(value)
    else:
        raise Reject(field, f"not an integer ({type(value).__name__})")
    if n < 0:
        raise Reject(field, "negative count")
    if n >= _MAX_COUNT:
        raise Reject(field, "count out of range")
    return n


def as_str(value: Any, field: str) -> str | None:
    """The value as text (numbers and booleans spelled out); None when empty."""
    if is_empty(value):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, str):
        return value.strip()
    raise Reject(field, f"expected a text value, found {type(value).__name__}")


def as_bool(value: Any, field: str) -> bool | None:
    """The value as a boolean (true/false, 1/0, yes/no); None when empty."""
    if is_empty(value):
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("true", "false", "1", "0", "yes", "no"):
        return value.strip().lower() in ("true", "1", "yes")
    raise Reject(field, "not a boolean")


def as_float(value: Any, field: str) -> float | None:
    """The value as a number; None when empty."""
    if is_empty(value):
        return None
    if isinstance(value, bool):
        raise Reject(field, "not a number (boolean)")
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            pass
    raise Reject(field, "not a number")


# ---------------------------------------------------------------- times


def rfc3339(ts: datetime, field: str = "timestamp") -> str:
    """UTC, microseconds, explicit offset; a time that has no UTC form (year 9999 west of
    Greenwich, year 1 east of it) is a Reject, never an OverflowError."""
    try:
        return ts.astimezone(UTC).isoformat(timespec="microseconds")
    except (OverflowError, ValueError) as exc:
        raise Reject(field, "timestamp out of range") from exc


def epoch_nanos(value: Any, field: str) -> datetime:
    """OTLP `*TimeUnixNano` (a string in OTLP/JSON, an int elsewhere)."""
    try:
        n = as_int(value, field, required=True)
    except Reject as r:
        if r.reason == "count out of range":
            raise Reject(field, "epoch value out of range") from r
        raise
    assert n is not None
    if n == 0:
        raise Reject(field, "zero timestamp")
    try:
        return datetime.fromtimestamp(n // 1_000_000_000, UTC).replace(
            microsecond=(n % 1_000_000_000) // 1000
        )
    except (OverflowError, OSError, ValueError) as exc:
        raise Reject(field, "epoch value out of range") from exc


def _epoch_time(value: float | str, field: str) -> datetime:
    """Epoch seconds, or ms / us / ns told by magnitude."""
    x = float(value)
    if x > 1e17:  # nanoseconds
        x /= 1e9
    elif x > 1e14:  # microseconds
        x /= 1e6
    elif x > 1e11:  # milliseconds
        x /= 1e3
    try:
        if not math.isfinite(x):
            raise ValueError("not finite")
        return datetime.fromtimestamp(x, UTC)
    except (OverflowError, OSError, ValueError) as exc:
        raise Reject(field, "epoch value out of range") from exc


def _iso_time(value: str, field: str) -> datetime:
    """An ISO 8601 text (`Z`, `+hhmm` and nanosecond fractions accepted)."""
    s = value.strip()
    if s.endswith(("Z", "z")):
        s = s[:-1] + "+00:00"
    s = re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", s)  # +0000 -> +00:00
    s = re.sub(r"\.(\d{6})\d+", r".\1", s)  # ns fractions -> us
    try:
        return datetime.fromisoformat(s)
    except ValueError as exc:
        raise Reject(field, "not an ISO 8601 timestamp or epoch number") from exc


def _any_time(value: Any, field: str) -> datetime:
    """A datetime of any accepted form, possibly naive."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if isinstance(value, bool):
        raise Reject(field, "not a timestamp")
    if isinstance(value, int | float) or (
        isinstance(value, str) and re.fullmatch(r"\s*\d{9,}(\.\d+)?\s*", value)
    ):
        return _epoch_time(value, field)
    if isinstance(value, str):
        return _iso_time(value, field)
    raise Reject(field, "not a timestamp")


def parse_time(value: Any, field: str, *, naive_is_utc: bool = True) -> datetime:
    """Epoch seconds (float/int, ms when > 1e11), ISO 8601 strings, datetime/date objects."""
    if is_empty(value):
        raise Reject(field, "missing")
    ts = _any_time(value, field)
    if ts.tzinfo is None:
        if not naive_is_utc:
            raise Reject(field, "timestamp without offset")
        ts = ts.replace(tzinfo=UTC)
    return ts


# ---------------------------------------------------------------- reading records


def open_text(path: Path) -> Iterator[str]:
    """The lines of a text file (gzip by name), undecodable bytes replaced."""
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8", errors="replace") as fh:  # type: ignore[operator]
        yield from fh


def read_text(path: Path) -> str:
    """The whole text of a file (gzip by name), undecodable bytes replaced."""
    if path.name.endswith(".gz"):
        with gzip.open(path, "rt", encoding="utf-8", errors="replace") as fh:
            return fh.read()
    return path.read_text(encoding="utf-8", errors="replace")


def iter_records(path: Path) -> Iterator[tuple[int, dict[str, Any] | Reject]]:
    """(source_line, record) for JSON lines, CSV (header = line 1) and Parquet (1-based row).

    A line that is not a JSON object yields a Reject instead of a record; blank lines are not
    records and are skipped.
    """
    name = path.name.lower()
    if name.endswith(".parquet") or _is_parquet(path):
        df = pl.read_parquet(path)
        for i, row in enumerate(df.iter_rows(named=True), start=1):
            yield i, row
        return
    if name.endswith((".csv", ".csv.gz")):
        df = pl.read_csv(path, infer_schema=False, encoding="utf8-lossy")
        df = df.rename({c: c.strip().lstrip("\ufeff") for c in df.columns})
        for i, row in enumerate(df.iter_rows(named=True), start=2):
            yield i, row
        return
    for i, line in enumerate(open_text(path), start=1):
        s = line.strip().lstrip("\ufeff")
        if not s:
            continue
        try:
            obj = json.loads(s)
        except ValueError:
            yield i, Reject("record", "line is not valid JSON")
            continue
        if not isinstance(obj, dict):
            yield i, Reject("record", f"line is a JSON {type(obj).__name__}, not an object")
            continue
        yield i, obj


def _is_parquet(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            return fh.read(4) == b"PAR1"
    except OSError:
        return False


# ---------------------------------------------------------------- output


def coerce_native(rec: dict[str, Any]) -> dict[str, Any]:
    """Type one native record per NATIVE_SCHEMA. A bad value of a critical field raises Reject
    naming the field; a bad optional value becomes NULL with its repair in `_rp_<field>`, and a
    fractional optional integer (latency) is rounded half up."""
    out: dict[str, Any] = {}
    for field, dtype in NATIVE_SCHEMA.items():
        v = rec.get(field)
        try:
            if dtype == pl.Int64() and field not in CRITICAL:
                out[field] = _optional_int(v, field, out)
            elif dtype == pl.Int64():
                out[field] = as_int(v, field)
            elif dtype == pl.Boolean():
                out[field] = as_bool(v, field)
            elif dtype == pl.Float64():
                out[field] = as_float(v, field)
            else:
                out[field] = as_str(v, field)
        except Reject:
            if field in CRITICAL:
                raise
            out[field] = None
            out[REPAIR + field] = _NULLED.get(dtype, WRONG_TYPE)
    return out


def _optional_int(value: Any, field: str, out: dict[str, Any]) -> int | None:
    """An optional integer (latency): numbers and numeric text, fractions rounded half up (the
    repair noted in `out`); negatives are kept for the reader's range rule to null."""
    x = as_float(value, field)
    if x is None:
        return None
    if not math.isfinite(x) or abs(x) >= 9e15:
        raise Reject(field, "not a number")
    if x < 0:
        return math.floor(x)
    if not x.is_integer():
        out[REPAIR + field] = ROUNDED
    return math.floor(x + 0.5)


def frames(
    rows: list[dict[str, Any]], rejects: list[dict[str, Any]]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The adapter's output: native records and rejects, as frames of the fixed schemas."""
    return (
        pl.DataFrame(rows, schema=OUTPUT_SCHEMA),
        pl.DataFrame(rejects, schema=REJECT_SCHEMA),
    )
