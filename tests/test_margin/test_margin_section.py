"""The report's margin section, on a real DuckDB warehouse."""

from __future__ import annotations

import duckdb
import pytest

from pipelines.lib.report import queries
from pipelines.lib.report.margin_sections import margin

MART = """
create table mart_tenant_margin as select * from (values
  ('2026-09', 'ok-co', 'OK Co', 'USD', 100.0, 10.0, 'invoiced', 90.0, 0.1, 'ok', null),
  ('2026-10', 'ok-co', 'OK Co', 'USD', 100.0, 20.0, 'invoiced', 80.0, 0.2, 'ok', null),
  ('2026-10', 'thin-co', 'Thin Co', 'EUR', 50.0, 20.0, 'invoiced', 30.0, 0.4, 'thin', null),
  ('2026-10', 'loss-co', '<b>Loss</b> Co', 'USD', 20.0, 21.9, 'invoiced', -1.9, 1.095, 'loss',
   null)
) t(billing_period, tenant_id, tenant_name, currency, revenue, llm_cost, cost_basis,
    gross_margin, llm_cost_share, margin_status, llm_cost_reason);
create table mart_internal_recovery as select * from (values
  ('2026-10', 'ok-co', 'account_summary', 'accepted_output', 'USD', 30.45, 58.74, -28.29),
  ('2026-10', 'ok-co', 'email_copilot', 'request', 'USD', 21.47, 16.00, 5.47)
) t(billing_period, tenant_id, feature, unit, currency, internal_charge, llm_cost, recovery)
"""


def test_last_month_loss_and_thin_first_with_share_chart() -> None:
    con = duckdb.connect()
    con.execute(MART)
    html = margin(con).render()
    table = html.split("<table")[1]
    order = [table.index(name) for name in ("Loss", "Thin Co", "OK Co")]
    assert order == sorted(order)  # loss, then thin, then ok
    assert "&lt;b&gt;Loss&lt;/b&gt; Co" in html  # names are escaped
    assert "109.5%" in html and "-1.90" in html
    assert "<svg" in html and "LLM cost share" in html
    assert "internal prices below cost" in html and "account_summary" in html
    assert "email_copilot" not in html.split("internal prices below cost")[1]


def test_missing_mart_is_reported_not_raised() -> None:
    with pytest.raises(queries.MissingTable):
        margin(duckdb.connect())
