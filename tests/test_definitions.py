"""The Dagster definitions load and form the graph the README describes."""

import dagster as dg

from pipelines.definitions import defs
from pipelines.defs.jobs import DAILY_JOB_NAME
from pipelines.lib import warehouse


def _graph():
    return defs().resolve_asset_graph()


def test_every_sql_model_is_an_asset_named_after_its_file_and_grouped_by_layer():
    graph = _graph()
    for name, model in warehouse.discover_models().items():
        node = graph.get(dg.AssetKey(name))
        assert node.group_name == model.layer, name


def test_cost_lines_sit_between_staging_and_focus():
    graph = _graph()
    parents = {k.to_user_string() for k in graph.get(dg.AssetKey("fct_cost_lines")).parent_keys}
    assert {"stg_requests", "dim_prices"} <= parents
    focus_parents = graph.get(dg.AssetKey("fct_focus_cost_and_usage")).parent_keys
    assert dg.AssetKey("fct_cost_lines") in focus_parents


def test_publish_waits_for_every_model_and_export():
    graph = _graph()
    parents = graph.get(dg.AssetKey("warehouse_publish")).parent_keys
    for name in warehouse.discover_models():
        assert dg.AssetKey(name) in parents, name


def test_blocking_checks_guard_the_money_path():
    graph = _graph()
    checks = {
        (k.asset_key.to_user_string(), k.name): graph.get_check_spec(k)
        for k in graph.asset_check_keys
    }
    for key in [
        ("stg_requests", "rows_accounted_for"),
        ("stg_requests", "quarantine_share"),
        ("fct_cost_lines", "unpriced_token_share"),
        ("fct_cost_lines", "one_line_per_request"),
    ]:
        assert key in checks and checks[key].blocking, key


def test_daily_job_and_nightly_schedule_exist():
    d = defs()
    job = d.resolve_job_def(DAILY_JOB_NAME)
    assert job.partitions_def is not None
    assert d.resolve_schedule_def("nightly_costline").cron_schedule == "30 2 * * *"


def test_publish_is_the_last_step_every_asset_leads_to():
    graph = _graph()
    publish = dg.AssetKey("warehouse_publish")
    ancestors, frontier = set(), [publish]
    while frontier:
        for parent in graph.get(frontier.pop()).parent_keys:
            if parent not in ancestors:
                ancestors.add(parent)
                frontier.append(parent)
    orphans = (
        {k.to_user_string() for k in graph.get_all_asset_keys()}
        - {k.to_user_string() for k in ancestors}
        - {"warehouse_publish"}
    )
    assert orphans == set(), "assets that finish after the warehouse is published"
