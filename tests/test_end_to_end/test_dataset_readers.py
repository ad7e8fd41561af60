"""Every published Parquet folder reads as one dataset in pandas, pyarrow, Polars and DuckDB."""

import duckdb
import pandas as pd
import polars as pl
import pyarrow.dataset as ds
import pytest

FOLDERS = ("cost_lines", "focus", "focus_invoiced")


def _rows_in_files(folder) -> int:
    return sum(
        pl.scan_parquet(p).select(pl.len()).collect().item() for p in folder.rglob("*.parquet")
    )


@pytest.mark.slow
@pytest.mark.parametrize("name", FOLDERS)
def test_folder_reads_as_a_whole_in_every_reader(sample_run, name):
    folder = sample_run / name
    expected = _rows_in_files(folder)
    assert expected > 0
    assert {p.suffix for p in folder.rglob("*") if p.is_file()} == {".parquet"}
    assert len(pd.read_parquet(folder)) == expected
    assert ds.dataset(folder, partitioning="hive").count_rows() == expected
    polars_rows = pl.scan_parquet(folder, hive_partitioning=True).select(pl.len()).collect()
    assert polars_rows.item() == expected
    glob = f"{folder}/**/*.parquet"
    duck = duckdb.execute(f"select count(*) from read_parquet('{glob}', hive_partitioning=true)")
    assert duck.fetchone()[0] == expected


@pytest.mark.slow
def test_partition_columns_come_back_from_the_folder_names(sample_run):
    focus = pd.read_parquet(sample_run / "focus")
    assert {"billing_period", "charge_date"} <= set(focus.columns)
    assert (sample_run / "focus.metadata.json").is_file()
    assert (sample_run / "focus_invoiced.metadata.json").is_file()
