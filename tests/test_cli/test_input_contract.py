"""The README's input contract is generated from pipelines/cli/input_contract.py and is current."""

import re
from pathlib import Path

from pipelines.cli import input_contract

ROOT = Path(__file__).resolve().parents[2]
CODE = [p for d in ("pipelines", "schemas", "sql") for p in (ROOT / d).rglob("*.*")]
CODE = [p for p in CODE if p.suffix in (".py", ".sql") and p.name != "input_contract.py"]


def _code_text() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in CODE)


def test_readme_block_is_the_generated_one():
    text = input_contract.README.read_text(encoding="utf-8")
    assert input_contract.readme_block(text) == input_contract.render(), (
        "README input contract is stale: run python -m pipelines.cli.input_contract --write"
    )


def test_every_setting_the_code_reads_is_listed_and_every_listed_one_is_read():
    in_code = set(re.findall(r"COSTLINE_[A-Z0-9_]+", _code_text()))
    listed = {s.name for s in input_contract.SETTINGS}
    assert in_code == listed


def test_every_catalog_file_the_code_reads_is_listed():
    text = _code_text()
    # catalog files are read as `... / "catalog" / "<name>"` or by a name constant
    named = set(re.findall(r'"([a-z_]+\.(?:csv|toml))"', text))
    catalog = {
        n
        for n in named
        if re.search(rf'"catalog"\s*/\s*"{re.escape(n)}"', text)
        or n in ("fx.csv", "mapping.toml", "revenue.csv", "internal_rates.csv")
    }
    listed = {f.path for f in input_contract.FILES}
    assert catalog, "the scan found no catalog file: the pattern is stale"
    assert {f"catalog/{n}" for n in catalog} <= listed
    for folder in ("requests/", "feedback/"):
        assert folder in listed
    for folder in (
        "invoices/openai/",
        "invoices/anthropic/",
        "invoices/focus/",
        "invoices/generic/",
    ):
        assert any(folder in path for path in listed), folder
