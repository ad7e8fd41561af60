"""Feature kinds and budgets come only from the input's catalog files, never from product code."""

import re
from datetime import date
from pathlib import Path

from pipelines.lib.catalog import read_csv_strings
from pipelines.lib.marts import catalogs, guardrails
from tests.test_marts import fixtures_steering as fx

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_CATALOG = ROOT / "data" / "sample" / "catalog"
# Product code: everything that runs on a customer's input. The sample generators (the sample
# data set and its invoices) are the only code allowed to know the sample's facts.
PRODUCT_DIRS = ("pipelines", "schemas", "sql")
SAMPLE_GENERATORS = ("pipelines/lib/sample/", "pipelines/lib/invoices/sample_")


def test_without_features_csv_no_feature_has_a_kind(tmp_path):
    frame, present = catalogs.load_features(tmp_path / "features.csv")
    assert present is False
    assert frame.is_empty()
    assert frame.columns == ["feature", "kind", "source"]


def test_without_budgets_csv_there_is_no_budget(tmp_path):
    assert catalogs.load_budgets(tmp_path / "budgets.csv").is_empty()


def test_a_tenant_without_a_budget_row_has_no_status_and_no_guardrail(tmp_path):
    con = fx.connect(tmp_path)  # dim_budgets empty, as without catalog/budgets.csv
    fx.cost_lines(con, [fx.line(date(2025, 2, 3), contracted_cost=fx.D("500"))])
    fx.build(con, "mart_budget_status", end_date=date(2025, 2, 4))
    statuses = con.execute("select count(*) from mart_budget_status").fetchone()[0]
    decisions = guardrails.build_decisions(con, date(2025, 2, 3))["decisions"]
    con.close()
    assert statuses == 0
    assert decisions == []


def test_a_feature_missing_from_the_catalog_is_unclassified(tmp_path):
    con = fx.connect(tmp_path)  # dim_features empty, as without catalog/features.csv
    fx.prices(
        con,
        [fx.price("openai", "gpt-big", "output", 40), fx.price("openai", "gpt-small", "output", 2)],
    )
    fx.cost_lines(
        con,
        [
            fx.line(
                date(2025, 3, 3),
                feature="classify",
                model="gpt-big",
                output_tokens=1000,
                list_cost=fx.D("0.04"),
                contracted_cost=fx.D("0.04"),
            )
        ],
    )
    fx.build(con, "mart_feature_model_mix")
    rows = con.execute(
        "select distinct feature, feature_kind, extractive_on_expensive_model "
        "from mart_feature_model_mix"
    ).fetchall()
    con.close()
    assert rows == [("classify", "unclassified", False)]


def _sample_names() -> set[str]:
    tenants = read_csv_strings(SAMPLE_CATALOG / "tenants.csv", ("tenant_id",))["tenant_id"]
    features = read_csv_strings(SAMPLE_CATALOG / "features.csv", ("feature",))["feature"]
    return {*tenants.to_list(), *features.to_list()}


def test_the_sample_keeps_its_catalog_files():
    kinds = read_csv_strings(SAMPLE_CATALOG / "features.csv", ("feature", "kind"))
    assert "extractive" in kinds["kind"].to_list()
    assert (SAMPLE_CATALOG / "budgets.csv").is_file()


def test_no_product_code_names_a_sample_tenant_or_feature():
    names = _sample_names()
    assert len(names) >= 8
    pattern = re.compile(r"\b(" + "|".join(re.escape(n) for n in sorted(names)) + r")\b")
    found = []
    for folder in PRODUCT_DIRS:
        for path in sorted((ROOT / folder).rglob("*")):
            rel = path.relative_to(ROOT).as_posix()
            if not path.is_file() or path.suffix not in (".py", ".sql", ".toml", ".json"):
                continue
            if rel.startswith(SAMPLE_GENERATORS):
                continue
            for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if pattern.search(text):
                    found.append(f"{rel}:{number}: {text.strip()}")
    assert found == []
