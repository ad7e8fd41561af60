"""Load a window of request logs straight into the warehouse, bounded in memory.

`load_requests_sql(con, input_dir, start, end)` does what `read_requests` + `staging.load_window`
do (same reasons, same accounting, same idempotent window replacement) without holding the
window in Python:

- native Parquet files are validated by DuckDB SQL reading `read_parquet([...], filename=true,
  file_row_number=true)` (one statement per group of files with the same schema), with the
  checks of `normalise.py` translated to SQL in the same order (`_select_sql`);
- native JSONL(.gz) is cut into lines by Polars (128 MiB chunks: exact line numbers, BOM, CRLF,
  invalid UTF-8), then parsed (`json_extract`) and validated by the same SQL;
- every other file (CSV, other log formats through their adapter, Parquet files whose name
  holds glob characters) goes through the Polars reader and is appended as Arrow;
- both land in the scratch table `_ingest_scratch` (canonical columns + first error), where
  duplicates, the window split and the per-file accounting are done in SQL, then the window of
  `stg_requests` / `quarantine_requests` is replaced in one transaction.

The Polars `normalise` stays the reference;
`tests/test_requests/hostile/test_sql_parity.py` checks that
both paths give the same tables.
"""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import polars as pl
import pyarrow.parquet as pq

from pipelines.lib.progress import Bar
from pipelines.lib.requests import (
    _FILE_REASONS,
    _MAX_ID,
    _READ_ERRORS,
    _iter_file,
    side_tables,
    unknown_fields,
)
from pipelines.lib.requests.adapters import load_mapping
from pipelines.lib.requests.discover import (
    UNRECOGNISED,
    UNSUPPORTED,
    content_format,
    discover,
    read_head,
    sha256_of,
)
from pipelines.lib.requests.jsonl import iter_chunks, split_lines
from pipelines.lib.requests.normalise import PROVIDER_PATTERN, SCRATCH_COLUMNS
from pipelines.lib.requests.result import (
    ERR_FIELD,
    ERR_REASON,
    INT_FIELDS,
    MAX_TOKENS,
    NATIVE_FIELDS,
    REQUIRED_FIELDS,
    STRING_FIELDS,
    TIMESTAMP_FIELD,
    TOKEN_FIELDS,
    FileStat,
    IngestStats,
)
from pipelines.lib.requests.rules import (
    CRITICAL_FIELDS,
    OPTIONAL_RULES,
    REPAIR,
    RFC3339_SHAPE,
    TIMESTAMP_BEFORE_MIN,
    TIMESTAMP_MIN,
    sql_repair,
)
from pipelines.lib.requests.sql_sources import in_, jsonl_source, kind_of, lit, parquet_source, q
from pipelines.lib.requests.staging import ensure_tables
from schemas.requests.canonical_request import (
    APP_CACHE_HITS,
    CANONICAL_COLUMNS,
    ENVIRONMENTS,
    QUARANTINE_COLUMNS,
    SERVICE_TIERS,
)

SCRATCH = "_ingest_scratch"
# read_parquet() expands these; such (rare) file names are read by the Polars reader instead.
_GLOB = re.compile(r"[*?\[\]{}]")
_WS = "' ' || chr(9) || chr(10) || chr(13) || chr(11) || chr(12)"
_OFFSET = r"(?i)(z|[+-]\d{2}:?\d{2})$"


def _text(col: str) -> str:
    """Text stripped of ASCII whitespace, '' as NULL (Polars `strip_chars`; it also strips
    Unicode spaces such as U+00A0, this does not). Trimming copies every string, so it only
    runs on values that start or end with a character <= U+0020 (or are empty)."""
    c = f"{col}::varchar"
    ends = " or ".join(f"ends_with({c}, chr({n}))" for n in (32, 9, 10, 13, 11, 12))
    return f"(case when ascii({c}) <= 32 or {ends} then nullif(trim({c}, {_WS}), '') else {c} end)"


def _no_underscore(text: str) -> str:
    """DuckDB reads `1_000` as a number, Polars does not."""
    return f"case when not contains({text}, '_') then {text} end"


def _integral(expr: str) -> str:
    return (
        f"case when isfinite({expr}) and {expr} = floor({expr}) and abs({expr}) < 9e15 "
        f"then ({expr})::bigint end"
    )


def _typed(name: str, kind: str) -> tuple[str, str]:
    """(typed value SQL, wrong-type flag SQL) for one critical field, as `normalise` types it;
    for an optional field (value SQL, repair action SQL) by the shared rules."""
    col = q("r_" + name)
    present = f"({col} is not null)"
    if name in OPTIONAL_RULES:
        number = f"try_cast({_no_underscore(_text(col))} as double)"
        return sql_repair(OPTIONAL_RULES[name], col, kind, _text(col), number)
    if kind == "n":
        return f"null::{'bigint' if name in INT_FIELDS else 'varchar'}", "false"
    if name in STRING_FIELDS:
        if kind == "s":
            return _text(col), "false"
        if kind in ("i", "b"):
            return f"lower({col}::varchar)" if kind == "b" else f"{col}::varchar", "false"
        if kind == "f":  # polars prints floats like 1.0 / 1.5
            return f"{col}::varchar", "false"
        return "null::varchar", present
    if name in INT_FIELDS:
        if kind == "s":  # as Polars casts text: digits only, else an integral float
            text = _text(col)
            digits = f"regexp_full_match({text}, '[+-]?[0-9]+')"
            as_int = f"case when {digits} then try_cast({text} as bigint) end"
            as_float = _integral(f"try_cast({_no_underscore(text)} as double)")
            value = f"coalesce({as_int}, {as_float})"
            return value, f"({text} is not null and {value} is null)"
        if kind == "i":
            value = f"try_cast({col} as bigint)"
        elif kind == "f":
            value = _integral(f"{col}::double")
        else:
            value = "null::bigint"
        return value, f"({present} and {value} is null)"
    raise ValueError(name)


def _timestamp(kind: str, now: datetime) -> tuple[list[list[str]], dict[str, str]]:
    """(layers, expressions) for the timestamp field. `layers` are SELECT lists that wrap the
    source innermost first (each computes columns once that several checks read: parsing a
    text timestamp is the costliest thing ingest does); `expressions` read them."""
    col = q("r_" + TIMESTAMP_FIELD)
    layers: list[list[str]] = []
    if kind == "tz":
        ts, no_offset, unparsable = f"timezone('UTC', {col})", "false", "false"
    elif kind == "ts":
        ts, no_offset, unparsable = "null::timestamp", f"({col} is not null)", "false"
    elif kind == "s":
        # The common shape is checked by one regex and parsed by DuckDB's own ISO parser; the
        # offset regex (for the "no offset" reason) only runs on rows of another shape.
        layers = [
            [f"{_text(col)} as _ts_text"],
            [
                f"regexp_full_match(_ts_text, {lit(RFC3339_SHAPE)}) as _ts_shape",
                # DuckDB's parser wants upper-case T / Z: retried only where it failed
                "timezone('UTC', coalesce(try_cast(_ts_text as timestamptz), "
                "try_cast(upper(_ts_text) as timestamptz))) as _ts_parsed",
            ],
        ]
        has_offset = f"regexp_matches(_ts_text, {lit(_OFFSET)})"
        ts = "case when _ts_shape then _ts_parsed end"
        no_offset = f"(_ts_text is not null and not _ts_shape and not {has_offset})"
        unparsable = f"(case when _ts_shape then _ts_parsed is null else {has_offset} end)"
    elif kind == "n":
        ts, no_offset, unparsable = "null::timestamp", "false", "false"
    else:
        ts, no_offset, unparsable = "null::timestamp", "false", f"({col} is not null)"
    limit = lit((now.astimezone(UTC).replace(tzinfo=None) + timedelta(days=1)).isoformat())
    return layers, {
        "ts": ts,
        "no_offset": f"coalesce({no_offset}, false)",
        "unparsable": f"coalesce({unparsable}, false)",
        "future": f"coalesce(({ts}) > {limit}::timestamp, false)",
        "past": f"coalesce(({ts}) < {lit(TIMESTAMP_MIN.isoformat())}::timestamp, false)",
        "missing": "(_ts_text is null)" if kind == "s" else f"({col} is null)",
    }


def _select_sql(kinds: dict[str, str], now: datetime, source: str) -> str:
    """SELECT producing the scratch columns from `source` (columns r_<field>, source_file,
    source_line, _err_field/_err_reason from the reader). Mirrors `normalise` check for check."""
    typed = {f: _typed(f, kinds.get(f, "n")) for f in NATIVE_FIELDS if f != TIMESTAMP_FIELD}
    layers, t = _timestamp(kinds.get(TIMESTAMP_FIELD, "n"), now)
    for layer in layers:
        source = f"(select *, {', '.join(layer)} from {source})"
    inner = [
        "source_file",
        "source_line",
        "source_format",
        ERR_FIELD,
        ERR_REASON,
        *[f"{v} as {q(f)}" for f, (v, _) in typed.items()],
        *[
            f"coalesce({w}, false) as {q('_te_' + f)}"
            if f in CRITICAL_FIELDS
            else f"coalesce({q(REPAIR + f)}, {w}) as {q(REPAIR + f)}"
            for f, (_, w) in typed.items()
        ],
        f"case when not {t['future']} and not {t['past']} then {t['ts']} end as timestamp_utc",
        f"{t['no_offset']} as _no_offset",
        f"{t['unparsable']} as _unparsable",
        f"{t['future']} as _future",
        f"{t['past']} as _past",
        f"{t['missing']} as _ts_missing",
        *[
            (
                f"({q('r_' + f)} is not null and {_text(q('r_' + f))} is null)"
                if kinds.get(f) == "s"
                else "false"
            )
            + f" as {q('_empty_' + f)}"
            for f in REQUIRED_FIELDS
            if f in STRING_FIELDS
        ],
    ]
    checks: list[tuple[str, str, str]] = []
    for f in REQUIRED_FIELDS:
        if f == TIMESTAMP_FIELD:
            checks.append(("_ts_missing", f, f"missing required field {f}"))
        elif f in STRING_FIELDS:
            checks.append((q("_empty_" + f), f, f"empty {f}"))
            checks.append((f"{q(f)} is null", f, f"missing required field {f}"))
        else:
            checks.append(
                (f"{q(f)} is null and not {q('_te_' + f)}", f, f"missing required field {f}")
            )
    checks += [
        ("_no_offset", TIMESTAMP_FIELD, "timestamp has no UTC offset"),
        ("_unparsable", TIMESTAMP_FIELD, "timestamp is not a valid RFC 3339 date-time"),
        ("_future", TIMESTAMP_FIELD, "timestamp is more than 1 day in the future"),
        ("_past", TIMESTAMP_FIELD, TIMESTAMP_BEFORE_MIN),
    ]
    kinds_text = {
        **dict.fromkeys(STRING_FIELDS, "has the wrong type"),
        **dict.fromkeys(INT_FIELDS, "is not an integer"),
    }
    checks += [
        (q("_te_" + f), f, f"{f} {what}") for f, what in kinds_text.items() if f in CRITICAL_FIELDS
    ]
    for f, allowed in (("environment", ENVIRONMENTS), ("service_tier", SERVICE_TIERS)):
        checks.append((f"{q(f)} is not null and {q(f)} not in {in_(allowed)}", f, f"unknown {f}"))
    checks.append(
        (
            f"not regexp_matches(provider, {lit(PROVIDER_PATTERN)})",
            "provider",
            "provider is not a lower-case identifier",
        )
    )
    for f in TOKEN_FIELDS:
        checks.append((f"{q(f)} < 0", f, f"{f} is negative"))
        checks.append((f"{q(f)} > {MAX_TOKENS}", f, f"{f} exceeds {MAX_TOKENS:,} per request"))
    tok = {f: f"coalesce({q(f)}, 0)" for f in TOKEN_FIELDS}
    checks += [
        (
            f"{tok['cache_read_tokens']} + {tok['cache_write_tokens']} > {tok['input_tokens']}",
            "input_tokens",
            "cache_read_tokens + cache_write_tokens exceed input_tokens",
        ),
        (
            f"{tok['cache_write_1h_tokens']} > {tok['cache_write_tokens']}",
            "cache_write_1h_tokens",
            "cache_write_1h_tokens exceed cache_write_tokens",
        ),
        (
            f"{tok['reasoning_tokens']} > {tok['output_tokens']}",
            "reasoning_tokens",
            "reasoning_tokens exceed output_tokens",
        ),
        (
            f"cache_status in {in_(APP_CACHE_HITS)} "
            f"and {tok['input_tokens']} + {tok['output_tokens']} > 0",
            "cache_status",
            "app-cache hit (exact/semantic) with nonzero provider tokens",
        ),
    ]
    field_case = " ".join(f"when coalesce({c}, false) then {lit(f)}" for c, f, _ in checks)
    reason_case = " ".join(f"when coalesce({c}, false) then {lit(r)}" for c, _, r in checks)
    optional = [f for f in TOKEN_FIELDS if f not in REQUIRED_FIELDS]
    finished = {
        **{f: f"coalesce({q(f)}, 0)" for f in optional},
        "service_tier": "coalesce(service_tier, 'standard')",
        "status": "coalesce(status, 'success')",
        "cache_status": (
            "coalesce(cache_status, case when coalesce(cache_read_tokens, 0) > 0 "
            "then 'prefix' else 'miss' end)"
        ),
        "request_date": "timestamp_utc::date",
        "input_uncached_tokens": (
            "input_tokens - coalesce(cache_read_tokens, 0) - coalesce(cache_write_tokens, 0)"
        ),
        "cache_write_5m_tokens": (
            "coalesce(cache_write_tokens, 0) - coalesce(cache_write_1h_tokens, 0)"
        ),
    }
    outer = [f"({finished.get(c, q(c))})::{_sql_type(c)} as {q(c)}" for c in CANONICAL_COLUMNS]
    outer += [
        f"coalesce({ERR_FIELD}, case {field_case} end) as {ERR_FIELD}",
        f"coalesce({ERR_REASON}, case {reason_case} end) as {ERR_REASON}",
        *[q(REPAIR + f) for f in OPTIONAL_RULES],
    ]
    return f"select {', '.join(outer)} from (select {', '.join(inner)} from {source})"


def _sql_type(column: str) -> str:
    return {
        pl.String(): "varchar",
        pl.Datetime("us"): "timestamp",
        pl.Date(): "date",
        pl.Int64(): "bigint",
        pl.Float64(): "double",
        pl.Boolean(): "boolean",
    }[SCRATCH_COLUMNS[column]]


def _insert_jsonl(con: duckdb.DuckDBPyConnection, path: Path, rel: str, now: datetime) -> None:
    """A native JSONL(.gz) file, chunk by chunk: lines are cut by Polars (exact numbers, CR and
    BOM dropped, invalid UTF-8 found), everything else is SQL."""
    select = _select_sql(dict.fromkeys(NATIVE_FIELDS, "s"), now, jsonl_source(rel))
    for first_line, block in iter_chunks(path):
        lines, bad = split_lines(block, first_line)
        if bad:
            lines = pl.concat(
                [lines, pl.DataFrame({"source_line": bad, "line": None}, schema=lines.schema)]
            )
        con.register("_ingest_lines", lines.to_arrow())
        try:
            con.execute(f"insert into {SCRATCH} by name {select}")
        finally:
            con.unregister("_ingest_lines")


def _create_scratch(con: duckdb.DuckDBPyConnection) -> None:
    cols = ", ".join(f"{q(c)} {_sql_type(c)}" for c in SCRATCH_COLUMNS)
    con.execute(f"drop table if exists {SCRATCH}")
    con.execute(f"create temp table {SCRATCH} ({cols})")


def _append_frame(con: duckdb.DuckDBPyConnection, frame: pl.DataFrame) -> None:
    con.register("_ingest_frame", frame.to_arrow())
    try:
        con.execute(f"insert into {SCRATCH} by name select * from _ingest_frame")
    finally:
        con.unregister("_ingest_frame")


def _file_error(con: duckdb.DuckDBPyConnection, rel: str, fmt: str, reason: str) -> None:
    con.execute(f"delete from {SCRATCH} where source_file = ?", [rel])
    con.execute(
        f"insert into {SCRATCH} (source_file, source_line, source_format, {ERR_FIELD}, "
        f"{ERR_REASON}) values (?, 0, ?, 'file', ?)",
        [rel, fmt, reason],
    )


def load_requests_sql(
    con: duckdb.DuckDBPyConnection,
    input_dir: Path,
    start: date,
    end: date,
    *,
    now: datetime | None = None,
) -> tuple[IngestStats, list[FileStat]]:
    """Replace [start, end) of stg_requests / quarantine_requests with the request logs under
    `<input_dir>/requests/`. Same reasons, accounting and idempotence as `read_requests` +
    `staging.load_window`; returns the load stats and what happened to each file."""
    now = now or datetime.now(UTC)
    input_dir = Path(input_dir)
    mapping = load_mapping(input_dir / "catalog" / "mapping.toml")
    ensure_tables(con)
    side_tables.ensure(con)
    _create_scratch(con)
    stats: list[FileStat] = []
    parquet_groups: dict[tuple[tuple[str, str], ...], list[tuple[str, str]]] = {}
    unknown: dict[str, tuple[list[unknown_fields.UnknownField], pl.DataFrame]] = {}
    reader = duckdb.connect()
    found_files = list(discover(input_dir))
    bar = Bar("reading request logs", sum(path.stat().st_size for path, _, _ in found_files))
    try:
        for path, rel, container in found_files:
            bar.advance(path.stat().st_size)
            stat = FileStat(path=rel, format=container, sha256=sha256_of(path))
            stats.append(stat)
            fmt = container
            if container != UNSUPPORTED:
                fmt = content_format(path, container, read_head(path))
                stat.format = fmt
            if fmt == UNSUPPORTED:
                stat.error = "unsupported file type"
            elif fmt == UNRECOGNISED:
                stat.error = "unrecognised content"
            elif fmt == "native-parquet" and not _GLOB.search(str(path)):
                try:
                    pl.read_parquet_schema(path)  # same error (and reason) as the Polars reader
                    schema = pq.read_schema(path)
                    unknown[rel] = unknown_fields.scan(path, rel, fmt, reader)
                except Exception as exc:  # any unreadable footer
                    stat.error = f"{_FILE_REASONS[fmt]}: {type(exc).__name__}"
                else:
                    kinds = tuple(
                        (f, kind_of(schema.field(f).type))
                        for f in NATIVE_FIELDS
                        if f in schema.names
                    )
                    parquet_groups.setdefault(kinds, []).append((str(path), rel))
                    continue
            else:
                try:
                    if fmt == "native-jsonl":
                        _insert_jsonl(con, path, rel, now)
                    else:
                        for frame in _iter_file(path, rel, fmt, reader, now, mapping):
                            _append_frame(con, frame)
                    unknown[rel] = unknown_fields.scan(path, rel, fmt, reader)
                except duckdb.Error as exc:
                    # A bug, not bad data (every cast is a try_cast): name the file, but do not
                    # chain DuckDB's message, which may quote a raw value.
                    raise RuntimeError(
                        f"ingest failed on {rel} ({type(exc).__name__}); rerun "
                        "pipelines.lib.requests.read_requests on it to compare"
                    ) from None
                except _READ_ERRORS as exc:
                    reason = _FILE_REASONS.get(fmt, f"unreadable {fmt} file")
                    stat.error = f"{reason}: {type(exc).__name__}"
                else:
                    continue
            _file_error(con, rel, fmt, stat.error)
    finally:
        bar.close()
        reader.close()
    for kinds, files in parquet_groups.items():
        _insert_parquet(con, dict(kinds), files, now)
    by_path = {s.path: s for s in stats}
    for rel in _failed_parquet(con, parquet_groups):
        by_path[rel].error = "unreadable Parquet file"
    found = [u for rel, (f, _) in unknown.items() if not by_path[rel].error for u in f]
    for rel, (_, typos) in unknown.items():
        if not by_path[rel].error:
            unknown_fields.apply_sql(con, SCRATCH, rel, typos)
    return _finish(con, stats, start, end, unknown_fields.frame_of(found)), stats


def _insert_parquet(
    con: duckdb.DuckDBPyConnection,
    kinds: dict[str, str],
    files: list[tuple[str, str]],
    now: datetime,
) -> None:
    con.execute("create or replace temp table _ingest_paths (path varchar, rel varchar)")
    con.executemany("insert into _ingest_paths values (?, ?)", [list(f) for f in files])
    listing = "[" + ", ".join(lit(p) for p, _ in files) + "]"
    source = parquet_source(kinds, listing)
    try:
        con.execute(f"insert into {SCRATCH} by name {_select_sql(kinds, now, source)}")
    except duckdb.Error:
        # One file of the group is unreadable past its footer: read them one by one.
        if len(files) == 1:
            _file_error(con, files[0][1], "native-parquet", "unreadable Parquet file")
            return
        for one in files:
            _insert_parquet(con, kinds, [one], now)


def _failed_parquet(
    con: duckdb.DuckDBPyConnection, groups: dict[tuple[tuple[str, str], ...], list[tuple[str, str]]]
) -> list[str]:
    rels = [rel for files in groups.values() for _, rel in files]
    if not rels:
        return []
    rows = con.execute(
        f"select distinct source_file from {SCRATCH} where source_line = 0 "
        "and list_contains(?, source_file)",
        [rels],
    ).fetchall()
    return [r[0] for r in rows]


def _finish(
    con: duckdb.DuckDBPyConnection,
    stats: list[FileStat],
    start: date,
    end: date,
    unknown: pl.DataFrame,
) -> IngestStats:
    window = {"s": start, "e": end}
    scanned = sorted(s.path for s in stats)
    in_window = "(request_date >= $s and request_date < $e)"
    con.execute("begin transaction")
    try:
        skipped = side_tables.move_skipped(con, SCRATCH, scanned)
        side_tables.replace_unknown(con, scanned, unknown)
        # Duplicates among valid records of all files read: the first by (file, line) wins.
        con.execute(
            f"""update {SCRATCH} t set {ERR_FIELD} = 'request_id',
                    {ERR_REASON} = 'duplicate request_id (first seen in ' || d.first_file
                                   || ':' || d.first_line || ')'
                from (
                    select source_file, source_line,
                           first_value(source_file) over w as first_file,
                           first_value(source_line) over w as first_line,
                           row_number() over w as n
                    from {SCRATCH}
                    where {ERR_FIELD} is null and request_id in (
                        select request_id from {SCRATCH} where {ERR_FIELD} is null
                        group by request_id having count(*) > 1)
                    window w as (partition by request_id order by source_file, source_line)
                ) d
                where d.n > 1 and t.source_file = d.source_file
                  and t.source_line = d.source_line"""
        )
        con.execute(
            "delete from stg_requests where request_date >= $s and request_date < $e", window
        )
        con.execute(
            """delete from quarantine_requests
               where (request_date >= $s and request_date < $e)
                  or (request_date is null and list_contains($files, source_file))""",
            {**window, "files": scanned},
        )
        # Already loaded for another day: the earlier copy wins, this one is a duplicate.
        con.execute(
            f"""update {SCRATCH} t set {ERR_FIELD} = 'request_id',
                    {ERR_REASON} = 'duplicate request_id (already loaded from ' || s.source_file
                                   || ':' || s.source_line || ')'
                from stg_requests s
                where t.request_id = s.request_id and t.{ERR_FIELD} is null
                  and t.request_date >= $s and t.request_date < $e""",
            window,
        )
        cols = ", ".join(q(c) for c in CANONICAL_COLUMNS)
        con.execute(
            f"insert into stg_requests ({cols}) select {cols} from {SCRATCH} "
            f"where {ERR_FIELD} is null and {in_window}",
            window,
        )
        repaired = side_tables.insert_repairs(con, SCRATCH, start, end)
        con.execute(
            f"""insert into quarantine_requests ({", ".join(QUARANTINE_COLUMNS)})
                select source_file, source_line, left(request_id, {_MAX_ID}), request_date,
                       {ERR_FIELD}, {ERR_REASON}
                from {SCRATCH}
                where {ERR_FIELD} is not null and (request_date is null or {in_window})""",
            window,
        )
        counts = con.execute(
            f"""select source_file, count(*),
                       count(*) filter (where {ERR_FIELD} is null and {in_window}),
                       count(*) filter (where {ERR_FIELD} is not null
                                        and (request_date is null or {in_window})),
                       count(*) filter (where request_date is not null and not {in_window})
                from {SCRATCH} group by source_file""",
            window,
        ).fetchall()
        per_file = {r[0]: r[1:] for r in counts}
        for s in stats:
            s.rows_read, s.rows_loaded, s.rows_quarantined, s.rows_outside_window = per_file.get(
                s.path, (0, 0, 0, 0)
            )
            s.rows_skipped = skipped.get(s.path, 0)
            s.rows_read += s.rows_skipped
            s.fields_repaired = repaired.get(s.path, 0)
        read = sum(s.rows_read for s in stats)
        loaded = sum(s.rows_loaded for s in stats)
        quarantined = sum(s.rows_quarantined for s in stats)
        outside = sum(s.rows_outside_window for s in stats)
        n_skipped = sum(skipped.values())
        in_table = con.execute(
            "select count(*) from stg_requests where request_date >= $s and request_date < $e",
            window,
        ).fetchall()[0][0]
        if read != loaded + quarantined + n_skipped + outside or in_table != loaded:
            raise RuntimeError(
                f"row accounting broken for {start}..{end}: read {read} != loaded {loaded} "
                f"+ quarantined {quarantined} + skipped {n_skipped} + outside window {outside}"
            )
        files = [dataclasses.asdict(s) for s in stats]
        con.execute(
            "insert into ingest_audit values (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                datetime.now(UTC).replace(tzinfo=None),
                start,
                end,
                read,
                loaded,
                quarantined,
                outside,
                json.dumps(files, default=str),
            ],
        )
        con.execute(f"drop table {SCRATCH}")
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        con.execute(f"drop table if exists {SCRATCH}")
        raise
    return IngestStats(
        read, loaded, quarantined, outside, len(stats), n_skipped, sum(repaired.values())
    )
