"""Every steering mart built on the hand fixtures validates against its published pandera model."""

from datetime import date

import pytest

from pipelines.lib import warehouse
from schemas import registry
from tests.test_marts import fixtures_steering as fx

MARTS = sorted(m for m in fx.STEERING_MODELS if m.startswith("mart_"))


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    con = fx.connect(tmp_path_factory.mktemp("schemas"))
    fx.prices(
        con,
        [fx.price("openai", "gpt-big", "input", 10), fx.price("openai", "gpt-big", "output", 40)],
    )
    rows = []
    for d in range(1, 29):
        day = date(2025, 2, d)
        tokens = 5000 if d == 27 else 100
        rows += [
            fx.line(
                day,
                tenant_id="t1",
                session_id=f"s{d}-{i}",
                action_id=f"a{d}-{i}",
                input_tokens=tokens,
                output_tokens=10,
                accepted=i % 2 == 0,
                contracted_cost=fx.D("0.0014"),
                list_cost=fx.D("0.0014"),
            )
            for i in range(25)
        ]
    rows += [
        fx.line(date(2025, 2, 28), tenant_id="t2", session_id="loop", input_tokens=100)
        for _ in range(30)
    ]
    fx.cost_lines(con, rows)
    fx.budgets(con, [{"tenant_id": "t1", "monthly_limit": fx.D("1"), "daily_limit": fx.D("0.1")}])
    fx.features(con, {"f1": "extractive"})
    for name in MARTS:
        fx.build(con, name, end_date=date(2025, 3, 1))
    yield con
    con.close()


@pytest.mark.parametrize("name", MARTS)
def test_mart_matches_its_schema_and_is_documented(con, name):
    assert registry.has_model(name)
    frame = warehouse.frame(con, f"select * from {name}")
    assert len(frame) > 0, name
    assert registry.validate_frame(name, frame) is None
    assert all(registry.column_docs(name).values())
    assert warehouse.discover_models()[name].grain


@pytest.mark.parametrize(
    "name", ["stg_feedback", "dim_budgets", "dim_features", "quarantine_feedback"]
)
def test_input_tables_are_documented(name):
    assert registry.has_model(name)
    assert all(registry.column_docs(name).values())
