"""The deterministic sample generator: bytes, invariants, the story, benchmark frames."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest

from pipelines.lib.sample import generate, generate_requests_frame
from pipelines.lib.sample import stories as st
from pipelines.lib.sample.writers import native_schema
from schemas.requests.native_request import NATIVE_FIELDS, REQUIRED_FIELDS

TOKENS = ("input_tokens", "cache_read_tokens", "cache_write_tokens", "output_tokens")


def read_requests(root: Path) -> pl.DataFrame:
    frames = []
    for f in sorted((root / "requests").iterdir()):
        if f.name.endswith(".parquet"):
            df = pl.read_parquet(f)
        elif f.name.endswith(".csv"):
            df = pl.read_csv(f, schema=native_schema())
        else:
            df = pl.read_ndjson(f, schema=native_schema())
        frames.append(df.with_columns(file=pl.lit(f.name)))
    df = pl.concat(frames)
    ts = pl.col("timestamp").str.to_datetime("%Y-%m-%dT%H:%M:%S%.3f%#z", time_unit="us")
    return df.with_columns(ts=ts.dt.convert_time_zone("UTC")).with_columns(
        day=pl.col("ts").dt.date()
    )


@pytest.fixture(scope="module")
def story(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pl.DataFrame]:
    """Five days around the runaway incident and the v7 launch, all three formats."""
    root = tmp_path_factory.mktemp("sample")
    generate(root, date(2026, 10, 11), date(2026, 10, 19), scale=0.5)
    return root, read_requests(root)


def test_same_seed_same_bytes(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    for out in (a, b):
        generate(out, date(2026, 9, 2), date(2026, 9, 6), scale=0.3)
    files_a = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    files_b = sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    assert files_a == files_b
    assert {p.name.split(".", 1)[1] for p in files_a if p.parts[0] == "requests"} == {
        "jsonl.gz",
        "parquet",
        "csv",
    }
    for rel in files_a:
        assert (a / rel).read_bytes() == (b / rel).read_bytes(), rel
    other = tmp_path / "c"
    generate(other, date(2026, 9, 2), date(2026, 9, 6), scale=0.3, seed=8)
    assert (other / "catalog/fx.csv").read_bytes() != (a / "catalog/fx.csv").read_bytes()


def test_required_fields_and_no_text(story: tuple[Path, pl.DataFrame]) -> None:
    _, df = story
    for name in REQUIRED_FIELDS:
        assert df[name].null_count() == 0, name
    assert df["request_id"].n_unique() == len(df)  # no duplicate inside 8 days (offset 7)
    assert set(df["environment"]) <= {"prod", "staging", "dev"}
    assert set(df["service_tier"]) == {"standard", "batch"}
    assert not {"prompt", "completion", "text", "messages"} & set(df.columns)
    # every record is in the file of its UTC day
    assert (df["file"].str.slice(0, 10) == df["day"].cast(pl.String)).all()
    # offsets vary, and some timestamps are Z
    assert df["timestamp"].str.ends_with("Z").any()
    assert df["timestamp"].str.slice(23).n_unique() >= 4


def test_token_invariants(story: tuple[Path, pl.DataFrame]) -> None:
    _, df = story
    for name in (*TOKENS, "cache_write_1h_tokens", "reasoning_tokens"):
        assert (df[name] >= 0).all(), name
    assert (df["cache_read_tokens"] + df["cache_write_tokens"] <= df["input_tokens"]).all()
    assert (df["cache_write_1h_tokens"] <= df["cache_write_tokens"]).all()
    assert (df["reasoning_tokens"] <= df["output_tokens"]).all()
    assert (df.filter(pl.col("cache_status") == "prefix")["cache_read_tokens"] > 0).all()
    hits = df.filter(pl.col("cache_status").is_in(["exact", "semantic"]))
    assert len(hits) > 0
    assert (hits.select(s=pl.sum_horizontal(*TOKENS, "reasoning_tokens"))["s"] == 0).all()
    sources = df.select(
        cache_source_request_id="request_id",
        src_ts="ts",
        src_status="status",
        src_in="input_tokens",
    )
    joined = hits.join(sources, on="cache_source_request_id", how="left")
    assert joined["src_ts"].null_count() == 0
    assert (joined["src_ts"] <= joined["ts"]).all()
    assert (joined["src_status"] == "success").all() and (joined["src_in"] > 0).all()
    blocked = df.filter(pl.col("status") == "blocked")
    assert blocked["policy_blocked"].all() and (blocked["input_tokens"] == 0).all()


def test_runaway_tenant_explodes(story: tuple[Path, pl.DataFrame]) -> None:
    _, df = story
    faq = df.filter(pl.col("tenant_id") == st.RUNAWAY_TENANT, pl.col("feature") == "faq_assistant")
    daily = faq.group_by("day").agg(pl.col("input_tokens").sum())
    before = daily.filter(pl.col("day") < st.RUNAWAY_START)["input_tokens"].max()
    during = daily.filter(pl.col("day") == st.RUNAWAY_START)["input_tokens"].item()
    assert during > 5 * before
    loops = df.group_by("session_id").len().filter(pl.col("session_id").is_not_null())
    assert loops["len"].max() >= 100


def test_prompt_v7_costs_more_and_is_accepted_less(story: tuple[Path, pl.DataFrame]) -> None:
    _, df = story
    email = df.filter(
        pl.col("feature") == "email_copilot",
        pl.col("status") == "success",
        pl.col("cache_status").is_in(["miss", "prefix"]),
    )
    by = {
        r["prompt_version"]: r
        for r in email.group_by("prompt_version")
        .agg(pl.col("input_tokens").mean(), pl.col("accepted").mean())
        .to_dicts()
    }
    assert set(by) == {"v6", "v7"}
    assert by["v7"]["input_tokens"] > 1.15 * by["v6"]["input_tokens"]
    assert by["v7"]["accepted"] < by["v6"]["accepted"] - 0.1
    assert (email.filter(pl.col("prompt_version") == "v7")["day"] >= st.PROMPT_NEW_FROM).all()


def test_catalog_and_feedback(story: tuple[Path, pl.DataFrame]) -> None:
    root, df = story
    prices = pl.read_csv(root / "catalog/prices.csv", infer_schema=False)
    assert prices.columns == [
        "provider",
        "model",
        "token_kind",
        "service_tier",
        "unit_price",
        "unit",
        "currency",
        "valid_from",
        "valid_to",
        "min_input_tokens",  # optional extension: the contracted long-context tier
    ]
    long_context = prices.filter(pl.col("min_input_tokens") == "200001")
    assert set(long_context["token_kind"]) == {
        "input",
        "cache_read",
        "cache_write",
        "cache_write_1h",
        "output",
    }
    assert prices.filter(pl.col("valid_to") == "2026-10-01").height > 0
    assert prices.filter(pl.col("valid_from") == "2026-10-01").height > 0
    tenants = pl.read_csv(root / "catalog/tenants.csv")
    assert set(df["tenant_id"]) <= set(tenants["tenant_id"])
    fx = pl.read_csv(root / "catalog/fx.csv", infer_schema=False)
    assert set(fx["to_currency"]) == {"EUR", "GBP"}
    feedback = pl.concat(
        [pl.read_ndjson(p) for p in sorted((root / "feedback").glob("*.jsonl"))], how="diagonal"
    )
    joined = feedback.join(df, on="request_id", how="left", suffix="_inline")
    assert joined["timestamp"].null_count() == 0  # refers to real requests
    assert joined["accepted_inline"].null_count() == len(joined)  # none had inline feedback


def test_benchmark_frame_unique_and_valid() -> None:
    df = generate_requests_frame(date(2026, 9, 1), date(2026, 9, 8), 200_000, seed=3)
    assert len(df) == 200_000
    assert df["request_id"].n_unique() == len(df)
    assert list(df.columns) == list(NATIVE_FIELDS)
    assert (df["cache_read_tokens"] + df["cache_write_tokens"] <= df["input_tokens"]).all()
    assert (df["cache_write_1h_tokens"] <= df["cache_write_tokens"]).all()
    assert (df["reasoning_tokens"] <= df["output_tokens"]).all()
    hits = df.filter(pl.col("cache_status").is_in(["exact", "semantic"]))
    assert (hits["input_tokens"] == 0).all() and hits["cache_source_request_id"].is_in(
        df["request_id"].implode()
    ).all()
    again = generate_requests_frame(date(2026, 9, 1), date(2026, 9, 8), 200_000, seed=3)
    assert df.equals(again)
