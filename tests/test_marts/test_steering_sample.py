"""The sample's stories surface in the steering marts (slow: generates and runs the whole sample).

The stories (pipelines.lib.sample.stories): ticket_classification partly on gpt-4.1 (extractive on
an expensive model), the initech/faq_assistant runaway agent loop of 2026-10-15..18, and the
email_copilot prompt v7 launched 2026-10-12 (costlier, less accepted).
"""

import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import pytest

from pipelines.lib.sample import generate
from pipelines.lib.sample import stories as st

pytestmark = pytest.mark.slow
FEATURES_CSV = (
    "feature,kind\nemail_copilot,generative\naccount_summary,generative\n"
    "ticket_classification,extractive\nfaq_assistant,conversational\n"
)


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("steering_sample")
    generate(root / "input", st.DEFAULT_START, st.DEFAULT_END)
    features = root / "input" / "catalog" / "features.csv"
    if not features.exists():
        features.write_text(FEATURES_CSV)
    # The marts are checked in the work warehouse: a failure elsewhere must not hide them.
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pipelines.cli",
            "run",
            "--input",
            str(root / "input"),
            "--output",
            str(root / "out"),
        ],
        check=False,
        capture_output=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    con = duckdb.connect(str(root / "out" / ".work" / "warehouse.duckdb"), read_only=True)
    yield con, root / "out"
    con.close()


def test_ticket_classification_is_named_on_the_expensive_model(warehouse):
    con, _ = warehouse
    rows = con.execute(
        """select distinct feature, model from mart_feature_model_mix
           where environment = 'prod' and extractive_on_expensive_model"""
    ).fetchall()
    assert ("ticket_classification", st.GPT41[1]) in rows
    best = con.execute(
        """select candidate_model from mart_routing_whatif
           where environment = 'prod' and feature = 'ticket_classification'
             and month_start = date '2026-10-01' and candidate_rank = 1"""
    ).fetchall()
    assert best == [(st.GPT41_MINI[1],)]


def test_the_runaway_tenant_is_flagged(warehouse):
    con, _ = warehouse
    spikes = con.execute(
        """select distinct tenant_id, feature from mart_anomalies
           where environment = 'prod' and severity = 'high'"""
    ).fetchall()
    assert (st.RUNAWAY_TENANT, st.RUNAWAY_FEATURE) in spikes
    sessions = con.execute(
        """select distinct tenant_id from mart_runaway_sessions
           where environment = 'prod' and severity = 'high'"""
    ).fetchall()
    assert sessions == [(st.RUNAWAY_TENANT,)]
    hard = con.execute(
        """select min(as_of_date) from mart_budget_status
           where tenant_id = $t and status = 'hard'""",
        {"t": st.RUNAWAY_TENANT},
    ).fetchall()
    assert hard == [(st.RUNAWAY_START,)]


def test_the_bad_prompt_version_is_flagged(warehouse):
    con, _ = warehouse
    flagged = con.execute(
        """select distinct feature, prompt_version, week_start
           from mart_weekly_scorecard_versions
           where environment = 'prod' and freeze_or_rollback"""
    ).fetchall()
    assert (st.PROMPT_FEATURE, st.PROMPT_NEW, st.PROMPT_NEW_FROM) in flagged
    assert all(v == st.PROMPT_NEW for _, v, _ in flagged)


def test_guardrails_file_exists_for_the_last_day(warehouse):
    _, out = warehouse
    files = sorted((out / "exports" / "guardrails").glob("*.json"))
    assert files and date.fromisoformat(files[-1].stem) >= date(2026, 10, 31)
