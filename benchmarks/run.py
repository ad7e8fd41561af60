"""Benchmark: one day of N synthetic requests through the whole pipeline, against two baselines.

    .venv/bin/python -m benchmarks.run --rows 1000000 [--rows 10000000] \
        [--formats parquet,jsonl] [--out benchmarks/results]

For each N and format: writes N requests for one UTC day with the benchmark generator
(`pipelines.lib.sample.bench`) plus the sample catalog (tenants extended to the generated ids),
runs `costline run --from D --to D` as a subprocess (ingest, cost lines, FOCUS, checks, marts,
exports, publish) and records its wall time, per-step times (Dagster event log), the peak RSS
of its process tree, and the bytes stored per request in the Parquet outputs. In the same run it
times the *floor* (one DuckDB query summing tokens by tenant x feature x model x day over the
same input files) and costline's pricing of 10,000 rows against a `genai_prices.calc_price`
loop. Results: `<out>/<date>-<N>.json` and `.md`. See docs/benchmark.md for the targets.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from benchmarks import harness

DEFAULT_DAY = date(2026, 10, 15)
TARGETS = {
    "seconds_10m_parquet": 60.0,
    "floor_ratio": 20.0,
    "peak_rss_bytes": 4 * 1024**3,
    "bytes_per_request": 150.0,
    "pricing_speedup": 1000.0,
}
GiB = 1024**3


# --- the floor -------------------------------------------------------------------------------


def floor_query(files: list[str], fmt: str) -> str:
    """One DuckDB query: tokens by tenant x feature x model x UTC day over the input files."""
    paths = "[" + ", ".join(f"'{p}'" for p in files) + "]"
    if fmt == "parquet":
        source = f"read_parquet({paths})"
    else:
        source = f"read_json({paths}, format = 'newline_delimited')"
    return f"""
        select tenant_id, feature, model,
               cast(timezone('UTC', cast("timestamp" as timestamptz)) as date) as day,
               count(*) as requests,
               sum(input_tokens) as input_tokens,
               sum(coalesce(cache_read_tokens, 0)) as cache_read_tokens,
               sum(coalesce(cache_write_tokens, 0)) as cache_write_tokens,
               sum(output_tokens) as output_tokens
        from {source}
        group by all
    """


def time_floor(files: list[str], fmt: str) -> dict[str, object]:
    """The floor: wall time of the query in a fresh in-memory DuckDB (all cores)."""
    import duckdb

    con = duckdb.connect()
    try:
        con.execute("set timezone = 'UTC'")
        began, cpu = time.perf_counter(), time.process_time()
        rows = con.execute(floor_query(files, fmt)).fetchall()
        seconds, cpu = time.perf_counter() - began, time.process_time() - cpu
    finally:
        con.close()
    return {
        "seconds": round(seconds, 3),
        "cpu_seconds": round(cpu, 3),
        "groups": len(rows),
        "requests": int(sum(r[4] for r in rows)),
        "load": harness.load(),
    }


# --- pricing: costline vs a calc_price loop --------------------------------------------------


def canonical_frame(native):
    """Native benchmark records -> the canonical stg_requests columns (what ingest produces)."""
    import polars as pl

    from schemas.requests.canonical_request import CANONICAL_COLUMNS

    ts = pl.col("timestamp").str.to_datetime("%Y-%m-%dT%H:%M:%S%.f%#z", time_zone="UTC")
    frame = native.with_columns(
        timestamp_utc=ts.dt.replace_time_zone(None).dt.cast_time_unit("us"),
        request_date=ts.dt.date(),
        input_uncached_tokens=pl.col("input_tokens")
        - pl.col("cache_read_tokens")
        - pl.col("cache_write_tokens"),
        cache_write_5m_tokens=pl.col("cache_write_tokens") - pl.col("cache_write_1h_tokens"),
        csat=pl.col("csat").cast(pl.Float64),
        source_format=pl.lit("native-parquet"),
        source_file=pl.lit("requests/bench.parquet"),
        source_line=pl.int_range(1, pl.len() + 1, dtype=pl.Int64),
    )
    return frame.select(pl.col(c).cast(t) for c, t in CANONICAL_COLUMNS.items())


def _price_with_costline(canonical, day: date) -> dict[str, object]:
    """fct_cost_lines over a canonical frame loaded as stg_requests (in-memory DuckDB)."""
    import duckdb

    from pipelines.lib import warehouse
    from pipelines.lib.pricing import build_dim_prices

    con = duckdb.connect()
    try:
        con.register("stg_frame", canonical.to_arrow())
        con.execute("create table stg_requests as select * from stg_frame")
        con.unregister("stg_frame")
        began = time.perf_counter()
        build_dim_prices(con, harness.SAMPLE_CATALOG / "prices.csv")
        dim_seconds = time.perf_counter() - began
        model = warehouse.load_model(harness.ROOT / "sql" / "marts" / "fct_cost_lines.sql")
        began = time.perf_counter()
        priced = warehouse.run_model(con, model, day, day + timedelta(days=1))
        sql_seconds = time.perf_counter() - began
        total = warehouse.scalar(con, "select sum(list_cost) from fct_cost_lines")
        # The same model, its per-row exact prices summed instead of stored: what the loop does
        # (a price per row, added up), without writing a 72-column table.
        body = model.sql.rstrip().rstrip(";")
        began = time.perf_counter()
        prices_only_total, _ = con.execute(
            f"select sum(list_cost), count(*) from ({body})",
            {"start_date": day, "end_date": day + timedelta(days=1)},
        ).fetchall()[0]
        prices_only_seconds = time.perf_counter() - began
        status = dict(
            con.execute("select price_status, count(*) from fct_cost_lines group by 1").fetchall()
        )
    finally:
        con.close()
    return {
        "rows": priced,
        "sql_seconds": round(sql_seconds, 4),
        "sql_rows_per_second": round(priced / sql_seconds),
        "dim_prices_seconds": round(dim_seconds, 3),
        "list_total_usd": str(total),
        "price_status": status,
        "prices_only_seconds": round(prices_only_seconds, 4),
        "prices_only_rows_per_second": round(priced / prices_only_seconds),
        "prices_only_total_equal": prices_only_total == total,
    }


def time_pricing(day: date, rows: int, seed: int, scale_rows: int = 0) -> dict[str, object]:
    """Price the same `rows` requests (a) one by one with genai_prices.calc_price, as a user
    without costline would, and (b) with costline's fct_cost_lines model over stg_requests +
    dim_prices. Returns both times, the ratio and the list-price totals of each."""
    from decimal import Decimal

    from genai_prices import Usage, calc_price

    from pipelines.lib.pricing.list_prices import PROVIDER_IDS, TIER_CONTEXTS
    from pipelines.lib.sample.bench import generate_requests_frame

    native = generate_requests_frame(day, day + timedelta(days=1), rows, seed)
    canonical = canonical_frame(native)

    # (a) the row-by-row loop
    loop_total, loop_errors = Decimal(0), 0
    began = time.perf_counter()
    for row in canonical.iter_rows(named=True):
        usage = Usage(
            input_tokens=row["input_tokens"],
            cache_read_tokens=row["cache_read_tokens"],
            cache_write_tokens=row["cache_write_tokens"],
            cache_write_1h_tokens=row["cache_write_1h_tokens"],
            output_tokens=row["output_tokens"],
        )
        try:
            price = calc_price(
                usage,
                row["model"],
                provider_id=PROVIDER_IDS.get(row["provider"], row["provider"]),
                genai_request_timestamp=row["timestamp_utc"].replace(tzinfo=UTC),
                price_context=TIER_CONTEXTS.get(row["service_tier"]),
            )
            loop_total += price.total_price
        except LookupError:
            loop_errors += 1
    loop_seconds = time.perf_counter() - began

    # (b) costline: stg_requests + dim_prices -> fct_cost_lines (one SQL model)
    costline = _price_with_costline(canonical, day)
    scale = None
    if scale_rows:
        next_day = day + timedelta(days=1)
        big = canonical_frame(generate_requests_frame(day, next_day, scale_rows, seed))
        scale = _price_with_costline(big, day)
        del big
        loop_rate = rows / loop_seconds
        scale["loop_seconds_extrapolated"] = round(scale_rows / loop_rate, 1)
        scale["speedup_sql"] = round(scale_rows / loop_rate / scale["sql_seconds"], 1)
        scale["speedup_prices_only"] = round(
            scale_rows / loop_rate / scale["prices_only_seconds"], 1
        )
    return {
        "rows": rows,
        "loop_seconds": round(loop_seconds, 3),
        "loop_rows_per_second": round(rows / loop_seconds),
        "loop_lookup_errors": loop_errors,
        "loop_list_total_usd": str(loop_total),
        "costline_sql_seconds": costline["sql_seconds"],
        "costline_dim_prices_seconds": costline["dim_prices_seconds"],
        "costline_rows": costline["rows"],
        "costline_list_total_usd": costline["list_total_usd"],
        "costline_price_status": costline["price_status"],
        "speedup_sql": round(loop_seconds / costline["sql_seconds"], 1),
        "costline_prices_only_seconds": costline["prices_only_seconds"],
        "costline_prices_only_total_equal": costline["prices_only_total_equal"],
        "speedup_prices_only": round(loop_seconds / costline["prices_only_seconds"], 1),
        "speedup_incl_dim_prices": round(
            loop_seconds / (costline["sql_seconds"] + costline["dim_prices_seconds"]), 1
        ),
        "at_scale": scale,
        "load": harness.load(),
    }


# --- one N, one format -----------------------------------------------------------------------


def bench_format(
    rows: int, fmt: str, day: date, work: Path, seed: int, max_rss_bytes: int = 0
) -> dict[str, object]:
    """Generate (or reuse) the input, run the pipeline, time the floor; one result dict."""
    input_dir = work / f"input-{rows}-{fmt}"
    sys.stderr.write(f"benchmark: {rows:,} requests as {fmt}: preparing {input_dir}\n")
    prepared = harness.prepare_input(input_dir, day, rows, fmt, seed=seed)
    output_dir = work / f"output-{rows}-{fmt}"
    sys.stderr.write(f"benchmark: running costline ({harness.load()} load)\n")
    run = harness.run_costline(
        input_dir, output_dir, day, day, work / f"logs-{rows}-{fmt}", max_rss_bytes=max_rss_bytes
    )
    if run.exit_code not in (0, 1):
        sys.stderr.write(run.stderr_tail + "\n")
    cost_lines = harness.parquet_bytes(output_dir / "cost_lines")
    focus = harness.parquet_bytes(output_dir / "focus")
    marts = harness.parquet_bytes(output_dir / "marts")
    warehouse_db = output_dir / "warehouse.duckdb"
    sys.stderr.write(f"benchmark: floor query ({harness.load()} load)\n")
    floor = time_floor(prepared["files"], fmt)
    return {
        "format": fmt,
        "rows": rows,
        "input": prepared,
        "pipeline": run.as_dict(),
        "rows_per_second": round(rows / run.wall_seconds),
        "rows_per_second_dagster_run": round(rows / run.dagster_run_seconds)
        if run.dagster_run_seconds
        else None,
        "stored_bytes": {
            "cost_lines": cost_lines,
            "focus": focus,
            "marts": marts,
            "warehouse_duckdb": warehouse_db.stat().st_size if warehouse_db.exists() else 0,
        },
        "bytes_per_request": {
            "cost_lines": round(cost_lines / rows, 2),
            "focus": round(focus / rows, 2),
            "cost_lines_plus_focus": round((cost_lines + focus) / rows, 2),
        },
        "floor": floor,
        "floor_ratio": round(run.wall_seconds / floor["seconds"], 1),
        "floor_ratio_cpu": round(run.cpu_seconds / floor["cpu_seconds"], 1)
        if floor["cpu_seconds"]
        else None,
    }


# --- report ----------------------------------------------------------------------------------


def _mb(n: int) -> str:
    return f"{n / 1024**2:,.0f} MB"


def verdicts(result: dict[str, object]) -> list[str]:
    """Targets met or not, for this N (the time target is for 10M from Parquet)."""
    out = []
    for item in result["formats"]:
        fmt, rows, pipe = item["format"], item["rows"], item["pipeline"]
        tag = f"{fmt} {rows:,}"
        if pipe["exit_code"] not in (0, 1):
            out.append(
                f"{tag}: the run did not finish (exit code {pipe['exit_code']} after "
                f"{pipe['wall_seconds']:.0f} s, peak RSS {pipe['peak_rss_tree_bytes'] / GiB:.2f} "
                "GiB): NOT met; figures above are partial"
                + (" (stopped by --max-rss-gb)" if pipe.get("killed_above_rss_bytes") else "")
            )
            continue
        if fmt == "parquet" and rows >= 10_000_000:
            ok = pipe["wall_seconds"] <= TARGETS["seconds_10m_parquet"]
            out.append(
                f"{tag}: end to end {pipe['wall_seconds']:.1f} s vs <= 60 s: "
                f"{'met' if ok else 'NOT met'}"
            )
        ok = item["floor_ratio"] <= TARGETS["floor_ratio"]
        out.append(
            f"{tag}: {item['floor_ratio']}x the floor vs <= 20x: {'met' if ok else 'NOT met'}"
        )
        ok = pipe["peak_rss_tree_bytes"] <= TARGETS["peak_rss_bytes"]
        out.append(
            f"{tag}: peak RSS {pipe['peak_rss_tree_bytes'] / GiB:.2f} GiB vs <= 4 GiB: "
            f"{'met' if ok else 'NOT met'}"
        )
        bpr = item["bytes_per_request"]["cost_lines_plus_focus"]
        ok = bpr <= TARGETS["bytes_per_request"]
        out.append(f"{tag}: {bpr} bytes/request vs <= 150: {'met' if ok else 'NOT met'}")
    pricing = result.get("pricing")
    if pricing:
        ok = pricing["speedup_sql"] >= TARGETS["pricing_speedup"]
        out.append(
            f"pricing {pricing['rows']:,} rows: {pricing['speedup_sql']}x the calc_price loop "
            f"vs >= 1000x: {'met' if ok else 'NOT met'}"
        )
    return out


def markdown(result: dict[str, object]) -> str:
    """The human-readable result."""
    m = result["machine"]
    lines = [
        f"# costline benchmark {result['date']}, {result['rows']:,} requests, one day",
        "",
        f"- command: `{result['command']}`",
        f"- machine: {m['cores']} cores, {m['ram_gb']} GB RAM, {m['cpu']}; load average at "
        f"start {m['load_average']} (shared machine)",
        f"- versions: Python {m['python']}, duckdb {m['duckdb']}, polars {m['polars']}",
        f"- day: {result['day']}, seed {result['seed']}",
        "",
        "| format | input | end to end | startup (to 1st step) | Dagster run | after run "
        "| rows/s | CPU s | peak RSS (tree) | floor | ratio (wall; CPU) | cost_lines B/req "
        "| focus B/req | load before → after |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for item in result["formats"]:
        p = item["pipeline"]
        lines.append(
            f"| {item['format']} | {_mb(item['input']['bytes'])} | {p['wall_seconds']:.1f} s "
            f"| {p['first_step_offset_seconds']} s | {p['dagster_run_seconds']} s "
            f"| {p['after_run_seconds']} s "
            f"| {item['rows_per_second']:,} | {p.get('cpu_seconds')} "
            f"| {p['peak_rss_tree_bytes'] / GiB:.2f} GiB "
            f"| {item['floor']['seconds']:.2f} s | {item['floor_ratio']}x; "
            f"{item.get('floor_ratio_cpu')}x "
            f"| {item['bytes_per_request']['cost_lines']} | {item['bytes_per_request']['focus']} "
            f"| {p['load_before'][0]} → {p['load_after'][0]} |"
        )
    for item in result["formats"]:
        p = item["pipeline"]
        lines += ["", f"## {item['format']}: seconds per stage (sum of Dagster steps)", ""]
        lines += [f"- {stage}: {sec:.1f} s" for stage, sec in p["stages"].items()]
        lines += ["", f"Slowest steps ({item['format']}):", ""]
        lines += [f"- {step}: {sec:.1f} s" for step, sec in list(p["steps"].items())[:12]]
        lines += ["", f"Peak RSS of the process tree while a step ran ({item['format']}):", ""]
        lines += [
            f"- {step}: {b / GiB:.2f} GiB" for step, b in p.get("step_peak_rss_bytes", {}).items()
        ]
        if p["exit_code"] != 0:
            lines += ["", f"exit code {p['exit_code']}:", "```", p["stderr_tail"], "```"]
    pricing = result.get("pricing")
    if pricing:
        lines += [
            "",
            f"## Pricing {pricing['rows']:,} requests",
            "",
            f"- `genai_prices.calc_price` loop: {pricing['loop_seconds']:.2f} s "
            f"({pricing['loop_rows_per_second']:,} rows/s), list total "
            f"{pricing['loop_list_total_usd'][:12]} USD",
            f"- costline `fct_cost_lines`: {pricing['costline_sql_seconds']:.3f} s "
            f"(+ dim_prices {pricing['costline_dim_prices_seconds']:.2f} s once), list total "
            f"{str(pricing['costline_list_total_usd'])[:12]} USD, "
            f"{pricing['costline_price_status']}",
            f"- speedup: {pricing['speedup_sql']}x (SQL model), "
            f"{pricing['speedup_incl_dim_prices']}x including the dim_prices build",
            f"- the same model with its per-row prices summed, not stored: "
            f"{pricing['costline_prices_only_seconds']:.3f} s, "
            f"{pricing['speedup_prices_only']}x (same total: "
            f"{pricing['costline_prices_only_total_equal']})",
        ]
        scale = pricing.get("at_scale")
        if scale:
            lines.append(
                f"- at scale: fct_cost_lines prices {scale['rows']:,} rows in "
                f"{scale['sql_seconds']:.2f} s ({scale['sql_rows_per_second']:,} rows/s); the "
                f"loop would take {scale['loop_seconds_extrapolated']:,} s: "
                f"{scale['speedup_sql']}x; per-row prices summed, not stored: "
                f"{scale['prices_only_seconds']:.2f} s "
                f"({scale['prices_only_rows_per_second']:,} rows/s), "
                f"{scale['speedup_prices_only']}x"
            )
    lines += ["", "## Targets", ""] + [f"- {v}" for v in result["verdicts"]]
    if result.get("notes"):
        lines += ["", "## Notes", ""] + [f"- {n}" for n in result["notes"]]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark matrix from the command line."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__)
    parser.add_argument("--rows", type=int, action="append", help="requests (repeatable)")
    parser.add_argument("--formats", default="parquet,jsonl")
    parser.add_argument("--out", type=Path, default=harness.ROOT / "benchmarks" / "results")
    parser.add_argument("--work", type=Path, default=Path("/tmp/costline-bench"))
    parser.add_argument("--day", type=date.fromisoformat, default=DEFAULT_DAY)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--pricing-rows", type=int, default=10_000, help="0 to skip")
    parser.add_argument(
        "--pricing-scale-rows",
        type=int,
        default=1_000_000,
        help="also time fct_cost_lines alone on this many rows (throughput; 0 to skip)",
    )
    parser.add_argument(
        "--max-rss-gb",
        type=float,
        default=16.0,
        help="stop the pipeline when its process tree passes this RSS (0 = never); protects a "
        "shared machine, the run is then reported as not finished",
    )
    parser.add_argument("--render", type=Path, help="only re-render RESULT.json to .md")
    args = parser.parse_args(argv)
    rows_list = args.rows or [1_000_000]
    formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    args.out.mkdir(parents=True, exist_ok=True)
    command = "python -m benchmarks.run " + " ".join(argv if argv is not None else sys.argv[1:])
    pricing = None
    if args.pricing_rows:
        sys.stderr.write(f"benchmark: pricing {args.pricing_rows:,} rows both ways\n")
        pricing = time_pricing(args.day, args.pricing_rows, args.seed, args.pricing_scale_rows)
    written = []
    if args.render:  # re-render the Markdown of an existing JSON result (e.g. after a note)
        result = json.loads(args.render.read_text())
        result["verdicts"] = verdicts(result)
        args.render.write_text(json.dumps(result, indent=2, default=str) + "\n")
        args.render.with_suffix(".md").write_text(markdown(result))
        return 0
    for rows in rows_list:
        result: dict[str, object] = {
            "date": datetime.now(UTC).date().isoformat(),
            "started_utc": datetime.now(UTC).isoformat(timespec="seconds"),
            "command": command,
            "machine": harness.machine(),
            "rows": rows,
            "day": args.day.isoformat(),
            "seed": args.seed,
            "targets": TARGETS,
            "formats": [
                bench_format(rows, f, args.day, args.work, args.seed, int(args.max_rss_gb * GiB))
                for f in formats
            ],
            "pricing": pricing,
        }
        result["verdicts"] = verdicts(result)
        stem = args.out / f"{result['date']}-{rows}"
        stem.with_suffix(".json").write_text(json.dumps(result, indent=2, default=str) + "\n")
        stem.with_suffix(".md").write_text(markdown(result))
        written.append(stem)
        sys.stdout.write(markdown(result) + "\n")
    sys.stdout.write("wrote " + ", ".join(f"{s}.json/.md" for s in written) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
