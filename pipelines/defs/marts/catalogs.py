"""Inputs of the steering marts: late feedback, budgets, feature kinds and mart settings.

All four are reloaded in full on every run (they are small and not tied to a day), but stay
daily-partitioned with the single-run backfill policy so they run in the same job as the rest.
"""

import dagster as dg

from pipelines.defs.checks import schema_check
from pipelines.defs.partitions import daily_asset
from pipelines.defs.resources import CostlineResource
from pipelines.lib.marts import catalogs, feedback
from pipelines.lib.progress import report
from pipelines.lib.warehouse import replace_table

ROWS_ACCOUNTED = "rows_accounted_for"
FEEDBACK_SCHEMA = schema_check("stg_feedback")
BUDGETS_SCHEMA = schema_check("dim_budgets")
FEATURES_SCHEMA = schema_check("dim_features")


@daily_asset(
    group_name="staging",
    deps=["stg_requests"],
    check_specs=[
        dg.AssetCheckSpec(
            ROWS_ACCOUNTED,
            asset="stg_feedback",
            blocking=True,
            description="feedback lines read = loaded + quarantined",
        ),
        FEEDBACK_SCHEMA.spec,
    ],
)
def stg_feedback(context: dg.AssetExecutionContext, costline: CostlineResource):
    """Late quality feedback from `<input>/feedback/*.jsonl` (full reload), one row per usable
    record; unusable records go to `quarantine_feedback` with file, line, field and reason.
    Request ids not in stg_requests are kept with is_known_request = false."""
    result = feedback.read_feedback(costline.input_path)
    with costline.connect() as con:
        stats = feedback.load_feedback(con, result)
        yield dg.MaterializeResult(
            metadata={
                **stats,
                "quarantine_reasons": dg.MetadataValue.json(result.reasons),
            }
        )
        report(
            f"loaded {stats['rows_loaded']:,} feedback records, quarantined "
            f"{stats['rows_quarantined']:,}, unknown request ids {stats['unknown_request_ids']:,}"
        )
        yield dg.AssetCheckResult(
            check_name=ROWS_ACCOUNTED,
            passed=stats["rows_read"] == stats["rows_loaded"] + stats["rows_quarantined"],
            metadata=stats,
        )
        yield FEEDBACK_SCHEMA.of_table(con)


@daily_asset(
    group_name="staging",
    check_specs=[BUDGETS_SCHEMA.spec],
)
def dim_budgets(context: dg.AssetExecutionContext, costline: CostlineResource):
    """catalog/budgets.csv: monthly/daily spend limits per tenant and feature (NULL = all
    features), soft threshold and guardrail action. Empty when the file is absent."""
    path = costline.input_path / "catalog" / "budgets.csv"
    budgets = catalogs.load_budgets(path)
    with costline.connect() as con:
        replace_table(con, "dim_budgets", budgets)
        yield dg.MaterializeResult(
            metadata={"budgets": len(budgets), "file_present": path.exists()}
        )
        yield BUDGETS_SCHEMA.of_table(con)


@daily_asset(
    group_name="staging",
    check_specs=[FEATURES_SCHEMA.spec],
)
def dim_features(context: dg.AssetExecutionContext, costline: CostlineResource):
    """catalog/features.csv: each feature's kind (extractive, generative, ...). Empty when the
    file is absent: the marts then call every feature `unclassified`."""
    frame, present = catalogs.load_features(costline.input_path / "catalog" / "features.csv")
    with costline.connect() as con:
        replace_table(con, "dim_features", frame)
        yield dg.MaterializeResult(metadata={"features": len(frame), "file_present": present})
        yield FEATURES_SCHEMA.of_table(con)


@daily_asset(
    group_name="staging",
)
def costline_settings(context: dg.AssetExecutionContext, costline: CostlineResource):
    """Mart thresholds as `costline_settings(key, value)`: replaced from catalog/settings.csv
    when that file exists, otherwise kept as set in the warehouse (created empty on first run).
    Defaults and meanings: `int_settings_resolved`."""
    frame = catalogs.load_settings(costline.input_path / "catalog" / "settings.csv")
    with costline.connect() as con:
        if frame is None:
            con.execute("create table if not exists costline_settings (key VARCHAR, value VARCHAR)")
        else:
            replace_table(con, "costline_settings", frame)
        rows = con.execute("select key, value from costline_settings order by key").fetchall()
    return dg.MaterializeResult(
        metadata={"settings": dg.MetadataValue.json(dict(rows)), "file_present": frame is not None}
    )
