"""The same five calls logged through every format give the same canonical tokens and cost."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from genai_prices import Usage, calc_price

from pipelines.lib.requests.adapters import FORMATS, detect_format, load_mapping, to_native

FIXTURES = Path(__file__).parent / "fixtures"
EXPECTED = json.loads((FIXTURES / "expected_calls.json").read_text())
CASES = [
    ("otel/traces.json", "otel-json"),
    ("otel/traces.jsonl", "otel-json"),
    ("litellm/standard_logging_payload.jsonl", "litellm-payload"),
    ("litellm/standard_logging_payload.jsonl.gz", "litellm-payload"),
    # LiteLLM without metadata.usage_object: the cache split from response.usage (issue 14)
    ("litellm/standard_logging_payload_response_usage.jsonl", "litellm-payload"),
    ("litellm/spendlogs.csv", "litellm-spendlogs"),
    ("litellm/spendlogs.parquet", "litellm-spendlogs"),
    ("langfuse/observations.jsonl", "langfuse"),
    ("langfuse/observations.parquet", "langfuse"),
    ("provider_usage/usage.jsonl", "provider-usage"),
]
TOKENS = ("input", "cr", "cw", "cw1h", "output", "reasoning")
COLUMNS = (
    "input_tokens",
    "cache_read_tokens",
    "cache_write_tokens",
    "cache_write_1h_tokens",
    "output_tokens",
    "reasoning_tokens",
)
# Prompt and completion text planted in the fixtures: none of it may survive.
SECRETS = (
    "secretsystemprompt",
    "printer on fire",
    "building nine",
    "merger memo",
    "zebra-quokka",
    "wobblebottom",
    "kumquat",
    "completiontext",
)


def _read(rel: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    path = FIXTURES / rel
    fmt = detect_format(path, path.read_bytes()[:65536])
    assert fmt in FORMATS
    return to_native(path, fmt, load_mapping(None))


def _call_of(ts: str) -> str:
    t = datetime.fromisoformat(ts)
    return next(k for k, v in EXPECTED.items() if datetime.fromisoformat(v["start"]) == t)


def _oracle_cost(row: dict) -> Decimal:
    """genai-prices as the price oracle: input_tokens is the total, cache kinds are subsets."""
    if row["input_tokens"] == 0 and row["output_tokens"] == 0:
        return Decimal(0)
    usage = Usage(
        input_tokens=row["input_tokens"],
        cache_read_tokens=row["cache_read_tokens"] or 0,
        cache_write_tokens=row["cache_write_tokens"] or 0,
        cache_write_1h_tokens=row["cache_write_1h_tokens"] or 0,
        output_tokens=row["output_tokens"],
    )
    ctx = {"processing": "batch"} if row["service_tier"] == "batch" else None
    return calc_price(
        usage,
        row["model"],
        provider_id=row["provider"],
        genai_request_timestamp=datetime.fromisoformat(row["timestamp"]),
        price_context=ctx,
    ).total_price


@pytest.mark.parametrize(("rel", "fmt"), CASES)
def test_detected_format(rel, fmt):
    path = FIXTURES / rel
    assert detect_format(path, path.read_bytes()[:65536]) == fmt


@pytest.mark.parametrize(("rel", "fmt"), CASES)
def test_same_calls_same_tokens_and_cost(rel, fmt):
    native, rejects = _read(rel)
    assert rejects.is_empty(), rejects.to_dicts()
    assert native.height == len(EXPECTED)
    assert sorted(native["source_line"].to_list()) == list(
        range(native["source_line"].min(), native["source_line"].min() + native.height)
    )
    for row in native.to_dicts():
        key = _call_of(row["timestamp"])
        exp = EXPECTED[key]
        got = tuple(row[c] or 0 for c in COLUMNS)
        assert got == tuple(exp[t] for t in TOKENS), (rel, key)
        assert row["model"] == exp["model"], (rel, key)
        assert row["provider"] == exp["provider"], (rel, key)
        assert (row["service_tier"] or "standard") == exp["tier"], (rel, key)
        assert row["tenant_id"] == "acme"
        assert row["feature"] == "ticket-summary"
        assert row["environment"] == "prod"
        assert row["cache_status"] == (
            "exact" if key == "c4" else "prefix" if exp["cr"] else "miss"
        )
        expected_cost = _oracle_cost({**row, **dict(zip(COLUMNS, got, strict=True))})
        oracle = _oracle_cost(
            {
                "input_tokens": exp["input"],
                "cache_read_tokens": exp["cr"],
                "cache_write_tokens": exp["cw"],
                "cache_write_1h_tokens": exp["cw1h"],
                "output_tokens": exp["output"],
                "service_tier": exp["tier"],
                "model": exp["model"],
                "provider": exp["provider"],
                "timestamp": exp["start"],
            }
        )
        assert expected_cost == oracle, (rel, key)


def test_costs_are_really_different_per_kind():
    """Guard against an oracle that cannot tell cache kinds apart (it must price them)."""
    c2 = EXPECTED["c2"]
    full = _oracle_cost(
        {
            "input_tokens": c2["input"],
            "cache_read_tokens": c2["cr"],
            "cache_write_tokens": c2["cw"],
            "cache_write_1h_tokens": c2["cw1h"],
            "output_tokens": c2["output"],
            "service_tier": "standard",
            "model": c2["model"],
            "provider": "anthropic",
            "timestamp": c2["start"],
        }
    )
    no_1h = _oracle_cost(
        {
            "input_tokens": c2["input"],
            "cache_read_tokens": c2["cr"],
            "cache_write_tokens": c2["cw"],
            "cache_write_1h_tokens": 0,
            "output_tokens": c2["output"],
            "service_tier": "standard",
            "model": c2["model"],
            "provider": "anthropic",
            "timestamp": c2["start"],
        }
    )
    assert full > no_1h > 0


def test_prompt_fingerprint_is_format_independent():
    by_call: dict[str, set[str]] = {}
    for rel, _ in CASES:
        native, _ = _read(rel)
        for row in native.to_dicts():
            if row["prompt_fingerprint"]:
                by_call.setdefault(_call_of(row["timestamp"]), set()).add(row["prompt_fingerprint"])
    assert set(by_call) >= {"c1", "c2", "c3", "c5"}
    for key, fps in by_call.items():
        assert len(fps) == 1, key


@pytest.mark.parametrize(("rel", "fmt"), CASES)
def test_no_prompt_or_completion_text_survives(rel, fmt):
    native, rejects = _read(rel)
    for frame in (native, rejects):
        for col in frame.columns:
            for value in frame[col].cast(pl.String).drop_nulls().to_list():
                low = value.lower()
                assert not any(s in low for s in SECRETS), (rel, col)
