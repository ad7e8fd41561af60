"""Notice new or changed invoice files and request that month's final chargeback.

The cursor maps every file under `<input>/invoices/` to `size:mtime_ns`. A new or changed file is
parsed to learn its billing month(s); for each month the sensor requests a run of the daily job
for the month's last day (or yesterday, for the running month) with only the invoice assets and
their SQL models selected, so the month's invoice lines are restaged, allocated and its chargeback
issued as final (or re-issued after a correction). A file that does not parse is skipped with
its error until it changes.
"""

import hashlib
import json
from datetime import UTC, date, datetime, timedelta

import dagster as dg

from pipelines.defs.jobs import DAILY_JOB_NAME
from pipelines.defs.resources import CostlineResource
from pipelines.lib.invoices.lines import InvoiceError
from pipelines.lib.invoices.normalise import discover, parse_file
from pipelines.money import month_start, next_month

INVOICE_RUN_ASSETS = (
    "stg_invoice_lines",
    "stg_invoice_totals",
    "invoice_allocations",
    "fct_allocated_costs",
    "mart_invoice_reconciliation",
    "chargeback_export",
)


def _state(input_dir) -> dict[str, str]:
    root = input_dir / "invoices"
    if not root.exists():
        return {}
    return {
        p.relative_to(input_dir).as_posix(): f"{p.stat().st_size}:{p.stat().st_mtime_ns}"
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def partition_for(month: date, today: date) -> str:
    """The daily partition that stands for a billing month: its last day, at most yesterday."""
    last = next_month(month) - timedelta(days=1)
    return min(last, today - timedelta(days=1)).isoformat()


@dg.sensor(
    name="invoice_files_sensor",
    job_name=DAILY_JOB_NAME,
    minimum_interval_seconds=300,
    default_status=dg.DefaultSensorStatus.STOPPED,
    description="New invoice files -> that month's final chargeback.",
)
def invoice_files_sensor(context: dg.SensorEvaluationContext, costline: CostlineResource):
    """Requests one run per billing month with new or changed invoice files."""
    input_dir = costline.input_path
    previous = json.loads(context.cursor) if context.cursor else {}
    current = _state(input_dir)
    changed = sorted(k for k, v in current.items() if previous.get(k) != v)
    if not changed:
        return dg.SkipReason("no new or changed invoice files")
    months: set[date] = set()
    seen = dict(previous)
    errors = []
    formats = {
        path.relative_to(input_dir).as_posix(): (fmt, path)
        for fmt, path in discover(input_dir / "invoices")
    }
    for rel in changed:
        if rel not in formats:  # sidecars and unknown files: remember, nothing to parse
            seen[rel] = current[rel]
            continue
        fmt, path = formats[rel]
        try:
            lines, _totals = parse_file(fmt, path, rel)
        except InvoiceError as exc:
            errors.append(str(exc))
            continue
        months |= {month_start(line.billing_period_start) for line in lines}
        seen[rel] = current[rel]
    # sidecars change their folder's month
    for rel in changed:
        if rel.endswith("/invoice.json"):
            try:
                months.add(date.fromisoformat(rel.split("/")[-2] + "-01"))
            except ValueError:
                errors.append(f"{rel}: folder is not a YYYY-MM month")
    context.update_cursor(json.dumps(seen, sort_keys=True))
    today = datetime.now(UTC).date()
    digest = hashlib.sha256(json.dumps(seen, sort_keys=True).encode()).hexdigest()[:12]
    requests = [
        dg.RunRequest(
            run_key=f"invoices-{m:%Y-%m}-{digest}",
            partition_key=partition_for(m, today),
            asset_selection=[dg.AssetKey(a) for a in INVOICE_RUN_ASSETS],
            tags={"costline/invoice_month": f"{m:%Y-%m}"},
        )
        for m in sorted(months)
    ]
    if not requests:
        return dg.SkipReason("; ".join(errors) or "invoice files changed, no billing month")
    for error in errors:
        context.log.warning(error)
    return requests
