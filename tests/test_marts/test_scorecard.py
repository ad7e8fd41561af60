"""Weekly scorecard, version scorecard and late feedback (hand fixture, figures below).

Feature f1, prod. Week of 2025-03-03 (v1): r1..r4, cost 1 each, actions a1..a4,
  accepted T,T,T,F; edit distance 2,4,0,10; escalated F,F,F,T; csat 5,4,5,2.
Week of 2025-03-10: v1 r5 (a5), r6 (a6) cost 1, accepted T,T;
  v2 r7, r8 (one action a7) cost 2 each, accepted F,F.
Staging: one request in week 2 costing 100 (separate rows).
"""

import json
from datetime import date

import pytest

from pipelines.lib.marts import feedback
from tests.test_marts import fixtures_steering as fx

D = fx.D
W1, W2 = date(2025, 3, 3), date(2025, 3, 10)


def _line(day, rid, action, accepted, cost="1", version="v1", **kw):
    return fx.line(
        day,
        request_id=rid,
        action_id=action,
        accepted=accepted,
        contracted_cost=D(cost),
        prompt_version=version,
        **kw,
    )


@pytest.fixture
def con(tmp_path):
    con = fx.connect(tmp_path)
    fx.cost_lines(
        con,
        [
            _line(W1, "r1", "a1", True, edit_distance=2.0, escalated=False, csat=5.0),
            _line(date(2025, 3, 4), "r2", "a2", True, edit_distance=4.0, escalated=False, csat=4.0),
            _line(date(2025, 3, 5), "r3", "a3", True, edit_distance=0.0, escalated=False, csat=5.0),
            _line(
                date(2025, 3, 9), "r4", "a4", False, edit_distance=10.0, escalated=True, csat=2.0
            ),
            _line(W2, "r5", "a5", True),
            _line(W2, "r6", "a6", True),
            _line(date(2025, 3, 11), "r7", "a7", False, cost="2", version="v2"),
            _line(date(2025, 3, 11), "r8", "a7", False, cost="2", version="v2"),
            _line(W2, "s1", "s1", True, cost="100", environment="staging"),
        ],
    )
    # 4 ratings a week are far too few for the default significance test (see below): off here
    fx.settings(con, {"scorecard.freeze_min_drop_z": "0"})
    fx.build(con, "mart_weekly_scorecard_versions")
    yield con
    con.close()


def _week(con, week, env="prod"):
    return fx.rows(
        con,
        "select * from mart_weekly_scorecard where week_start = $w and environment = $e",
        {"w": week, "e": env},
    )[0]


def test_weekly_metrics_and_week_over_week_flag(con):
    w1 = _week(con, W1)
    assert (w1["iso_year"], w1["iso_week"]) == (2025, 10)
    assert (w1["requests"], w1["executions"]) == (4, 4)
    assert w1["contracted_cost"] == D("4")
    assert w1["cost_per_1000_executions"] == pytest.approx(1000)  # 4 x 1000 / 4
    assert w1["acceptance_rate"] == pytest.approx(0.75)  # 3 of 4
    assert w1["mean_edit_distance"] == pytest.approx(4)  # (2 + 4 + 0 + 10) / 4
    assert w1["escalation_rate"] == pytest.approx(0.25)
    assert w1["mean_csat"] == pytest.approx(4)  # (5 + 4 + 5 + 2) / 4
    assert w1["freeze_or_rollback"] is False  # no previous week
    w2 = _week(con, W2)
    # executions: a5, a6, a7 = 3; cost 1 + 1 + 2 + 2 = 6 -> 2000 per 1000 executions
    assert (w2["requests"], w2["executions"]) == (4, 3)
    assert w2["cost_per_1000_executions"] == pytest.approx(2000)
    assert w2["cost_per_execution_change_pct"] == pytest.approx(100)  # 2000 / 1000 - 1
    assert w2["acceptance_rate"] == pytest.approx(0.5)
    assert w2["acceptance_change_pts"] == pytest.approx(-25)  # (0.5 - 0.75) x 100
    assert w2["freeze_or_rollback"] is True  # +100% >= 20% and -25 pts <= -5


def test_staging_is_scored_apart(con):
    staging = _week(con, W2, "staging")
    assert staging["contracted_cost"] == D("100")
    assert _week(con, W2)["contracted_cost"] == D("6")


def test_bad_prompt_version_is_flagged_against_the_feature_previous_week(con):
    versions = {
        (r["prompt_version"], r["week_start"]): r
        for r in fx.rows(
            con, "select * from mart_weekly_scorecard_versions where environment = 'prod'"
        )
    }
    v2 = versions["v2", W2]
    # 1 execution (a7) costing 4 -> 4000 per 1000; baseline feature week 1 = 1000 -> +300 %
    assert v2["cost_per_1000_executions"] == pytest.approx(4000)
    assert v2["cost_per_execution_change_pct"] == pytest.approx(300)
    assert v2["acceptance_change_pts"] == pytest.approx(-75)  # (0 - 0.75) x 100
    assert v2["share_of_feature_executions"] == pytest.approx(1 / 3)
    assert v2["first_week_start"] == W2
    assert v2["baseline"] == "feature_previous_week"  # v2 is new in week 2
    assert v2["freeze_or_rollback"] is True
    v1 = versions["v1", W2]
    assert v1["cost_per_1000_executions"] == pytest.approx(1000)  # 2 x 1000 / 2: +0 %
    assert v1["baseline"] == "same_version_previous_week"  # v1 week 1: 1000, acceptance 0.75
    assert v1["acceptance_change_pts"] == pytest.approx(25)  # (1.0 - 0.75) x 100
    assert v1["freeze_or_rollback"] is False


def test_thresholds_come_from_costline_settings(con):
    fx.settings(con, {"scorecard.freeze_cost_rise_pct": "150"})
    fx.build(con, "mart_weekly_scorecard")
    assert _week(con, W2)["freeze_or_rollback"] is False  # +100% < 150%


def test_the_acceptance_drop_must_be_significant_by_default(con):
    fx.settings(con, {})
    fx.build(con, "mart_weekly_scorecard")
    w2 = _week(con, W2)
    # pooled p = (0.5 x 4 + 0.75 x 4) / 8 = 0.625; se = sqrt(0.625 x 0.375 x (1/4 + 1/4))
    # = 0.3423; z = (0.5 - 0.75) / 0.3423 = -0.730 > -3: not significant, no flag
    assert w2["acceptance_change_z"] == pytest.approx(-0.25 / (0.625 * 0.375 * 0.5) ** 0.5)
    assert w2["freeze_or_rollback"] is False


def test_late_feedback_moves_the_acceptance_of_the_request_week(con, tmp_path):
    folder = tmp_path / "input" / "feedback"
    folder.mkdir(parents=True)
    records = [
        # r4 (week 1) accepted after all; an older event saying otherwise loses
        {"request_id": "r4", "event_time": "2025-03-12T10:00:00Z", "accepted": True},
        {"request_id": "r4", "event_time": "2025-03-09T10:00:00Z", "accepted": False, "csat": 1},
        {"request_id": "zz-unknown", "event_time": "2025-03-12T10:00:00Z", "accepted": True},
    ]
    bad = [
        "{not json",
        json.dumps({"request_id": "r1", "event_time": "2025-03-12", "csat": 9}),
        json.dumps({"request_id": "r1", "accepted": True}),
        json.dumps({"request_id": "r1", "event_time": "2025-03-12T00:00:00"}),
    ]
    text = "\n".join([json.dumps(r) for r in records] + bad) + "\n\n"
    (folder / "2025-03-12.jsonl").write_text(text)
    result = feedback.read_feedback(tmp_path / "input")
    stats = feedback.load_feedback(con, result)
    # 7 non-blank lines = 3 loaded + 4 quarantined; one unknown id kept and flagged
    assert stats == {
        "rows_read": 7,
        "rows_loaded": 3,
        "rows_quarantined": 4,
        "unknown_request_ids": 1,
        "files": 1,
    }
    assert result.reasons == {
        "missing or not a timestamp": 1,
        "no quality field (accepted, edit_distance, escalated, csat)": 1,
        "not valid JSON": 1,
        "out of range (must be between 1 and 5)": 1,
    }
    assert fx.rows(con, "select source_line, field from quarantine_feedback") == [
        {"source_line": 4, "field": "record"},
        {"source_line": 5, "field": "csat"},
        {"source_line": 6, "field": "event_time"},
        {"source_line": 7, "field": "record"},
    ]
    fx.build(con, "mart_weekly_scorecard")
    w1 = _week(con, W1)
    assert w1["acceptance_rate"] == pytest.approx(1.0)  # 4 of 4 now
    # csat: latest non-null csat for r4 is the older event's 1 (the newer one has no csat)
    assert w1["mean_csat"] == pytest.approx((5 + 4 + 5 + 1) / 4)
    assert w1["late_feedback_requests"] == 1
    w2 = _week(con, W2)
    assert w2["acceptance_rate"] == pytest.approx(0.5)  # unchanged
    assert w2["acceptance_change_pts"] == pytest.approx(-50)  # (0.5 - 1.0) x 100
