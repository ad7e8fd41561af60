"""The allocation engine on small hand-computed invoices (arithmetic in the comments)."""

from datetime import date
from decimal import Decimal as D

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.lib.invoices.allocation import (
    UNALLOCATED,
    USAGE_CELL_COLUMNS,
    FxRates,
    allocate,
    apportion,
    invoice_check,
)
from pipelines.lib.invoices.allocation.engine import controlled_round
from pipelines.lib.invoices.lines import INVOICE_LINE_COLUMNS
from pipelines.money import round_cents

SEP1, SEP2, SEP30 = date(2026, 9, 1), date(2026, 9, 2), date(2026, 9, 30)
OCT1, NOV1 = date(2026, 10, 1), date(2026, 11, 1)


def line(
    amount,
    *,
    invoice="INV-1",
    category="Usage",
    model="gpt-4.1",
    kind="input",
    start=SEP1,
    end=None,
    period=SEP1,
    provider="openai",
    currency="USD",
    n=None,
):
    if n is None:
        n = [0]
    n[0] += 1
    period_end = OCT1 if period == SEP1 else NOV1
    return {
        "line_id": f"f#{n[0]}",
        "InvoiceId": invoice,
        "InvoiceIssuerName": "OpenAI",
        "ProviderName": "OpenAI",
        "PublisherName": "OpenAI",
        "BillingAccountId": "org",
        "SubAccountId": None,
        "BillingPeriodStart": period,
        "BillingPeriodEnd": period_end,
        "ChargePeriodStart": start,
        "ChargePeriodEnd": end or date.fromordinal(start.toordinal() + 1),
        "ChargeCategory": category,
        "ChargeClass": "Correction" if start < period else None,
        "ChargeDescription": None,
        "provider": provider,
        "model": model,
        "x_vendor_model": model,
        "token_kind": kind,
        "service_tier": None,
        "quantity": None,
        "billed_cost": D(amount),
        "billing_currency": currency,
        "x_raw_line_item": "x",
        "source_format": "test",
        "source_file": "f",
        "source_line": n[0],
    }


def cell(
    tenant,
    cost,
    *,
    model="gpt-4.1",
    kind="input",
    day=SEP1,
    feature="chat",
    env="prod",
    provider="openai",
    tokens=1000,
):
    return {
        "tenant_id": tenant,
        "feature": feature,
        "environment": env,
        "provider": provider,
        "model": model,
        "token_kind": kind,
        "charge_date": day,
        "tokens": tokens,
        "list_cost": None if cost is None else D(cost),
        "contracted_cost": None if cost is None else D(cost),
        "currency": "USD",
    }


def lines(*rows):
    return pl.DataFrame(list(rows), schema=INVOICE_LINE_COLUMNS, orient="row")


def cells(*rows):
    return pl.DataFrame(list(rows), schema=USAGE_CELL_COLUMNS, orient="row")


def by_tenant(out, column="allocated_cost"):
    return {t: v for t, v in out.group_by("tenant_id").agg(pl.col(column).sum()).iter_rows()}


def test_usage_line_splits_by_contracted_cost_with_usage_and_residual_parts():
    # logged 3.00 (a) + 1.00 (b) = 4.00; billed 4.40 -> a 3.30, b 1.10
    # usage parts are the logged costs, residual = share - usage: a 0.30, b 0.10
    out = allocate(lines(line("4.40")), cells(cell("a", "3"), cell("b", "1")))
    rows = {r["tenant_id"]: r for r in out.iter_rows(named=True)}
    assert rows["a"]["allocated_cost"] == D("3.30") and rows["b"]["allocated_cost"] == D("1.10")
    assert rows["a"]["usage_cost"] == D("3.00") and rows["a"]["residual_cost"] == D("0.30")
    assert rows["b"]["usage_cost"] == D("1.00") and rows["b"]["residual_cost"] == D("0.10")
    assert set(out["allocation_level"]) == {"exact"}


def test_rounding_leftover_cent_goes_to_the_largest_remainder_and_sums_to_the_invoice():
    # 1.00 over three equal cells: 0.3333.. each -> 0.34 / 0.33 / 0.33 (tie to the first)
    out = allocate(lines(line("1.00")), cells(cell("a", "1"), cell("b", "1"), cell("c", "1")))
    assert by_tenant(out) == {"a": D("0.34"), "b": D("0.33"), "c": D("0.33")}
    # a sub-cent invoice line (OpenAI long decimals): 0.0600000000000000012 + 0.012 = 0.072...
    # -> invoice total 0.07; shares 0.036 / 0.036 -> 0.04 / 0.03
    out = allocate(
        lines(line("0.0600000000000000012"), line("0.012", kind="cache_read")),
        cells(
            cell("a", "1"),
            cell("b", "1"),
            cell("a", "1", kind="cache_read"),
            cell("b", "1", kind="cache_read"),
        ),
    )
    assert sum(out["allocated_cost"]) == D("0.07")


def test_widening_kind_then_model_period_then_provider_then_unallocated():
    usage = cells(
        cell("a", "1", kind="output", day=SEP1),  # gpt-4.1 output on Sep 1
        cell("b", "3", model="gpt-4.1-mini", day=SEP2),  # gpt-4.1-mini on Sep 2
    )
    invoice = lines(
        # gpt-4.1 cache_read on Sep 1: no such cell -> same model and day, any kind -> a
        line("2.00", kind="cache_read", start=SEP1),
        # gpt-4.1 on Sep 2: no gpt-4.1 cell that day -> same model in September -> a
        line("1.00", kind="input", start=SEP2),
        # an embedding model never logged -> the provider's cells in September:
        # a 1 : b 3 -> 0.25 / 0.75
        line("1.00", model="text-embedding-3-small", kind="input", start=SEP2),
        # another provider with no logs at all -> UNALLOCATED
        line("5.00", provider="mistral", model="mistral-large", start=SEP2),
    )
    out = allocate(invoice, usage)
    levels = {
        (r["tenant_id"], r["model"], r["allocation_level"]): r["allocated_cost"]
        for r in out.iter_rows(named=True)
    }
    assert levels[("a", "gpt-4.1", "model_day")] == D("2.00")
    assert levels[("a", "gpt-4.1", "model_period")] == D("1.00")
    assert levels[("a", "text-embedding-3-small", "provider_period")] == D("0.25")
    assert levels[("b", "text-embedding-3-small", "provider_period")] == D("0.75")
    unallocated = out.filter(pl.col("tenant_id") == UNALLOCATED).row(0, named=True)
    assert unallocated["allocated_cost"] == D("5.00")
    assert unallocated["provider"] == "mistral" and unallocated["feature"] == UNALLOCATED
    assert unallocated["charge_date"] == SEP2
    # widened amounts are residual: no logged usage of that kind backs them
    assert out.filter(pl.col("allocation_level") != "exact")["usage_cost"].sum() == 0
    # 2 + 1 + 1 + 5 = 9.00, nothing dropped
    assert invoice_check(invoice, out)["matches"].all()
    assert sum(out["allocated_cost"]) == D("9.00")


def test_unpriced_cells_weigh_by_tokens_when_no_cell_has_a_price():
    # both cells unpriced (cost NULL): 3.00 split by tokens 100 : 200 -> 1.00 / 2.00
    out = allocate(
        lines(line("3.00")), cells(cell("a", None, tokens=100), cell("b", None, tokens=200))
    )
    assert by_tenant(out) == {"a": D("1.00"), "b": D("2.00")}
    assert out["usage_cost"].sum() == 0


def test_tax_and_credit_follow_the_invoice_usage_shares():
    # usage 8.00 over a 3 : b 1 -> 6.00 / 2.00
    # tax 1.60 (20 %) -> 1.20 / 0.40; credit -4.00 -> -3.00 / -1.00
    invoice = lines(
        line("8.00"),
        line("1.60", category="Tax", model=None, kind=None, start=SEP1, end=OCT1),
        line("-4.00", category="Credit", model=None, kind=None, start=SEP1, end=OCT1),
    )
    out = allocate(invoice, cells(cell("a", "3"), cell("b", "1")))
    rows = {r["tenant_id"]: r for r in out.iter_rows(named=True)}
    assert (rows["a"]["tax_cost"], rows["b"]["tax_cost"]) == (D("1.20"), D("0.40"))
    assert (rows["a"]["credit_cost"], rows["b"]["credit_cost"]) == (D("-3.00"), D("-1.00"))
    # a: 6.00 + 1.20 - 3.00 = 4.20; b: 2.00 + 0.40 - 1.00 = 1.40; total 5.60 = 8 + 1.6 - 4
    assert (rows["a"]["allocated_cost"], rows["b"]["allocated_cost"]) == (D("4.20"), D("1.40"))
    assert len(out) == 2  # tax and credit sit on the usage rows


def test_an_invoice_with_only_a_credit_falls_back_to_the_provider_cells():
    # credit -1.00 over the provider's September cells a 1 : b 1
    invoice = lines(line("-1.00", category="Credit", model=None, kind=None, end=OCT1))
    out = allocate(invoice, cells(cell("a", "1"), cell("b", "1")))
    assert by_tenant(out, "credit_cost") == {"a": D("-0.50"), "b": D("-0.50")}
    # and with no cells at all, an UNALLOCATED credit row
    out = allocate(invoice, cells())
    assert out["tenant_id"].to_list() == [UNALLOCATED] and out["credit_cost"][0] == D("-1.00")


def test_a_correction_on_the_october_invoice_goes_to_september_cells():
    # October invoice: October usage 2.00 (tenant b) and a correction +0.90 for Sep 30 (a 2 : c 1)
    invoice = lines(
        line("2.00", invoice="INV-10", period=OCT1, start=OCT1),
        line("0.90", invoice="INV-10", period=OCT1, start=SEP30),
        line(
            "0.29",
            invoice="INV-10",
            period=OCT1,
            category="Tax",
            model=None,
            kind=None,
            start=OCT1,
            end=NOV1,
        ),
    )
    out = allocate(
        invoice,
        cells(cell("a", "2", day=SEP30), cell("c", "1", day=SEP30), cell("b", "2", day=OCT1)),
    )
    rows = {r["tenant_id"]: r for r in out.iter_rows(named=True)}
    assert rows["a"]["correction_cost"] == D("0.60") and rows["c"]["correction_cost"] == D("0.30")
    assert rows["a"]["usage_cost"] == 0  # September usage was on September's invoice
    assert rows["a"]["billing_period"] == "2026-10" and rows["a"]["usage_period"] == "2026-09"
    # tax 0.29 follows the invoice's rows b 2.00 : a 0.60 : c 0.30 (of 2.90) -> 0.20/0.06/0.03
    assert {t: r["tax_cost"] for t, r in rows.items()} == {
        "a": D("0.06"),
        "b": D("0.20"),
        "c": D("0.03"),
    }
    assert sum(out["allocated_cost"]) == D("3.19")


def test_foreign_currency_invoice_converts_the_usage_part_with_dated_rates():
    # EUR invoice 2.00 for cells logged in USD: a 1.00, b 1.00; USD->EUR 0.9 on Sep 1
    # usage parts 0.90 EUR each, residual 0.10 each
    fx = FxRates([(date(2026, 8, 31), "USD", "EUR", D("0.9"))])
    out = allocate(
        lines(line("2.00", currency="EUR")), cells(cell("a", "1"), cell("b", "1")), fx.rate
    )
    assert out["usage_cost"].to_list() == [D("0.90"), D("0.90")]
    assert out["residual_cost"].to_list() == [D("0.10"), D("0.10")]
    assert set(out["billing_currency"]) == {"EUR"}
    # without a rate the logged cost cannot be expressed in EUR: all residual, nothing lost
    out = allocate(lines(line("2.00", currency="EUR")), cells(cell("a", "1"), cell("b", "1")))
    assert out["usage_cost"].sum() == 0 and sum(out["allocated_cost"]) == D("2.00")


def test_fx_uses_the_reverse_pair_and_the_latest_rate_on_or_before_the_day():
    fx = FxRates(
        [(date(2026, 9, 1), "EUR", "USD", D("1.25")), (date(2026, 9, 5), "EUR", "USD", D("1.10"))]
    )
    assert fx.rate(date(2026, 9, 4), "USD", "EUR") == D("0.8")  # 1 / 1.25
    assert fx.rate(date(2026, 9, 5), "EUR", "USD") == D("1.10")
    assert fx.rate(date(2026, 8, 31), "EUR", "USD") is None
    assert fx.rate(date(2026, 8, 31), "USD", "USD") == 1


def test_two_lines_on_the_same_cell_count_its_usage_once():
    # proj_main 3.00 and proj_untracked 1.00 for the same model/kind/day: the logged 3.00 is the
    # usage part once; the 1.00 from a key outside the logs is residual
    out = allocate(lines(line("3.00"), line("1.00")), cells(cell("a", "3")))
    row = out.row(0, named=True)
    assert (row["usage_cost"], row["residual_cost"]) == (D("3.00"), D("1.00"))


def test_apportion_handles_signs_and_refuses_sub_cent_totals():
    assert apportion([D("0.333"), D("0.333"), D("0.334")], D("1.00")) == [
        D("0.33"),
        D("0.33"),
        D("0.34"),
    ]
    assert apportion([D("-0.335"), D("-0.665")], D("-1.00")) == [D("-0.34"), D("-0.66")]
    assert apportion([D("2.005"), D("-1.005")], D("1.00")) == [D("2.01"), D("-1.01")]
    assert sum(apportion([D("5"), D("-4.999")], D("0.00"))) == 0


amounts = st.decimals(min_value=D("-50"), max_value=D("500"), places=6)
weights = st.lists(
    st.decimals(min_value=D("0"), max_value=D("20"), places=9), min_size=1, max_size=6
)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(amounts, min_size=1, max_size=5),
    weights,
    st.decimals(min_value=D("-5"), max_value=D("50"), places=2),
)
def test_every_invoice_is_allocated_to_the_cent(usages, ws, tax):
    invoice = lines(
        *(line(str(a), kind="input" if i % 2 else "output") for i, a in enumerate(usages)),
        line(str(tax), category="Tax", model=None, kind=None, end=OCT1),
    )
    usage = cells(
        *(cell(f"t{i}", str(w), kind=k) for i, w in enumerate(ws) for k in ("input", "output"))
    )
    out = allocate(invoice, usage)
    check = invoice_check(invoice, out)
    assert check["matches"].all()
    parts = out.select(
        pl.sum_horizontal(
            "usage_cost", "residual_cost", "correction_cost", "tax_cost", "credit_cost"
        )
    )
    assert parts.to_series().to_list() == out["allocated_cost"].to_list()


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.lists(
            st.decimals(min_value=D("-3"), max_value=D("3"), places=4), min_size=5, max_size=5
        ),
        min_size=1,
        max_size=12,
    )
)
def test_controlled_rounding_keeps_rows_columns_and_never_invents_a_cent(table):
    total = round_cents(sum((sum(r, D(0)) for r in table), D(0)))
    rows = apportion([sum(r, D(0)) for r in table], total)
    cols = apportion([sum((r[j] for r in table), D(0)) for j in range(5)], total)
    try:
        out = controlled_round(table, rows, cols)
    except ArithmeticError:
        return  # margins that cannot be met together: allocate() rounds each part on its own
    assert [sum(r, D(0)) for r in out] == rows
    assert [sum((r[j] for r in out), D(0)) for j in range(5)] == cols
    for exact_row, out_row in zip(table, out, strict=True):
        for e, o in zip(exact_row, out_row, strict=True):
            assert abs(o - e) < D("0.01")
            if e == e.quantize(D("0.01")):
                assert o == e  # whole cents (zero included) never move
