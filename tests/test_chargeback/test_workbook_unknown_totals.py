"""The workbook's business-unit total is blank when one of its tenants' amounts is unknown: it
never shows the known part as if it were the whole unit (unknown is blank, never 0.00)."""

from decimal import Decimal as D

import openpyxl

from pipelines.lib.chargeback.workbook import SUMMARY
from tests.test_chargeback.test_chargeback import cell, run


def _summary(tmp_path) -> list[tuple]:
    book = openpyxl.load_workbook(tmp_path / "exports/chargeback/2026-09/chargeback.xlsx")
    return list(book[SUMMARY].iter_rows(values_only=True))


def test_a_unit_total_with_an_unknown_tenant_is_blank(tmp_path):
    # provisional month: tenant a's model is unpriced (cost unknown), tenant b costs 2.00 USD
    unpriced = {**cell("a", "0"), "list_cost": None, "contracted_cost": None, "currency": None}
    run(tmp_path, [], [unpriced, cell("b", "2")])
    rows = _summary(tmp_path)
    by_tenant = {r[1]: r for r in rows[1:] if r[1] is not None}
    assert by_tenant["a"][5] is None
    assert D(str(by_tenant["b"][5])) == D("2.00")
    totals = [r for r in rows[1:] if str(r[0]).startswith("Total ")]
    assert [(r[0], r[4], r[5]) for r in totals] == [("Total bu", "USD", None)]


def test_a_unit_total_of_known_amounts_is_their_sum(tmp_path):
    run(tmp_path, [], [cell("a", "1.25"), cell("b", "2")])
    totals = [r for r in _summary(tmp_path)[1:] if str(r[0]).startswith("Total ")]
    assert [(r[0], r[4], D(str(r[5]))) for r in totals] == [("Total bu", "USD", D("3.25"))]
