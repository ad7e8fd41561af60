"""Internal recovery: units per the rate valid each day, charge, cost, recovery, ratio.

Expected figures are computed by hand in the comments.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from pipelines.lib.invoices.allocation.fx import FxRates
from pipelines.lib.margin.figures import COST_COLUMNS, UNIT_COLUMNS
from pipelines.lib.margin.internal_rates import RATE_COLUMNS, load_internal_rates
from pipelines.lib.margin.lines import RevenueError
from pipelines.lib.margin.recovery import recovery_rows

D = Decimal
FX = FxRates([(date(2026, 10, 1), "USD", "EUR", D("0.92"))])
RATES_CSV = (
    "feature,unit,rate,currency,valid_from,valid_to\n"
    "f_req,request,0.01,USD,2026-10-01,2026-10-16\n"
    "f_req,request,0.02,USD,2026-10-16,\n"
    "f_acc,accepted_output,0.50,USD,2026-09-01,\n"
    "f_tok,1000000 Tokens,2.50,EUR,2026-09-01,\n"
    "f_gap,request,0.10,USD,2026-10-10,\n"
)


def rates(tmp_path: Path, text: str = RATES_CSV) -> pl.DataFrame:
    path = tmp_path / "internal_rates.csv"
    path.write_text(text, encoding="utf-8")
    return load_internal_rates(path)


def units() -> pl.DataFrame:
    rows = [  # day, feature, requests, accepted, tokens
        (date(2026, 10, 1), "f_req", 100, 0, 0),
        (date(2026, 10, 20), "f_req", 50, 0, 0),
        (date(2026, 10, 3), "f_acc", 40, 12, 0),
        (date(2026, 10, 4), "f_tok", 3, 0, 1_234_567),
        (date(2026, 10, 5), "f_gap", 30, 0, 0),
        (date(2026, 10, 6), "f_none", 8, 0, 0),
    ]
    return pl.DataFrame(
        [
            {
                "request_date": d,
                "tenant_id": "t1",
                "feature": f,
                "requests": r,
                "accepted_outputs": a,
                "tokens": tok,
            }
            for d, f, r, a, tok in rows
        ],
        schema=UNIT_COLUMNS,
        orient="row",
    )


def costs() -> pl.DataFrame:
    rows = [  # feature, environment, currency, cost
        ("f_req", "prod", "USD", "2.50"),
        ("f_req", "staging", "USD", "9.00"),  # not production: never in recovery
        ("f_acc", "prod", "USD", "4.00"),
        ("f_tok", "prod", "USD", "2.00"),
        ("f_gap", "prod", "USD", "1.00"),
        ("f_none", "prod", "USD", "1.00"),
    ]
    return pl.DataFrame(
        [
            {
                "billing_period": "2026-10",
                "tenant_id": "t1",
                "feature": f,
                "environment": e,
                "currency": c,
                "cost": D(v),
                "unpriced_requests": 0,
                "cost_basis": "invoiced",
            }
            for f, e, c, v in rows
        ],
        schema=COST_COLUMNS,
        orient="row",
    )


def test_recovery_arithmetic_to_the_cent(tmp_path: Path) -> None:
    rows = {r["feature"]: r for r in recovery_rows(units(), rates(tmp_path), costs(), FX)}
    req = rows["f_req"]
    # 100 x 0.01 (rate until Oct 16) + 50 x 0.02 (from Oct 16) = 1.00 + 1.00
    assert (req["units"], req["internal_charge"]) == (D(150), D("2.00"))
    assert (req["llm_cost"], req["recovery"]) == (D("2.50"), D("-0.50"))
    assert (req["recovery_ratio"], req["recovery_status"]) == (D("0.8"), "under_recovered")
    acc = rows["f_acc"]
    # 12 accepted outputs x 0.50 = 6.00 against 4.00
    assert (acc["units"], acc["internal_charge"], acc["recovery"]) == (D(12), D("6"), D("2"))
    assert acc["recovery_ratio"] == D("1.5") and acc["recovery_status"] == "recovered"
    tok = rows["f_tok"]
    # 1,234,567 tokens = 1.234567 units x 2.50 EUR = 3.0864175 EUR; cost 2.00 USD x 0.92 = 1.84
    assert tok["currency"] == "EUR"
    assert (tok["units"], tok["internal_charge"]) == (D("1.234567"), D("3.0864175"))
    assert (tok["llm_cost"], tok["recovery"]) == (D("1.84"), D("1.2464175"))
    assert tok["recovery_ratio"] == D("1.677400815217")  # 3.0864175 / 1.84, 12 places
    assert round(tok["recovery"], 2) == D("1.25")


def test_a_day_without_a_rate_makes_the_charge_unknown(tmp_path: Path) -> None:
    rows = {r["feature"]: r for r in recovery_rows(units(), rates(tmp_path), costs(), FX)}
    gap = rows["f_gap"]
    assert gap["internal_charge"] is None and gap["recovery"] is None
    assert gap["reason"] == "no internal rate on 2026-10-05"
    assert gap["recovery_status"] == "unknown"
    none = rows["f_none"]  # a feature with no rate keeps its row and its cost
    assert (none["unit"], none["units"], none["llm_cost"]) == (None, None, D("1.00"))
    assert none["currency"] == "USD" and none["reason"] == "no internal rate"


def test_no_rates_file_means_every_feature_unrated(tmp_path: Path) -> None:
    empty = load_internal_rates(tmp_path / "absent.csv")
    assert empty.schema == pl.Schema(RATE_COLUMNS) and len(empty) == 0
    rows = recovery_rows(units(), empty, costs(), FX)
    assert {r["feature"] for r in rows} == {"f_req", "f_acc", "f_tok", "f_gap", "f_none"}
    assert {r["reason"] for r in rows} == {"no internal rate"}


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("f,requests,0.01,USD,2026-10-01,", "r.csv:3:unit: unit must be one of"),
        ("f,request,-1,USD,2026-10-01,", "r.csv:3:rate"),
        ("f,request,0.01,EUR,2026-11-01,", "r.csv:3:currency: feature 'f' already has"),
        ("f,request,0.01,USD,2026-10-15,", "r.csv:3:valid_from: overlaps the window of line 2"),
        ("f,request,0.01,USD,2026-12-01,2026-11-01", "r.csv:3:valid_to: must be after"),
        ("f,request,0.01,USD,1 Dec 2026,", "r.csv:3:valid_from: not a date"),
    ],
)
def test_internal_rate_errors_name_file_line_field(tmp_path: Path, line: str, message: str) -> None:
    text = "feature,unit,rate,currency,valid_from,valid_to\nf,request,0.01,USD,2026-10-01,\n"
    path = tmp_path / "r.csv"
    path.write_text(text + line + "\n", encoding="utf-8")
    with pytest.raises(RevenueError, match=re.escape(message)):
        load_internal_rates(path, "r.csv")


def test_rates_keep_their_types(tmp_path: Path) -> None:
    frame = rates(tmp_path)
    assert frame.schema == pl.Schema(RATE_COLUMNS)
    assert frame["rate"].to_list()[:2] == [D("0.01"), D("0.02")]
    assert frame["valid_to"].to_list()[:2] == [date(2026, 10, 16), None]
