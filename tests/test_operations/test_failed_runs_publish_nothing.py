"""A failed or killed run changes no published byte (issue 15, item 4).

One good publication is built once for the module; each case runs on its own copy of it, hashes
the published tree (every file but `.work/`, where the lock lives) before and after the failing
run, then checks that the next good run succeeds and publishes a consistent tree.
"""

from __future__ import annotations

import gzip
import json
import shutil
import signal
import subprocess
from collections.abc import Callable
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from pipelines.lib import publish
from pipelines.lib.publish import commit
from tests.test_operations.conftest import DAYS, ROOT, SAMPLE, cli_env, costline_cmd, run_cli
from tests.test_operations.conftest import sha256 as file_sha256

START, END = DAYS
UNCHANGED = "the last published outputs are unchanged"
# One sample day alone is above the default 1% unpriced-token threshold (both days together are
# not): one-day runs raise it, except where that check is the failure under test.
ONE_DAY = {"COSTLINE_MAX_UNPRICED_TOKEN_SHARE": "0.05"}


def published_tree(out: Path) -> dict[str, str]:
    """sha256 of every published file (everything but `.work/`, which holds the lock)."""
    return {
        p.relative_to(out).as_posix(): file_sha256(p)
        for p in sorted(out.rglob("*"))
        if p.is_file() and ".work" not in p.relative_to(out).parts
    }


@pytest.fixture(scope="module")
def good(tmp_path_factory) -> tuple[Path, Path]:
    """(input, output) of one good two-day publication, built once for the module."""
    root = tmp_path_factory.mktemp("good")
    source = root / "input"
    (source / "requests").mkdir(parents=True)
    for day in DAYS:
        shutil.copy(SAMPLE / "requests" / f"{day}.jsonl.gz", source / "requests")
    shutil.copytree(SAMPLE / "catalog", source / "catalog")
    shutil.copytree(SAMPLE / "invoices", source / "invoices")
    out = root / "out"
    result = run_cli(source, out, START, END)
    assert result.returncode == 0, result.stderr
    return source, out


@pytest.fixture
def case(good, tmp_path) -> tuple[Path, Path]:
    """A private copy of the good input and publication."""
    source, out = good
    shutil.copytree(source, tmp_path / "input")
    shutil.copytree(out, tmp_path / "out")
    return tmp_path / "input", tmp_path / "out"


def assert_consistent(out: Path) -> None:
    """Every Parquet file reads; the FOCUS manifests list exactly the files present, by hash;
    every chargeback manifest's hashes match its files."""
    for path in out.rglob("*.parquet"):
        if ".work" not in path.relative_to(out).parts:
            pq.read_table(path)
    for folder, pattern in (
        ("focus", "billing_period=*/charge_date=*/*.parquet"),
        ("focus_invoiced", "billing_period=*/*.parquet"),
    ):
        listed = json.loads((out / f"{folder}.metadata.json").read_text())["Files"]
        present = {p.relative_to(out / folder).as_posix() for p in (out / folder).glob(pattern)}
        assert {f["path"] for f in listed} == present, folder
        for entry in listed:
            assert file_sha256(out / folder / entry["path"]) == entry["sha256"], entry["path"]
    for manifest in (out / "exports" / "chargeback").glob("*/manifest.json"):
        for name, digest in json.loads(manifest.read_text())["files"].items():
            assert file_sha256(manifest.parent / name) == digest, name
    assert not publish.stage_dir(out).exists() or not any(
        (publish.stage_dir(out) / "tree").rglob("*")
    )


def fails_and_changes_nothing(run: Callable[[], int], out: Path) -> tuple[int, dict[str, str]]:
    """Run the failing `run`; assert it failed and left every published byte as it was."""
    before = published_tree(out)
    assert before and "warehouse.duckdb" in before
    code = run()
    assert code != 0
    assert published_tree(out) == before
    return code, before


def next_good_run_succeeds(source: Path, out: Path, start: str = END, end: str = END) -> str:
    """The next run on good input succeeds and publishes a consistent tree; returns stderr."""
    result = run_cli(source, out, start, end, **ONE_DAY)
    assert result.returncode == 0, result.stderr
    assert_consistent(out)
    return result.stderr


# --- failures reported by a step or a blocking check ------------------------------------------


# Each breaks a copy of the good input; returns the run's extra environment and a text its
# error message must contain.


def _unpriced_share_zero(source: Path) -> tuple[dict[str, str], str]:
    # the sample has unpriced requests: a zero threshold fails the blocking check
    return {"COSTLINE_MAX_UNPRICED_TOKEN_SHARE": "0"}, "unpriced token share"


def _nan_invoice_amount(source: Path) -> tuple[dict[str, str], str]:
    page = source / "invoices" / "openai" / "2026-09" / "costs-page-01.json"
    text = page.read_text()
    first = text.index('"value": ') + len('"value": ')
    page.write_text(text[:first] + '"NaN"' + text[text.index(",", first) :])
    return ONE_DAY, "'NaN' is not a finite number"


def _empty_requests(source: Path) -> tuple[dict[str, str], str]:
    for path in (source / "requests").iterdir():
        path.unlink()
    # no request file: no first partition either, so the run stops at its arguments (with
    # COSTLINE_PARTITIONS_START set it runs, and publishes the days as having no requests)
    return ONE_DAY, "is before the first partition"


def _missing_requests(source: Path) -> tuple[dict[str, str], str]:
    shutil.rmtree(source / "requests")
    return ONE_DAY, "no requests/ folder"


def _duplicate_tenant(source: Path) -> tuple[dict[str, str], str]:
    tenants = source / "catalog" / "tenants.csv"
    lines = tenants.read_text().splitlines()
    tenants.write_text("\n".join([*lines, lines[1]]) + "\n")
    return ONE_DAY, "duplicate tenant id"


@pytest.mark.parametrize(
    "break_input",
    [
        _unpriced_share_zero,
        _nan_invoice_amount,
        _empty_requests,
        _missing_requests,
        _duplicate_tenant,
    ],
    ids=["blocking-check", "nan-invoice", "empty-requests", "missing-requests", "dup-tenant"],
)
def test_failed_run_changes_no_published_byte(case, tmp_path, break_input):
    good_input, out = case
    broken = tmp_path / "broken"
    shutil.copytree(good_input, broken)
    env, expected = break_input(broken)
    result: list[subprocess.CompletedProcess] = []

    def run() -> int:
        result.append(run_cli(broken, out, END, END, **env))
        return result[0].returncode

    fails_and_changes_nothing(run, out)
    stderr = result[0].stderr
    assert expected in stderr and "Traceback" not in stderr
    if "run failed" in stderr:  # the pipeline ran: it says the outputs are unchanged, as is true
        assert UNCHANGED in stderr
    next_good_run_succeeds(good_input, out)


# --- runs killed with SIGKILL -----------------------------------------------------------------


def _kill_at(source: Path, out: Path, marker: str) -> int:
    """Run on `source`, SIGKILL the process at the first progress line containing `marker`."""
    proc = subprocess.Popen(
        costline_cmd(
            "run", "--input", str(source), "--output", str(out), "--from", END, "--to", END
        ),
        cwd=ROOT,
        env=cli_env(**ONE_DAY),
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stderr is not None
    seen = False
    for line in proc.stderr:
        if marker in line:
            seen = True
            proc.send_signal(signal.SIGKILL)
            break
    code = proc.wait(timeout=300)
    assert seen, f"no progress line with {marker!r}"
    return code


@pytest.mark.parametrize(
    "marker",
    ["cost lines for", "wrote FOCUS 1.2", "chargeback 20", "guardrail decisions"],
    ids=["after-cost-lines", "after-focus", "after-chargeback", "after-guardrails"],
)
def test_killed_run_changes_no_published_byte(case, marker):
    source, out = case
    # a late request for the killed run's day, so it has something new to publish
    late = source / "requests" / "late.jsonl"
    late.write_text(_late_request(END) + "\n")
    code, _ = fails_and_changes_nothing(lambda: _kill_at(source, out, marker), out)
    assert code in (137, -signal.SIGKILL), code
    stderr = next_good_run_succeeds(source, out, START, END)
    assert "recovery: previous run" in stderr
    assert "recovery: discarded the unpublished outputs" in stderr


def _late_request(day: str) -> str:
    with gzip.open(SAMPLE / "requests" / f"{day}.jsonl.gz", "rt", encoding="utf-8") as handle:
        record = json.loads(handle.readline())
    record.update(request_id=f"late-{day}", timestamp=f"{day}T12:00:00Z")
    record.pop("cache_source_request_id", None)
    record["cache_status"] = "miss"
    return json.dumps(record)


# --- a publish interrupted between its first and last rename ----------------------------------


def test_interrupted_publish_is_finished_by_the_next_run(case):
    """Everything staged and committed, only part of the plan applied (as if killed there):
    the next run's recovery finishes the publish, so the tree equals a whole publish."""
    _, out = case
    original = published_tree(out)
    focus_day = f"focus/billing_period=2026-09/charge_date={START}"
    staged_day = publish.stage_unit(out, focus_day)
    staged_day.mkdir()
    # new bytes for the day: any other complete Parquet file will do
    shutil.copyfile(
        out / f"cost_lines/request_date={END}/part-0.parquet", staged_day / "part-0.parquet"
    )
    guardrails = publish.stage_unit(out, f"exports/guardrails/{START}.json")
    guardrails.write_text('{"decisions": []}\n')
    publish.stage_unit(out, f"cost_lines/request_date={START}")  # nothing staged: removed
    plan = commit.plan_moves(out)
    expected = dict(original)
    expected[f"{focus_day}/part-0.parquet"] = file_sha256(staged_day / "part-0.parquet")
    expected[f"exports/guardrails/{START}.json"] = file_sha256(guardrails)
    del expected[f"cost_lines/request_date={START}/part-0.parquet"]
    (publish.stage_dir(out) / "plan.json").write_text(json.dumps(plan))
    commit.apply_moves(out, plan[:1])  # killed after the first rename
    assert published_tree(out) not in (original, expected)

    done = publish.begin_run(out, "next-run")
    assert any("finished publishing" in step for step in done), done
    assert published_tree(out) == expected
    assert not (out / f"cost_lines/request_date={START}").exists()
    publish.end_run(out, "next-run")


def test_publish_moves_only_the_staged_units(tmp_path):
    """A folder unit replaces its published folder (stale files go), a unit staged empty is
    removed, a file may replace a folder, and nothing else is touched."""
    out = tmp_path / "out"
    for rel, text in {
        "t/day=1/part-0.parquet": "old 1",
        "t/day=1/stale.parquet": "stale",
        "t/day=2/part-0.parquet": "old 2",
        "t/day=3/part-0.parquet": "untouched",
        "x/was-a-folder/file": "old",
    }.items():
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_text(text)
    day1 = publish.stage_unit(out, "t/day=1")
    day1.mkdir()
    (day1 / "part-0.parquet").write_text("new 1")
    publish.stage_unit(out, "t/day=2")  # nothing staged: the day goes
    publish.stage_unit(out, "x/was-a-folder").write_text("now a file")
    assert publish.publish_staged(out) == {"moved": 2, "removed": 3}
    assert {p: (out / p).read_text() for p in published_tree(out)} == {
        "t/day=1/part-0.parquet": "new 1",
        "t/day=3/part-0.parquet": "untouched",
        "x/was-a-folder": "now a file",
    }
    assert not (out / "t" / "day=2").exists() and not publish.stage_dir(out).exists()
