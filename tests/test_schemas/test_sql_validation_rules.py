"""schemas.sql_validation on small hand-made models: the pandera rules whose SQL is easy to get
subtly wrong (NaN as null, ignore_na=False, a one-column unique key with NULL)."""

import duckdb
import pandera.polars as pa
import polars as pl
import pytest

from schemas import registry, sql_validation


class FloatModel(pa.DataFrameModel):
    x: pl.Float64 = pa.Field(nullable=False)


class StrictNullModel(pa.DataFrameModel):
    y: str = pa.Field(nullable=True, isin=["a"], ignore_na=False)


class UniqueKeyModel(pa.DataFrameModel):
    k: str = pa.Field(nullable=True)
    v: pl.Int64 = pa.Field()

    class Config:
        unique = ("k",)


def _both(model, query):
    con = duckdb.connect()
    sql_failure, _ = sql_validation.validate_relation(
        con, sql_validation.compile_model(model, {}), query
    )
    pandera_failure = registry._pandera_failure(model, con.sql(query).pl())
    return sql_failure, pandera_failure


def test_nan_counts_as_null_in_a_float_column():
    sql_failure, pandera_failure = _both(FloatModel, "select 'nan'::double as x")
    assert sql_failure is not None and "x: null values" in sql_failure
    assert pandera_failure is not None


def test_a_check_with_ignore_na_false_fails_on_null():
    sql_failure, pandera_failure = _both(StrictNullModel, "select null::varchar as y")
    assert sql_failure is not None and "y: isin" in sql_failure
    assert pandera_failure is not None


def test_a_null_key_is_one_value_of_a_unique_key():
    ok = "select * from (values (null::varchar, 1::bigint), ('a', 2)) t(k, v)"
    assert _both(UniqueKeyModel, ok) == (None, None)
    twice = "select * from (values (null::varchar, 1::bigint), (null, 2)) t(k, v)"
    sql_failure, pandera_failure = _both(UniqueKeyModel, twice)
    assert sql_failure is not None and "not unique on (k)" in sql_failure
    assert pandera_failure is not None


def test_an_inexpressible_check_is_refused_not_skipped():
    class WarnModel(pa.DataFrameModel):
        z: pl.Int64 = pa.Field(ge=0, raise_warning=True)

    with pytest.raises(ValueError, match="warning"):
        sql_validation.compile_model(WarnModel, {})
    assert not sql_validation.compilable(WarnModel, {})
