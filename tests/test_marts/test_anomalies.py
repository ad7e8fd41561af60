"""Spikes against a trailing robust baseline and runaway sessions (hand fixture, figures below)."""

from datetime import date, timedelta

import dagster as dg
import pytest

from pipelines.defs.marts import mart_checks
from tests.test_marts import fixtures_steering as fx

D = fx.D
JAN21 = date(2025, 1, 21)


def _series(tenant, feature, spike_tokens, spike_cost=None, env="prod", start=1, flat=False):
    """Jan `start`..20: tokens 100 on odd days, 110 on even days (cost 1 / 1.1); Jan 21: spike.
    flat=True: 100 tokens and cost 1 every day."""
    rows = []
    for d in range(start, 21):
        odd = d % 2 == 1 or flat
        rows.append(
            fx.line(
                date(2025, 1, d),
                tenant_id=tenant,
                feature=feature,
                environment=env,
                input_tokens=100 if odd else 110,
                contracted_cost=D("1") if odd else D("1.1"),
            )
        )
    rows.append(
        fx.line(
            JAN21,
            tenant_id=tenant,
            feature=feature,
            environment=env,
            input_tokens=spike_tokens,
            contracted_cost=spike_cost if spike_cost is not None else D("1"),
        )
    )
    return rows


@pytest.fixture
def con(tmp_path):
    con = fx.connect(tmp_path)
    rows = (
        _series("t1", "f1", 1200, D("12"))  # high on tokens and cost
        + _series("t1", "f2", 700)  # medium, tokens only
        + _series("t2", "f1", 400)  # low
        + _series("t3", "f1", 300)  # ratio 2.86 < 3: nothing
        + _series("t4", "f1", 1000, start=18)  # 3 days of history < 7: nothing
        + _series("t1", "f1", 1100, env="staging", flat=True)  # MAD 0: staging, high
    )
    fx.cost_lines(con, rows)
    fx.build(con, "mart_anomalies")
    yield con
    con.close()


def test_spikes_are_scored_against_the_previous_14_days(con):
    found = {
        (r["tenant_id"], r["feature"], r["environment"]): r
        for r in fx.rows(con, "select * from mart_anomalies")
    }
    assert set(found) == {
        ("t1", "f1", "prod"),
        ("t1", "f2", "prod"),
        ("t2", "f1", "prod"),
        ("t1", "f1", "staging"),
    }
    high = found["t1", "f1", "prod"]
    # baseline Jan 7..20: seven 100s and seven 110s -> median 105, MAD 5
    assert high["day"] == JAN21
    assert high["baseline_days"] == 14
    assert high["tokens_baseline_median"] == pytest.approx(105)
    assert high["tokens_baseline_mad"] == pytest.approx(5)
    assert high["tokens_robust_z"] == pytest.approx((1200 - 105) / (1.4826 * 5))  # 147.7
    assert high["tokens_ratio"] == pytest.approx(1200 / 105)  # 11.4 >= 10: high
    # cost: median (1 + 1.1) / 2 = 1.05, MAD 0.05; 12 / 1.05 = 11.4
    assert high["cost_baseline_median"] == D("1.05")
    assert high["cost_baseline_mad"] == D("0.05")
    assert high["cost_ratio"] == pytest.approx(12 / 1.05)
    assert (high["anomaly_kind"], high["severity"]) == ("tokens+cost", "high")
    medium = found["t1", "f2", "prod"]
    assert medium["tokens_ratio"] == pytest.approx(700 / 105)  # 6.67: medium
    assert (medium["anomaly_kind"], medium["severity"]) == ("tokens", "medium")
    assert found["t2", "f1", "prod"]["severity"] == "low"  # 400 / 105 = 3.8
    staging = found["t1", "f1", "staging"]
    assert staging["tokens_baseline_mad"] == 0 and staging["tokens_robust_z"] is None
    assert staging["severity"] == "high"  # 1100 / 100 = 11, MAD 0 counts as infinite z


def test_high_severity_check_warns_and_lists_them(con):
    spec, fn = mart_checks.CHECKS["mart_anomalies"][0]
    assert spec.name == "no_high_severity_anomalies"
    result = fn(con, JAN21, JAN21 + timedelta(days=1), None)
    assert not result.passed
    assert result.severity == dg.AssetCheckSeverity.WARN
    # prod fires; the staging spike is only counted
    assert result.metadata["high_severity"].value == 1
    assert result.metadata["high_severity_non_prod"].value == 1
    assert "t1 / f1 / prod" in result.metadata["anomalies"].value
    quiet = fn(con, date(2025, 1, 10), date(2025, 1, 11), None)
    assert quiet.passed


@pytest.fixture
def sessions(tmp_path):
    con = fx.connect(tmp_path)
    day = date(2025, 1, 5)
    rows = []
    # 400 ordinary sessions: 2 requests x 100 tokens
    for i in range(400):
        rows += [fx.line(day, session_id=f"s{i:03d}", input_tokens=100) for _ in range(2)]
    # runaway: 50 requests x 100 tokens (tenant tx)
    rows += [fx.line(day, session_id="loop", tenant_id="tx", input_tokens=100) for _ in range(50)]
    # heavy: 3 requests x 250 tokens; medium: 12 requests x 100 tokens
    rows += [fx.line(day, session_id="heavy", input_tokens=250) for _ in range(3)]
    rows += [fx.line(day, session_id="medium", input_tokens=100) for _ in range(12)]
    # one call of 2,000 tokens: 10x p99 tokens, but a single call is not a loop (min 3 requests)
    rows += [fx.line(day, session_id="single", input_tokens=2000)]
    # staging: one long session, but a single session is no baseline (min 20)
    rows += [
        fx.line(day, session_id="stg", environment="staging", input_tokens=100) for _ in range(50)
    ]
    fx.cost_lines(con, rows)
    fx.build(con, "mart_runaway_sessions")
    yield con
    con.close()


def test_runaway_sessions_against_the_feature_p99(sessions):
    found = {r["session_id"]: r for r in fx.rows(sessions, "select * from mart_runaway_sessions")}
    assert set(found) == {"loop", "heavy", "medium"}
    loop = found["loop"]
    # 404 prod sessions; sorted requests: 1 (single), 400 x 2, 3, 12, 50 and sorted tokens:
    # 400 x 200, 750, 1200, 2000, 5000. p99 position 403 x 0.99 = 398.97 lies between two
    # ordinary sessions, so p99 = 2 requests / 200 tokens
    assert loop["p99_requests"] == pytest.approx(2)
    assert loop["p99_tokens"] == pytest.approx(200)
    assert loop["feature_sessions"] == 404
    assert loop["requests_vs_p99"] == pytest.approx(25)  # 50 / 2
    assert (loop["tenant_id"], loop["severity"]) == ("tx", "high")
    assert found["medium"]["severity"] == "medium"  # 12 / 2 = 6 and 1200 / 200 = 6
    assert found["heavy"]["tokens_vs_p99"] == pytest.approx(3.75)  # 750 / 200
    assert found["heavy"]["requests_vs_p99"] == pytest.approx(1.5)  # 3 / 2
    assert found["heavy"]["severity"] == "low"


def test_cost_series_never_add_two_currencies(tmp_path):
    """USD every day and a 12 EUR line on Jan 21: the EUR series has no baseline, and the USD
    series does not see the EUR amount (added together, Jan 21 would read as a 13x spike)."""
    con = fx.connect(tmp_path)
    eur = fx.line(JAN21, tenant_id="t1", feature="f1", contracted_cost=D("12"))
    eur["contracted_currency"] = "EUR"
    fx.cost_lines(con, [*_series("t1", "f1", 100, flat=True), eur])
    fx.build(con, "mart_anomalies")
    found = fx.rows(con, "select currency, cost, cost_spike from mart_anomalies")
    con.close()
    assert found == []
