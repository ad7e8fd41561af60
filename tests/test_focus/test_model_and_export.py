"""fct_focus_cost_and_usage (SQL), its pandera model, the Parquet export and the metadata."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import date, datetime
from decimal import Decimal

import polars as pl
import pyarrow.parquet as pq

from pipelines.lib.focus.export import export_focus, write_consolidated
from pipelines.lib.focus.metadata import metadata_document
from pipelines.lib.focus.validate import validate_file
from pipelines.lib.publish import publish_staged
from pipelines.lib.warehouse import SQL_ROOT, load_model, run_model
from schemas import registry
from schemas.focus.columns import COLUMN_NAMES, X_COLUMNS
from schemas.focus.focus_cost_and_usage import csv_schema

TABLE = "fct_focus_cost_and_usage"
MODEL_PATH = SQL_ROOT / "marts" / f"{TABLE}.sql"
KINDS = {
    "input": "input_uncached_tokens",
    "cache_read": "cache_read_tokens",
    "cache_write": "cache_write_5m_tokens",
    "cache_write_1h": "cache_write_1h_tokens",
    "output": "output_tokens",
}


def frame(con) -> pl.DataFrame:
    return con.sql(f"select * from {TABLE}").pl()


def test_header_declares_grain_and_partition():
    model = load_model(MODEL_PATH)
    assert model.materialization == "partitioned"
    assert model.partition_column == "ChargePeriodStart"
    assert "token kind" in model.grain and "tenant" in model.grain
    assert {"fct_cost_lines", "dim_tenants"} <= model.references


def test_columns_are_the_57_in_order_then_x(focus_con):
    assert frame(focus_con).columns == [*COLUMN_NAMES, *X_COLUMNS]


def test_pandera_model_accepts_the_table(focus_con):
    assert registry.validate_frame(TABLE, frame(focus_con)) is None


def test_pandera_model_rejects_row_level_defects(focus_con):
    df = frame(focus_con)
    first = pl.int_range(pl.len()) == 0
    bad_enum = df.with_columns(
        pl.when(first).then(pl.lit("usage")).otherwise("ChargeCategory").alias("ChargeCategory")
    )
    assert "isin" in (registry.validate_frame(TABLE, bad_enum) or "")
    off_by_one = pl.lit(Decimal("0.000000000000000001"), dtype=pl.Decimal(38, 18))
    bad_cost = df.with_columns(
        pl.when(first)
        .then(pl.col("ListCost") + off_by_one)
        .otherwise("ListCost")
        .cast(pl.Decimal(38, 18))
    )
    assert "cost_is_unit_price_times_quantity" in (registry.validate_frame(TABLE, bad_cost) or "")
    nested = df.with_columns(
        pl.when(first).then(pl.lit('{"a": {"b": 1}}')).otherwise("Tags").alias("Tags")
    )
    assert "json_columns_are_flat_objects" in (registry.validate_frame(TABLE, nested) or "")


def test_costs_equal_the_sum_of_per_request_costs_exactly(focus_con, priced_lines):
    """Tokens are aggregated first; price x quantity still equals Σ per-request cost."""
    expected_list = Decimal(0)
    expected_contracted = Decimal(0)
    tokens = 0
    for line in priced_lines:
        for kind, col in KINDS.items():
            if line[col]:
                tokens += line[col]
                per = Decimal(line[col]) * Decimal("0.000001")
                expected_list += line[f"list_price_{kind}"] * per
                expected_contracted += line[f"contracted_price_{kind}"] * per
    row = focus_con.execute(
        f"select sum(ListCost), sum(ContractedCost), sum(BilledCost), sum(EffectiveCost), "
        f"sum(ConsumedQuantity), "
        f"count(*) filter (where ListCost <> ListUnitPrice * PricingQuantity) from {TABLE}"
    ).fetchone()
    assert row[0] == expected_list
    assert row[1] == row[2] == row[3] == expected_contracted
    assert row[1] < row[0]  # the OpenAI contract is 10 % below list
    assert row[4] == tokens
    assert row[5] == 0


def test_grain_is_unique_and_excludes_unpriced_and_zero_kinds(focus_con, priced_lines):
    key = (
        "ChargePeriodStart, x_Provider, x_Model, x_ServiceTier, x_ContextTier, x_TokenKind, "
        "x_TenantId, x_Feature, x_Environment, x_App"
    )
    dupes = focus_con.execute(
        f"select count(*) from (select {key} from {TABLE} group by all having count(*) > 1)"
    ).fetchone()
    assert dupes == (0,)
    assert focus_con.execute(f"select min(ConsumedQuantity) > 0 from {TABLE}").fetchone() == (True,)
    requests = focus_con.execute(
        f"select sum(x_Requests) from {TABLE} where x_TokenKind = 'output'"
    ).fetchone()[0]
    assert requests == len(priced_lines)


def test_names_and_mapping(focus_con):
    rows = focus_con.execute(
        f"select distinct x_Provider, ServiceName, ProviderName, PublisherName, InvoiceIssuerName,"
        f" BillingAccountId from {TABLE} order by 1"
    ).fetchall()
    assert rows == [
        ("anthropic", "Anthropic API", "Anthropic", "Anthropic", "Anthropic", "anthropic:default"),
        ("aws_bedrock", "Amazon Bedrock", "AWS", "Anthropic", "AWS", "aws_bedrock:default"),
        ("openai", "OpenAI API", "OpenAI", "OpenAI", "OpenAI", "openai:default"),
    ]
    one = focus_con.execute(
        f"select ChargePeriodStart, ChargePeriodEnd, BillingPeriodStart, BillingPeriodEnd, "
        f"PricingUnit, SkuId, SkuMeter, Tags, SubAccountId, InvoiceId, x_TenantName, x_CostSource "
        f"from {TABLE} where x_TenantId = 'globex' and x_TokenKind = 'cache_read' "
        f"and x_Provider = 'openai' and x_ServiceTier = 'standard' order by 1 desc limit 1"
    ).fetchone()
    assert one[:4] == (
        datetime(2025, 6, 30),
        datetime(2025, 7, 1),
        datetime(2025, 6, 1),
        datetime(2025, 7, 1),
    )
    assert one[4:7] == ("1000000 Tokens", "openai/gpt-4.1-mini/cache_read", "Cached Input Tokens")
    assert json.loads(one[7]) == {"tenant": "globex", "feature": "chat", "environment": "prod"}
    assert one[8:] == (None, None, "Globex", "estimate")
    missing = focus_con.execute(
        f"select count(*), count(x_TenantName) from {TABLE} where x_TenantId = 'initech'"
    ).fetchone()
    assert missing[0] > 0 and missing[1] == 0
    ascii_only = focus_con.execute(
        f"select count(*) from {TABLE} where not regexp_matches("
        f"ChargeDescription || ServiceName || SkuId || SkuMeter || Tags, '^[ -~]*$')"
    ).fetchone()
    assert ascii_only == (0,)


def test_rerunning_a_window_replaces_it(focus_con):
    before = focus_con.execute(f"select count(*), sum(BilledCost) from {TABLE}").fetchone()
    run_model(focus_con, load_model(MODEL_PATH), date(2025, 6, 2), date(2025, 6, 3))
    assert focus_con.execute(f"select count(*), sum(BilledCost) from {TABLE}").fetchone() == before


def test_export_layout_manifest_and_metadata(focus_con, tmp_path):
    doc = export_focus(focus_con, tmp_path, date(2025, 6, 1), date(2025, 7, 1))
    publish_staged(tmp_path)
    root = tmp_path / "focus"
    paths = sorted(p.relative_to(root).as_posix() for p in root.rglob("*.parquet"))
    assert paths == [
        f"billing_period=2025-06/charge_date=2025-06-{d}/part-0.parquet" for d in ("01", "02", "30")
    ]
    meta = json.loads((root.parent / "focus.metadata.json").read_text())
    assert meta == json.loads(json.dumps(doc))
    assert meta["DataGenerator"] == "costline" and meta["FocusVersion"] == "1.2"
    uuid.UUID(meta["SchemaId"])
    assert meta["SchemaId"] == metadata_document()["SchemaId"]  # deterministic
    names = [c["ColumnName"] for c in meta["ColumnDefinition"]]
    assert names == [*COLUMN_NAMES, *X_COLUMNS]
    by = {c["ColumnName"]: c for c in meta["ColumnDefinition"]}
    assert by["BilledCost"] == {
        "ColumnName": "BilledCost",
        "DataType": "DECIMAL",
        "NumericPrecision": 38,
        "NumberScale": 18,
    }
    assert "ProviderTagPrefixes" in by["Tags"] and by["Tags"]["DataType"] == "JSON"
    total = 0
    for entry in meta["Files"]:
        path = root / entry["path"]
        assert entry["bytes"] == path.stat().st_size
        assert entry["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
        total += entry["rows"]
    assert total == focus_con.execute(f"select count(*) from {TABLE}").fetchone()[0]
    schema = pq.read_schema(root / paths[0])
    assert str(schema.field("BilledCost").type) == "decimal128(38, 18)"
    assert str(schema.field("ChargePeriodStart").type) == "timestamp[us, tz=UTC]"
    # re-export of one day replaces only that day
    export_focus(focus_con, tmp_path, date(2025, 6, 2), date(2025, 6, 3))
    publish_staged(tmp_path)
    assert len(list(root.rglob("*.parquet"))) == 3


def test_consolidated_files_pass_our_validator(focus_con, tmp_path):
    files = write_consolidated(focus_con, tmp_path, date(2025, 6, 1))
    assert validate_file(files["parquet"]) == []
    assert validate_file(files["csv"]) == []
    text = pl.read_csv(files["csv"], infer_schema=False)
    assert csv_schema().validate(text).height == files["rows"]


def test_empty_window_builds(empty_window_con):
    assert (
        run_model(empty_window_con, load_model(MODEL_PATH), date(2024, 1, 1), date(2024, 1, 2)) == 0
    )
