"""schemas.sql_validation: the pandera models compiled to SQL agree with pandera itself, on the
sample's real tables and on one broken copy per rule."""

import shutil

import duckdb
import pytest

from schemas import registry, sql_validation
from schemas.requests import canonical_request
from schemas.requests.canonical_request import CanonicalRequest

COST_LINES = "fct_cost_lines"


@pytest.fixture
def con(sample_run, tmp_path):
    db = tmp_path / "warehouse.duckdb"
    shutil.copyfile(sample_run / "warehouse.duckdb", db)
    connection = duckdb.connect(str(db))
    yield connection
    connection.close()


def _sql(con, model, checks, table):
    return sql_validation.validate_relation(
        con, sql_validation.compile_model(model, checks), f"select * from {table}"
    )


def _pandera(con, model, table):
    frame = con.sql(f"select * from {table}").pl()
    return registry._pandera_failure(model, frame)


def _both(con, table):
    if table.startswith("bad_stg"):
        model, checks = CanonicalRequest, canonical_request.SQL_CHECKS
    else:
        model, checks = registry.model_for(COST_LINES), registry.sql_checks_for(COST_LINES)
    return _sql(con, model, checks, table)[0], _pandera(con, model, table)


def test_the_sample_tables_pass_both_ways(con):
    cost_failure, cost_rows = _sql(
        con, registry.model_for(COST_LINES), registry.sql_checks_for(COST_LINES), COST_LINES
    )
    stg_failure, stg_rows = _sql(
        con, CanonicalRequest, canonical_request.SQL_CHECKS, "stg_requests"
    )
    assert (cost_failure, stg_failure) == (None, None)
    assert cost_rows == stg_rows == 63_470
    assert _pandera(con, registry.model_for(COST_LINES), COST_LINES) is None


BROKEN = {
    "null in a required column": (
        "bad_cost_null",
        f"select * replace (if(request_id like '%7', null, tenant_id) as tenant_id) "
        f"from {COST_LINES}",
        "tenant_id: null values",
    ),
    "duplicated key": (
        "bad_cost_dupe",
        f"select * from {COST_LINES} union all (select * from {COST_LINES} limit 3)",
        "request_id: duplicated values: 3 rows",
    ),
    "value below ge": (
        "bad_cost_negative",
        f"select * replace (if(request_id like '%3', -1, output_tokens) as output_tokens) "
        f"from {COST_LINES}",
        "output_tokens: greater_than_or_equal_to",
    ),
    "value outside isin": (
        "bad_cost_enum",
        f"select * replace (if(request_id like '%1', 'qa', environment) as environment) "
        f"from {COST_LINES}",
        "environment: isin",
    ),
    "dataframe check (SQL twin)": (
        "bad_cost_unpriced",
        f"select * replace (if(price_status = 'priced', null, contracted_cost) "
        f"as contracted_cost) from {COST_LINES}",
        "unpriced_lines_have_no_cost",
    ),
    "wrong type": (
        "bad_cost_type",
        f"select * replace (output_tokens::double as output_tokens) from {COST_LINES}",
        "column output_tokens is DOUBLE, the model says BIGINT",
    ),
    "extra column (strict)": (
        "bad_cost_extra",
        f"select *, 1 as prompt_text from {COST_LINES}",
        "column prompt_text is not in the model",
    ),
    "columns out of order": (
        "bad_cost_order",
        f"select tenant_id, * exclude (tenant_id) from {COST_LINES}",
        "columns are not in the model's order",
    ),
    "too short a string (str_length)": (
        "bad_stg_empty",
        "select * replace (if(request_id like '%5', '', tenant_id) as tenant_id) from stg_requests",
        "tenant_id: str_length",
    ),
    "canonical dataframe check (SQL twin)": (
        "bad_stg_tokens",
        "select * replace (reasoning_tokens + output_tokens + 1 as reasoning_tokens) "
        "from stg_requests",
        "tokens_are_disjoint_parts_of_input",
    ),
}


@pytest.mark.parametrize("case", list(BROKEN), ids=list(BROKEN))
def test_a_broken_copy_fails_both_ways(con, case):
    table, query, expected = BROKEN[case]
    con.execute(f"create table {table} as {query}")
    sql_failure, pandera_failure = _both(con, table)
    assert sql_failure is not None and expected in sql_failure
    assert pandera_failure is not None


def test_big_windows_take_the_sql_path_and_report_its_failure(con, monkeypatch):
    table, query, expected = BROKEN["value outside isin"]
    con.execute(f"create table {table} as {query}")
    monkeypatch.setattr(registry, "SQL_VALIDATION_MIN_ROWS", 1_000)
    failure, rows = registry.validate_query(con, COST_LINES, f"select * from {table}")
    assert rows == 63_470
    assert failure is not None and f"{expected} {{'allowed_values'" in failure


def test_a_dataframe_check_without_a_twin_cannot_compile():
    with pytest.raises(ValueError, match="no SQL twin"):
        sql_validation.compile_model(CanonicalRequest, {})
    assert not sql_validation.compilable(CanonicalRequest, {})
    assert sql_validation.compilable(CanonicalRequest, canonical_request.SQL_CHECKS)
