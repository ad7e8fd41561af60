"""Loss-making tenants become guardrail decisions (pipelines.lib.marts.guardrails)."""

from __future__ import annotations

from datetime import date

import duckdb

from pipelines.lib.marts.guardrails import build_decisions, margin_decisions

MART = """
create table mart_tenant_margin as select * from (values
  ('2026-09', 'x', 'USD', 10.00, 12.00, -2.00, 1.2, 'invoiced', 'loss'),
  ('2026-10', 'x', 'USD', 10.00, 2.00, 8.00, 0.2, 'invoiced', 'ok'),
  ('2026-10', 'y', 'EUR', 20.00, 21.9, -1.90, 1.095, 'estimated', 'loss'),
  ('2026-10', 'z', 'USD', 20.00, 19.0, 1.00, 0.95, 'estimated', 'thin'),
  ('2026-12', 'y', 'EUR', 1.00, 9.00, -8.00, 9.0, 'estimated', 'loss')
) t(billing_period, tenant_id, currency, revenue, llm_cost, gross_margin, llm_cost_share,
    cost_basis, margin_status)
"""


def test_loss_tenants_of_the_latest_month_up_to_as_of() -> None:
    con = duckdb.connect()
    con.execute(MART)
    decisions = margin_decisions(con, date(2026, 11, 2))
    assert decisions == [
        {
            "tenant_id": "y",
            "billing_period": "2026-10",
            "action": "alert",
            "status": "loss",
            "revenue": "20.000000",
            "llm_cost": "21.900000",
            "gross_margin": "-1.900000",
            "llm_cost_share": "1.095000",
            "currency": "EUR",
            "cost_basis": "estimated",
            "reason": "LLM cost exceeds revenue",
        }
    ]
    assert [d["tenant_id"] for d in margin_decisions(con, date(2026, 9, 30))] == ["x"]


def test_no_margin_mart_means_no_margin_decisions() -> None:
    assert margin_decisions(duckdb.connect(), date(2026, 11, 2)) == []


def test_the_guardrails_document_carries_them() -> None:
    con = duckdb.connect()
    con.execute(MART)
    con.execute(
        "create table mart_budget_status (tenant_id varchar, feature varchar, "
        "guardrail_action varchar, status varchar, month_to_date decimal(38,18), "
        "monthly_limit decimal(38,18), forecast_month_total decimal(38,18), currency varchar, "
        "day_spend decimal(38,18), daily_limit decimal(38,18), status_reason varchar, "
        "as_of_date date)"
    )
    document = build_decisions(con, date(2026, 11, 2))
    assert document["decisions"] == []
    assert [d["tenant_id"] for d in document["margin_decisions"]] == ["y"]
