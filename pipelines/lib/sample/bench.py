"""Benchmark data: millions of native request records, vectorised (polars expressions, no row loop).

The records obey the same invariants as the story sample (disjoint cache tokens, app-cache hits
with zero tokens and an earlier source request) but tell no story.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import polars as pl

from pipelines.lib.sample import stories as st
from pipelines.lib.sample.calls import fingerprint
from pipelines.lib.sample.writers import native_schema, write_frame
from schemas.requests.native_request import NATIVE_FIELDS

BENCH_MODELS = (st.GPT41_MINI, st.GPT41, st.SONNET, st.HAIKU, st.BEDROCK_HAIKU)
MODEL_WEIGHTS = (0.45, 0.2, 0.15, 0.15, 0.05)
FEATURES = tuple(st.FEATURE_SHAPES)
FEATURE_WEIGHTS = tuple(st.FEATURE_WEIGHTS[f] for f in FEATURES)
# (minutes east of UTC, rendered offset)
OFFSETS = ((0, "Z"), (-240, "-04:00"), (120, "+02:00"), (330, "+05:30"), (-300, "-05:00"))
N_TENANTS = 200
FINGERPRINTS = 50_000
_U64 = pl.UInt64
_MASK = 2**64 - 1


def _lit(v: int) -> pl.Expr:
    return pl.lit(v & _MASK, dtype=_U64)


def _draws(df: pl.DataFrame, seed: int, streams: range, index: str = "_k") -> pl.DataFrame:
    """Add uniform [0, 1) columns `_u<stream>`: a counter-based RNG (SplitMix64 of row index,
    seed and stream; u64 arithmetic wraps in polars). Each mixing step is materialised so the
    expression tree does not grow exponentially."""
    names = [f"_u{s}" for s in streams]
    key = pl.col(index).cast(_U64) * _lit(0xD1B54A32D192ED03)
    df = df.with_columns(key.alias("_key"))
    df = df.with_columns(
        (pl.col("_key") + _lit(seed * 1_000_003 + s)).alias(n)
        for s, n in zip(streams, names, strict=True)
    )
    for _ in range(1):
        df = df.with_columns((pl.col(n) + _lit(0x9E3779B97F4A7C15)) for n in names)
        df = df.with_columns(
            pl.col(n).xor(pl.col(n) // 2**30) * _lit(0xBF58476D1CE4E5B9) for n in names
        )
        df = df.with_columns(
            pl.col(n).xor(pl.col(n) // 2**27) * _lit(0x94D049BB133111EB) for n in names
        )
        df = df.with_columns(pl.col(n).xor(pl.col(n) // 2**31) for n in names)
    return df.drop("_key").with_columns(
        (pl.col(n) // 2**11).cast(pl.Float64) * 2.0**-53 for n in names
    )


def _u(_seed: int, stream: int) -> pl.Expr:
    return pl.col(f"_u{stream}")


def _normal(seed: int, stream: int) -> pl.Expr:
    u1 = _u(seed, stream) + 2.0**-54
    return (u1.log() * -2.0).sqrt() * (_u(seed, stream + 1) * 6.283185307179586).cos()


def _pick_index(u: pl.Expr, weights: tuple[float, ...]) -> pl.Expr:
    total, acc = sum(weights), 0.0
    expr: pl.Expr | None = None
    chain = None
    for i, w in enumerate(weights[:-1]):
        acc += w / total
        chain = (pl.when(u < acc) if chain is None else chain.when(u < acc)).then(pl.lit(i))
    expr = chain.otherwise(pl.lit(len(weights) - 1)) if chain is not None else pl.lit(0)
    return expr.cast(pl.Int64)


def _lookup(idx: pl.Expr, options: tuple) -> pl.Expr:
    return idx.replace_strict(dict(enumerate(options)), return_dtype=pl.String)


def _frame(start: date, end: date, n: int, seed: int) -> pl.DataFrame:
    if end <= start or n < 0:
        raise ValueError("need end > start and n_requests >= 0")
    t0 = int(datetime.combine(start, datetime.min.time(), UTC).timestamp() * 1_000_000)
    t1 = int(datetime.combine(end, datetime.min.time(), UTC).timestamp() * 1_000_000)
    base = _draws(pl.DataFrame({"_i": pl.int_range(n, eager=True)}), seed, range(1, 2), "_i")
    base = base.select(_ts=(pl.lit(t0) + (_u(seed, 1) * (t1 - t0)).cast(pl.Int64)))
    df = _draws(base.sort("_ts").with_row_index("_k"), seed, range(2, 23))
    df = df.with_columns(
        _tenant=(_u(seed, 2) * N_TENANTS).cast(pl.Int64),
        _feat=_pick_index(_u(seed, 3), FEATURE_WEIGHTS),
        _model=_pick_index(_u(seed, 4), MODEL_WEIGHTS),
        _env=_pick_index(_u(seed, 5), tuple(w for _, w in st.ENVIRONMENT_WEIGHTS)),
        _cache_u=_u(seed, 6),
        _status_u=_u(seed, 7),
        _hit_u=_u(seed, 8),
        _fb=_u(seed, 9),
        _n_in=_normal(seed, 10),
        _n_out=_normal(seed, 12),
    )
    shapes = list(st.FEATURE_SHAPES.values())
    med_in = _lookup(pl.col("_feat"), tuple(str(s[0]) for s in shapes)).cast(pl.Float64)
    med_out = _lookup(pl.col("_feat"), tuple(str(s[1]) for s in shapes)).cast(pl.Float64)
    anth = pl.col("_model") >= 2
    df = df.with_columns(
        _inp=pl.max_horizontal(40, (med_in * (pl.col("_n_in") * 0.35).exp()).cast(pl.Int64)),
        _out=pl.max_horizontal(1, (med_out * (pl.col("_n_out") * 0.45).exp()).cast(pl.Int64)),
        _status=pl.when(pl.col("_status_u") < 0.005)
        .then(2)
        .when(pl.col("_status_u") < 0.025)
        .then(1)
        .otherwise(0),
    )
    hit = (pl.col("_hit_u") < 0.04) & (pl.col("_status") == 0) & (pl.col("_k") > 0)
    df = df.with_columns(_hit=hit, _zero=hit | (pl.col("_status") == 2))
    read = pl.when(pl.col("_cache_u") < 0.35).then(
        (pl.col("_inp") * (0.3 + 0.5 * _u(seed, 14))).cast(pl.Int64)
    )
    df = df.with_columns(_read=read.otherwise(0))
    write = pl.when(anth & (pl.col("_cache_u") >= 0.35) & (pl.col("_cache_u") < 0.6)).then(
        ((pl.col("_inp") - pl.col("_read")) * (0.3 + 0.5 * _u(seed, 15))).cast(pl.Int64)
    )
    df = df.with_columns(_write=write.otherwise(0))
    zero, no_out = pl.col("_zero"), pl.col("_zero") | (pl.col("_status") == 1)
    fps = [fingerprint("bench", seed, x) for x in range(FINGERPRINTS)]
    fp_idx = (_u(seed, 16) ** 2 * FINGERPRINTS).cast(pl.UInt32)
    df = df.with_columns(_fp=pl.Series(fps, dtype=pl.String).gather(df.select(fp_idx).to_series()))
    prefix = f"b{seed}-"
    ident = pl.col("_k").cast(pl.String).str.zfill(10)
    offs_min = _lookup(pl.col("_tenant") % len(OFFSETS), tuple(str(o) for o, _ in OFFSETS))
    local = pl.from_epoch(pl.col("_ts"), time_unit="us") + pl.duration(
        minutes=offs_min.cast(pl.Int64)
    )
    src = pl.max_horizontal(
        0, pl.col("_k").cast(pl.Int64) - 1 - (_u(seed, 17) * 5000).cast(pl.Int64)
    )
    accepted = pl.when(pl.col("_fb") < 0.2).then(pl.col("_fb") < 0.15)
    out = df.with_columns(
        request_id=pl.lit(prefix) + ident,
        timestamp=local.dt.strftime("%Y-%m-%dT%H:%M:%S%.3f")
        + _lookup(pl.col("_tenant") % len(OFFSETS), tuple(o for _, o in OFFSETS)),
        tenant_id=pl.lit("bench-") + pl.col("_tenant").cast(pl.String).str.zfill(4),
        user_id=pl.lit("u-") + (_u(seed, 18) * 5000).cast(pl.Int64).cast(pl.String),
        feature=_lookup(pl.col("_feat"), FEATURES),
        app=_lookup(pl.col("_feat"), tuple(st.FEATURE_APPS[f] for f in FEATURES)),
        environment=_lookup(pl.col("_env"), tuple(e for e, _ in st.ENVIRONMENT_WEIGHTS)),
        provider=_lookup(pl.col("_model"), tuple(m[0] for m in BENCH_MODELS)),
        model=_lookup(pl.col("_model"), tuple(m[1] for m in BENCH_MODELS)),
        service_tier=pl.when(~pl.col("_hit") & (pl.col("_model") == 3) & (_u(seed, 19) < 0.2))
        .then(pl.lit("batch"))
        .otherwise(pl.lit("standard")),
        prompt_version=pl.lit("v1"),
        session_id=pl.lit(f"bs{seed}-") + (pl.col("_k") // 4).cast(pl.String),
        action_id=pl.lit(f"ba{seed}-") + ident,
        input_tokens=pl.when(zero).then(0).otherwise(pl.col("_inp")),
        cache_read_tokens=pl.when(zero).then(0).otherwise(pl.col("_read")),
        cache_write_tokens=pl.when(zero).then(0).otherwise(pl.col("_write")),
        cache_write_1h_tokens=pl.when(zero | (_u(seed, 20) >= 0.3))
        .then(0)
        .otherwise(pl.col("_write") // 2),
        output_tokens=pl.when(no_out).then(0).otherwise(pl.col("_out")),
        reasoning_tokens=pl.when(no_out | ~anth | (_u(seed, 21) >= 0.2))
        .then(0)
        .otherwise(pl.col("_out") // 3),
        cache_status=pl.when(pl.col("_hit") & (pl.col("_hit_u") < 0.015))
        .then(pl.lit("semantic"))
        .when(pl.col("_hit"))
        .then(pl.lit("exact"))
        .when((pl.col("_read") > 0) & ~zero)
        .then(pl.lit("prefix"))
        .otherwise(pl.lit("miss")),
        cache_source_request_id=pl.when(pl.col("_hit")).then(
            pl.lit(prefix) + src.cast(pl.String).str.zfill(10)
        ),
        latency_ms=pl.when(pl.col("_hit")).then(20).otherwise(200 + pl.col("_out") * 12),
        status=_lookup(pl.col("_status"), ("success", "error", "blocked")),
        error_type=pl.when(pl.col("_status") == 1)
        .then(pl.lit("rate_limit"))
        .when(pl.col("_status") == 2)
        .then(pl.lit("policy_violation")),
        result_type=_lookup(pl.col("_feat"), tuple(st.RESULT_TYPES[f] for f in FEATURES)),
        prompt_fingerprint=pl.col("_fp"),
        pii_detected=_u(seed, 22) < 0.03,
        policy_blocked=pl.col("_status") == 2,
        accepted=accepted,
        edit_distance=pl.when(accepted).then(pl.lit(0.2)),
        escalated=pl.lit(None, dtype=pl.Boolean),
        csat=pl.when(pl.col("_fb") > 0.95).then(1 + (pl.col("_fb") * 100).cast(pl.Int64) % 5),
        _day=pl.from_epoch(pl.col("_ts"), time_unit="us").dt.date(),
    )
    schema = native_schema()
    return out.select(*(pl.col(c).cast(schema[c]) for c in NATIVE_FIELDS), pl.col("_day"))


def generate_requests_frame(start: date, end: date, n_requests: int, seed: int) -> pl.DataFrame:
    """`n_requests` native records with timestamps in [start, end), sorted by time, unique ids."""
    return _frame(start, end, n_requests, seed).drop("_day")


def generate_benchmark(
    out_dir: Path, start: date, end: date, n_requests: int, *, seed: int = 7, fmt: str = "parquet"
) -> list[Path]:
    """Write a benchmark input: requests/YYYY-MM-DD.<fmt>, one file per UTC day."""
    df = _frame(start, end, n_requests, seed)
    parts = df.partition_by("_day", as_dict=True, include_key=False, maintain_order=True)
    paths = []
    day = start
    while day < end:
        part = parts.get((day,))
        if part is not None:
            path = Path(out_dir) / "requests" / f"{day.isoformat()}.{fmt}"
            write_frame(path, part, fmt)
            paths.append(path)
        day += timedelta(days=1)
    return paths
