"""Regenerate the hostile-input corpus: `python tests/test_requests/hostile/make_corpus.py`.

Writes `corpus/requests/*` (one file per kind of trouble) and `corpus/catalog/tenants.csv`.
The expected outcome of every case is in `cases.toml` (kept by hand, next to this script).
All records are dated 2025-06-01 (the window the tests run) unless a case says otherwise.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import polars as pl

ROOT = Path(__file__).parent / "corpus"
REQ = ROOT / "requests"
GOOD = {
    "request_id": "ok-1",
    "timestamp": "2025-06-01T12:00:00+02:00",
    "tenant_id": "acme",
    "feature": "summarise",
    "environment": "prod",
    "provider": "openai",
    "model": "gpt-4.1-mini",
    "input_tokens": 1000,
    "cache_read_tokens": 200,
    "output_tokens": 300,
}


def rec(rid: str, **changes: object) -> dict:
    out = {**GOOD, "request_id": rid, **changes}
    return {k: v for k, v in out.items() if v is not ...}


def lines(*records: object) -> bytes:
    out = [r if isinstance(r, bytes) else json.dumps(r).encode() for r in records]
    return b"\n".join(out) + b"\n"


def _attrs(values: dict) -> list[dict]:
    return [
        {"key": k, "value": {"intValue": str(v)} if isinstance(v, int) else {"stringValue": v}}
        for k, v in values.items()
    ]


def otel_trace() -> dict:
    """One agent trace as real exports hold it: an HTTP server span, an `invoke_agent` span that
    sums its children's usage, the model call (loaded) and a database span (skipped)."""
    start = "1748779200000000000"  # 2025-06-01T12:00:00Z
    call = {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "openai",
        "gen_ai.request.model": "gpt-4.1-mini",
        "gen_ai.response.id": "otel-chat-1",
        "gen_ai.usage.input_tokens": 1000,
        "gen_ai.usage.output_tokens": 300,
        "costline.tenant_id": "acme",
        "costline.feature": "summarise",
        "costline.environment": "prod",
    }
    spans = [
        ("01", None, {"http.request.method": "POST", "url.path": "/v1/summarise"}),
        ("02", "01", {**call, "gen_ai.operation.name": "invoke_agent", "gen_ai.response.id": "a"}),
        ("03", "02", call),
        ("04", "02", {"db.system.name": "postgresql", "db.operation.name": "SELECT"}),
    ]
    return {
        "resourceSpans": [
            {
                "resource": {"attributes": _attrs({"service.name": "summariser"})},
                "scopeSpans": [
                    {
                        "scope": {"name": "corpus"},
                        "spans": [
                            {
                                "traceId": "ab" * 16,
                                "spanId": sid * 8,
                                **({"parentSpanId": parent * 8} if parent else {}),
                                "name": "span",
                                "startTimeUnixNano": start,
                                "endTimeUnixNano": start[:-10] + "1250000000",
                                "attributes": _attrs(attrs),
                            }
                            for sid, parent, attrs in spans
                        ],
                    }
                ],
            }
        ]
    }


def main() -> None:
    REQ.mkdir(parents=True, exist_ok=True)
    for old in REQ.iterdir():
        old.unlink()
    files: dict[str, bytes] = {
        "01_truncated.jsonl": lines(rec("trunc-ok"), b'{"request_id": "trunc-2", "timestamp": '),
        "02_wrong_types.jsonl": lines(
            rec("type-1", input_tokens="abc"),
            rec("type-2", output_tokens={"n": 1}),
            rec("type-3", accepted="maybe"),
            rec("type-4", input_tokens=12.5),
            [1, 2],
        ),
        "03_tokens.jsonl": lines(
            rec("tok-1", output_tokens=-1),
            rec("tok-2", input_tokens=10_000_001),
            rec("tok-3", cache_read_tokens=1200),
            rec("tok-4", reasoning_tokens=301),
            rec("tok-5", cache_write_tokens=100, cache_write_1h_tokens=101),
            rec("tok-6", input_tokens=10**30),
        ),
        "04_timestamps.jsonl": lines(
            rec("ts-1", timestamp="2025-06-01T12:00:00"),
            rec("ts-2", timestamp="2999-01-01T00:00:00Z"),
            rec("ts-3", timestamp="yesterday"),
            rec("ts-4", timestamp="2025-06-02T00:30:00Z"),  # another day: outside the window
            rec("ts-5", timestamp=...),
        ),
        "05_missing_and_unknown.jsonl": lines(
            rec("miss-1", tenant_id=...),
            rec("miss-2", tenant_id=""),
            rec("prov-1", provider="my-llm.co"),  # unknown provider: accepted, priced later
            rec("prov-2", provider="Open AI"),
            rec("env-1", environment="production"),
        ),
        "06_invalid_utf8.jsonl": lines(
            rec("utf-1"), b'{"request_id": "utf-2\xff\xfe"}', rec("utf-3")
        ),
        "07_bom_crlf.jsonl": b"\xef\xbb\xbf"
        + lines(rec("bom-1")).replace(b"\n", b"\r\n")
        + b"\r\n   \r\n"
        + lines(rec("bom-2")).replace(b"\n", b"\r\n"),
        "08_empty.jsonl": b"",
        "08_empty.csv": b"",
        "09_corrupt.jsonl.gz": gzip.compress(lines(*[rec(f"gz-{i}") for i in range(200)]), mtime=0)[
            :150
        ],
        "10_duplicates.jsonl": lines(rec("dup-1"), rec("dup-1", input_tokens=5000), rec("dup-2")),
        "11_path_and_sql_tenants.jsonl": lines(
            rec("evil-1", tenant_id="../../etc/passwd"),
            rec("evil-2", tenant_id="acme'; drop table stg_requests; --"),
            rec("evil-3", tenant_id="o\"brien\\x'); delete from quarantine_requests; --"),
            rec("evil-4", tenant_id="tenant/../../../windows\\system32", feature="f'||'x"),
        ),
        "12_notes.txt": b"not a request log\n",
        "13_foreign.jsonl": lines({"event": "page_view", "user": "u1"}, {"event": "click"}),
        "14_garbage.parquet": b"PAR1 this is not parquet at all",
        "16_dup_of_11.jsonl": lines(rec("evil-1")),
        # Optional fields never quarantine: rounded or set to NULL, one repair row each.
        "18_optional_repairs.jsonl": lines(
            rec("rep-1", latency_ms=1023.4),
            rec("rep-2", latency_ms="fast", accepted="maybe", csat=11),
            rec("rep-3", status="ok", user_id={"id": 1}),
        ),
        # A typo of a token field cannot be priced: quarantined; other unknown fields: reported.
        "21_unknown_fields.jsonl": lines(
            rec("unk-1", cache_reads_tokens=150),
            rec("unk-2", costcentre="CC-9"),
        ),
        # Out of the documented range [1970-01-01, now + 1 day]: quarantined, never an overflow.
        "19_timestamp_range.jsonl": lines(
            rec("range-1", timestamp="9999-12-31T23:59:59Z"),
            rec("range-2", timestamp="0000-01-01T00:00:00Z"),
            rec("range-3", timestamp="1969-12-31T23:59:59Z"),
        ),
    }
    files["20_otel_trace.json"] = json.dumps(otel_trace()).encode()
    for name, body in files.items():
        (REQ / name).write_bytes(body)
    header = (
        "request_id,timestamp,tenant_id,feature,environment,provider,model,"
        "input_tokens,output_tokens"
    )
    model = "openai,gpt-4.1-mini"
    (REQ / "15_csv.csv").write_bytes(
        (
            header
            + f"\r\ncsv-1,2025-06-01T08:00:00Z,acme,summarise,prod,{model},10,5"
            + f"\r\ncsv-2,2025-06-01T08:00:00Z,acme,summarise,prod,{model},lots,5"
            + f'\r\ncsv-3,2025-06-01T08:00:00Z,"acme, ""inc""",summarise,prod,{model},1,1'
            + "\r\n"
        ).encode()
    )
    pl.DataFrame(
        [rec("pq-1"), rec("pq-2", input_tokens=-5), rec("pq-3", cache_read_tokens=5000)]
    ).with_columns(prompt=pl.lit("SECRET PROMPT TEXT")).write_parquet(REQ / "17_native.parquet")
    (ROOT / "catalog").mkdir(exist_ok=True)
    (ROOT / "catalog" / "tenants.csv").write_text(
        "tenant_id,tenant_name,business_unit,cost_center\nacme,Acme,Retail,CC-1\n"
    )


if __name__ == "__main__":
    main()
