"""Restatements: which closed days changed between the previous build and this one.

After `fct_cost_lines` is rebuilt for a window, its per-day totals (day × provider × contracted
currency: requests, tokens, contracted cost) are compared with the snapshot the previous build of
those days left in `snap_daily_cost_totals`. Every difference is appended to `fct_restatements`,
then the snapshot is replaced for the window. A day built for the first time is not a restatement;
re-running a day with the same data records nothing.

Both tables live in the warehouse being built, so a run that does not publish (it failed, or was
killed and its work database restored) records nothing: restatements are always relative to the
last published build.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import duckdb
import polars as pl

from pipelines.lib import warehouse

SNAPSHOT = "snap_daily_cost_totals"
BUILT_DAYS = "snap_built_days"
RESTATEMENTS = "fct_restatements"

_TOTALS = """
    select request_date as day, provider, contracted_currency as currency,
           count(*)::bigint as requests,
           coalesce(sum(input_tokens + output_tokens), 0)::bigint as tokens,
           coalesce(sum(contracted_cost), 0)::decimal(38, 18) as contracted_cost
    from fct_cost_lines
    where request_date >= $s and request_date < $e
    group by all
"""


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the snapshot and restatement tables on first use."""
    con.execute(
        f"""create table if not exists {SNAPSHOT} (
            day DATE, provider VARCHAR, currency VARCHAR, requests BIGINT, tokens BIGINT,
            contracted_cost DECIMAL(38, 18), built_at TIMESTAMP, run_id VARCHAR)"""
    )
    con.execute(
        f"create table if not exists {BUILT_DAYS} (day DATE, built_at TIMESTAMP, run_id VARCHAR)"
    )
    con.execute(
        f"""create table if not exists {RESTATEMENTS} (
            day DATE, provider VARCHAR, currency VARCHAR,
            previous_requests BIGINT, new_requests BIGINT, requests_change BIGINT,
            previous_tokens BIGINT, new_tokens BIGINT, tokens_change BIGINT,
            previous_contracted_cost DECIMAL(38, 18), new_contracted_cost DECIMAL(38, 18),
            contracted_cost_change DECIMAL(38, 18),
            previous_built_at TIMESTAMP, detected_at TIMESTAMP, run_id VARCHAR)"""
    )


def record_restatements(
    con: duckdb.DuckDBPyConnection,
    start: date,
    end: date,
    run_id: str,
    detected_at: datetime | None = None,
) -> pl.DataFrame:
    """Compare [start, end) of fct_cost_lines with the snapshot, append the differences to
    fct_restatements, replace the snapshot for the window; returns the rows recorded."""
    ensure_tables(con)
    now = (detected_at or datetime.now(UTC)).replace(tzinfo=None)
    params = {"s": start, "e": end, "now": now, "run": run_id}
    con.execute("begin transaction")
    try:
        con.execute(
            f"""insert into {RESTATEMENTS} by name
            with new as ({_TOTALS}),
            old as (
                select s.* from {SNAPSHOT} s where s.day >= $s and s.day < $e
            ),
            built as (
                select day, max(built_at) as built_at from {BUILT_DAYS}
                where day >= $s and day < $e group by day
            ),
            joined as (
                select coalesce(new.day, old.day) as day,
                       coalesce(new.provider, old.provider) as provider,
                       coalesce(new.currency, old.currency) as currency,
                       coalesce(old.requests, 0) as previous_requests,
                       coalesce(new.requests, 0) as new_requests,
                       coalesce(old.tokens, 0) as previous_tokens,
                       coalesce(new.tokens, 0) as new_tokens,
                       coalesce(old.contracted_cost, 0)::decimal(38, 18)
                         as previous_contracted_cost,
                       coalesce(new.contracted_cost, 0)::decimal(38, 18) as new_contracted_cost
                from new
                full outer join old
                  on new.day = old.day and new.provider = old.provider
                 and new.currency is not distinct from old.currency
            )
            select j.day, j.provider, j.currency,
                   previous_requests, new_requests, new_requests - previous_requests
                     as requests_change,
                   previous_tokens, new_tokens, new_tokens - previous_tokens as tokens_change,
                   previous_contracted_cost, new_contracted_cost,
                   new_contracted_cost - previous_contracted_cost as contracted_cost_change,
                   built.built_at as previous_built_at, $now as detected_at, $run as run_id
            from joined j
            join built on built.day = j.day
            where previous_requests <> new_requests or previous_tokens <> new_tokens
               or previous_contracted_cost <> new_contracted_cost
            order by j.day, j.provider, j.currency""",
            params,
        )
        con.execute(f"delete from {SNAPSHOT} where day >= $s and day < $e", {"s": start, "e": end})
        con.execute(
            f"insert into {SNAPSHOT} by name select *, $now as built_at, $run as run_id "
            f"from ({_TOTALS})",
            params,
        )
        con.execute(
            f"delete from {BUILT_DAYS} where day >= $s and day < $e", {"s": start, "e": end}
        )
        con.execute(
            f"insert into {BUILT_DAYS} select unnest(range($s::timestamp, $e::timestamp, "
            "interval 1 day))::date, $now, $run",
            params,
        )
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return warehouse.frame(
        con,
        f"select * from {RESTATEMENTS} where run_id = $run order by day, provider, currency",
        {"run": run_id},
    )


def restatements_of_run(con: duckdb.DuckDBPyConnection, run_id: str) -> pl.DataFrame:
    """The restatements a run recorded (empty when the table does not exist yet)."""
    if not warehouse.table_exists(con, RESTATEMENTS):
        return pl.DataFrame()
    return warehouse.frame(
        con,
        f"select * from {RESTATEMENTS} where run_id = $run order by day, provider, currency",
        {"run": run_id},
    )
