"""Failed checks of a run in plain words: what was found, naming the tenant, month or invoice.

Checks carry their findings as metadata (counts, and small tables of the rows that fired). This
module turns them into sentences for the terminal; the Dagster UI keeps the full metadata.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

# Rows of a check's tables printed under its line; the rest are counted.
SHOWN_ROWS = 5

# One sentence per known check; `{name}` takes the check's scalar metadata.
HEADLINES = {
    "no_high_severity_anomalies": (
        "{high_severity} high-severity token or cost spike(s) in prod "
        "({high_severity_non_prod} more outside prod; table mart_anomalies)"
    ),
    "no_high_severity_runaway_sessions": (
        "{high_severity} runaway session(s) in prod, tenant(s) {tenants} "
        "(table mart_runaway_sessions)"
    ),
    "no_hard_budget_breach": (
        "{flagged_budgets} budget(s) breached hard or set in a currency the spend is not in "
        "(table mart_budget_status)"
    ),
    "no_freeze_or_rollback": (
        "{flagged_versions} prompt version(s) cost more per execution and are accepted less: "
        "freeze or roll back (table mart_weekly_scorecard_versions)"
    ),
    "no_extractive_feature_on_expensive_model": (
        "{flagged} extractive feature(s) run on an expensive model "
        "(table mart_feature_model_mix; the cheaper candidate is in mart_routing_whatif)"
    ),
    "lines_counted_once": (
        "{repeated_lines} invoice line(s) appear in more than one file and are counted once: "
        "{files}"
    ),
    "reconciliation_gap": (
        "billed usage and logged cost differ by more than {threshold_pct} for some provider "
        "and month (table mart_invoice_reconciliation)"
    ),
}


@dataclass
class Finding:
    """One failed check, ready to print."""

    asset: str
    check: str
    blocking: bool
    headline: str
    details: list[str] = field(default_factory=list)

    def text(self) -> str:
        """`warning: ...` (or `check failed: ...`) and one indented line per detail."""
        label = "check failed" if self.blocking else "warning"
        lines = [f"{label}: {self.headline} [{self.asset}.{self.check}]"]
        lines += [f"    {d}" for d in self.details]
        return "\n".join(lines)


def _words(name: str) -> str:
    return name.replace("_", " ")


def _scalar(value: object) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _percent(value: object) -> str:
    try:
        share = Decimal(str(value)) * 100
    except (InvalidOperation, ValueError):
        return str(value)
    return f"{share.normalize():f}%"


_LONG_DECIMAL = re.compile(r"^-?\d+\.\d{7,}$")


def _cell(text: str) -> str:
    """A table cell; a DECIMAL(38, 18) printed in full loses its trailing zeros (17.89)."""
    if _LONG_DECIMAL.match(text):
        value = Decimal(text).normalize()
        return f"{value:f}" if value.as_tuple().exponent <= -2 else f"{value:.2f}"
    return text


def _table_rows(text: str) -> list[str]:
    """A check's small markdown table (header line, then `a | b` rows) as `header value` text."""
    lines = [line for line in text.strip().strip("`").strip().splitlines() if line.strip()]
    if len(lines) < 2:
        return []
    header = [h.strip() for h in lines[0].split("|")]
    out = []
    for line in lines[1:]:
        cells = [_cell(c.strip()) for c in line.split("|")]
        out.append(", ".join(f"{h} {c}" for h, c in zip(header, cells, strict=False) if c))
    return out


def _gap_rows(gaps: list[Mapping], threshold: object) -> list[str]:
    """Reconciliation gaps past the threshold: provider, month, billed and logged usage."""
    try:
        limit = Decimal(str(threshold))
    except InvalidOperation:
        limit = Decimal(0)
    out = []
    for gap in gaps:
        share = gap.get("gap_share")
        if share in (None, "None") or abs(Decimal(str(share))) <= limit:
            continue
        out.append(
            f"{gap.get('provider')} {gap.get('month')}: billed usage {gap.get('billed_usage')} "
            f"{gap.get('currency')}, logged {gap.get('logged_usage')} {gap.get('currency')}, "
            f"gap {_percent(share)} of logged"
        )
    return out


def _details(metadata: Mapping[str, object], threshold: object) -> list[str]:
    rows: list[str] = []
    for value in metadata.values():
        if isinstance(value, str) and value.lstrip().startswith("```"):
            rows += _table_rows(value)
        elif isinstance(value, list) and value and isinstance(value[0], Mapping):
            rows += _gap_rows(value, threshold) if "gap_share" in value[0] else []
    if len(rows) > SHOWN_ROWS:
        rows = [*rows[:SHOWN_ROWS], f"... and {len(rows) - SHOWN_ROWS} more"]
    return rows


def _plain_value(raw: object) -> object:
    value = getattr(raw, "value", raw)  # Dagster MetadataValue or a plain value
    if isinstance(value, str) and value.startswith(("[", "{")):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def describe(
    asset: str, check: str, blocking: bool, metadata: Mapping[str, object], description: str = ""
) -> Finding:
    """The finding of one failed check, in plain words."""
    values = {k: _plain_value(v) for k, v in metadata.items()}
    scalars = {
        k: _scalar(v)
        for k, v in values.items()
        if isinstance(v, int | float | str) and "\n" not in str(v) and not str(v).startswith("`")
    }
    if "threshold" in scalars:
        scalars["threshold_pct"] = _percent(values["threshold"])
    template = HEADLINES.get(check)
    try:
        headline = template.format(**scalars) if template else ""
    except (KeyError, IndexError):
        headline = ""
    if not headline:
        said = description or _words(check)
        facts = ", ".join(
            f"{_words(k)} {v}"
            for k, v in scalars.items()
            if v not in ("", "none") and k != "threshold_pct"
        )
        headline = f"{_words(asset)}: {said}" + (f" ({facts})" if facts else "")
    return Finding(asset, check, blocking, headline, _details(values, values.get("threshold")))


def check_lines(evaluations: Iterable[object]) -> list[Finding]:
    """The failed checks of a run (Dagster AssetCheckEvaluation objects), in plain words."""
    import dagster as dg

    findings = []
    for evaluation in evaluations:
        if evaluation.passed:  # type: ignore[attr-defined]
            continue
        findings.append(
            describe(
                evaluation.asset_key.to_user_string(),  # type: ignore[attr-defined]
                evaluation.check_name,  # type: ignore[attr-defined]
                evaluation.severity != dg.AssetCheckSeverity.WARN,  # type: ignore[attr-defined]
                evaluation.metadata,  # type: ignore[attr-defined]
                evaluation.description or "",  # type: ignore[attr-defined]
            )
        )
    return findings
