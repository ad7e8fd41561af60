"""Our FOCUS output passes the official focus-validator 2.2.1 (run in its own Python 3.12 venv).

The venv comes from `scripts/focus_validator_env.sh` (created on first use, then reused). If it
cannot be created the test fails: conformance is a requirement, not an optional extra.
"""

from __future__ import annotations

import subprocess
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path

import pytest

from pipelines.lib.focus.export import write_consolidated

pytestmark = pytest.mark.conformance

ROOT = Path(__file__).resolve().parents[2]
ENV_SCRIPT = ROOT / "scripts" / "focus_validator_env.sh"
# What a multi-tenant LLM cost estimate supports: measured token usage, unit prices from public
# price lists and negotiated contracts, tags, named billing accounts of several types. Not:
# commitments, capacity reservations, regions/AZs, resources, sub accounts, virtual currency.
CRITERIA = (
    "USAGE_MEASUREMENT_SUPPORTED",
    "UNIT_PRICING_SUPPORTED",
    "PUBLIC_PRICE_LIST_SUPPORTED",
    "NEGOTIATED_PRICING_SUPPORTED",
    "TAGGING_SUPPORTED",
    "ACCOUNT_NAMING_SUPPORTED",
    "MULTIPLE_BILLING_ACCOUNT_TYPES_SUPPORTED",
)
# focus-validator 2.2.1 evaluates "InvoiceId MUST NOT be NULL" unconditionally; our estimates are
# not invoiced yet, so InvoiceId is NULL by the spec (reference §8 defect 5).
KNOWN_FALSE_POSITIVES = {"InvoiceId-C-005-C"}


def validator_venv() -> Path:
    proc = subprocess.run(
        ["bash", str(ENV_SCRIPT)], capture_output=True, text=True, timeout=900, check=False
    )
    if proc.returncode != 0:
        pytest.fail(
            f"cannot create the focus-validator 2.2.1 venv with {ENV_SCRIPT} "
            f"(exit {proc.returncode}):\n{proc.stderr[-3000:]}"
        )
    return Path(proc.stdout.strip().splitlines()[-1])


def command(venv: Path, data: Path, report: Path) -> list[str]:
    return [
        str(venv / "bin" / "focus-validator"),
        "--data-file",
        str(data),
        "--validate-version",
        "1.2",
        "--focus-dataset",
        "CostAndUsage",
        "--block-download",
        "--applicability-criteria",
        ",".join(CRITERIA),
        "--output-type",
        "unittest",
        "--output-destination",
        str(report),
    ]


def run_official(data: Path, report: Path) -> tuple[int, dict[str, str]]:
    """(rules evaluated, {failing rule id: message})."""
    venv = validator_venv()
    site = next((venv / "lib").glob("python3.*/site-packages"))
    # it reads focus_validator/rules/currency_codes.csv relative to the working directory
    proc = subprocess.run(
        command(venv, data, report), cwd=site, capture_output=True, text=True, timeout=600
    )
    assert proc.returncode == 0 and report.exists(), proc.stdout[-2000:] + proc.stderr[-2000:]
    root = ET.parse(report).getroot()
    failing: dict[str, str] = {}
    for case in root.iter("testcase"):
        bad = case.find("failure") if case.find("failure") is not None else case.find("error")
        if bad is not None:
            rule = case.attrib["name"].split(" ::")[0]
            failing[rule] = bad.attrib.get("message", "")
    return int(root.attrib["tests"]), failing


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_focus_output_passes_focus_validator(focus_con, tmp_path, fmt):
    files = write_consolidated(focus_con, tmp_path, date(2025, 6, 1))
    assert files["rows"] > 100
    tests, failing = run_official(files[fmt], tmp_path / f"report-{fmt}.xml")
    assert tests > 500
    unexpected = {k: v for k, v in failing.items() if k not in KNOWN_FALSE_POSITIVES}
    assert not unexpected, f"focus-validator failures: {unexpected}"
    # the known false positive does fire: if it stops, the validator changed and this needs review
    assert set(failing) == KNOWN_FALSE_POSITIVES


def test_clean_corpus_file_passes_focus_validator(tmp_path):
    """The hand-built clean fixture (with Tax and Credit rows, InvoiceIds set) also conforms."""
    clean = Path(__file__).parent / "broken" / "clean.csv"
    _, failing = run_official(clean, tmp_path / "report-clean.xml")
    # InvoiceIds are set here, so the other half of the InvoiceId false positive fires
    assert set(failing) == {"InvoiceId-C-004-C"}, failing


# Files our validator rejects that focus-validator 2.2.1 passes (reference §8 defects 2, 7, 8).
BLIND_SPOTS = (
    "FOCUS-ListCost-unit-price-x-quantity__wrong_list_cost",
    "FOCUS-Tags-key-value-format__nested_tags",
    "FOCUS-DateTimeFormat__space_separated_datetime",
    "FOCUS-ListUnitPrice-not-null-for-usage-purchase__null_list_price",
)


@pytest.mark.parametrize("stem", BLIND_SPOTS)
def test_official_validator_blind_spots_are_ours_to_catch(stem, tmp_path):
    from pipelines.lib.focus.validate import validate_file

    path = Path(__file__).parent / "broken" / f"{stem}.csv"
    _, failing = run_official(path, tmp_path / "report.xml")
    assert set(failing) == {"InvoiceId-C-004-C"}, failing  # official: passes
    assert {v.rule for v in validate_file(path)} == {stem.split("__")[0]}  # ours: rejects
