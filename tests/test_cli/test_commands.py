"""The `costline` command itself: version, one output flag, a safe `generate`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from pipelines.cli import build_parser

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "sample"


def _costline(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pipelines.cli", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )


def _tree(folder: Path) -> dict[str, int]:
    return {
        p.relative_to(folder).as_posix(): p.stat().st_mtime_ns
        for p in folder.rglob("*")
        if p.is_file()
    }


def test_version():
    result = _costline("--version")
    assert result.returncode == 0
    assert result.stdout.startswith("costline 0.")
    assert "FOCUS 1.2" in result.stdout
    assert "genai-prices 0.2.3" in result.stdout


def test_every_subcommand_with_a_folder_takes_output_and_hides_the_old_spelling():
    parser = build_parser()
    for command in ("run", "parallel", "report", "generate"):
        extra = ["--from", "2026-09-01", "--to", "2026-09-01"] if command == "parallel" else []
        extra += ["--input", "x"] if command == "parallel" else []
        args = parser.parse_args([command, "--output", "/tmp/a", *extra])
        assert args.output == Path("/tmp/a")
        old = parser.parse_args([command, "--out", "/tmp/b", *extra])
        assert old.output == Path("/tmp/b")
    help_text = _costline("generate", "--help").stdout
    assert "--output" in help_text
    assert "--out " not in help_text and "--out\n" not in help_text


def test_generate_never_overwrites_the_sample():
    before = _tree(SAMPLE)
    result = _costline("generate")
    assert result.returncode == 2
    assert "already holds files" in result.stderr and "--force" in result.stderr
    assert "Traceback" not in result.stderr
    assert _tree(SAMPLE) == before


def test_generate_refuses_a_non_empty_folder_unless_forced(tmp_path):
    target = tmp_path / "mine"
    target.mkdir()
    (target / "notes.txt").write_text("keep me")
    days = ("--start", "2026-09-01", "--end", "2026-09-02")
    refused = _costline("generate", "--output", str(target), *days)
    assert refused.returncode == 2, refused.stderr
    assert sorted(p.name for p in target.iterdir()) == ["notes.txt"]

    forced = _costline("generate", "--output", str(target), *days, "--force")
    assert forced.returncode == 0, forced.stderr
    assert (target / "requests").is_dir()
    assert (target / "catalog" / "tenants.csv").is_file()


def test_generate_writes_an_empty_or_new_folder_without_force(tmp_path):
    days = ("--start", "2026-09-01", "--end", "2026-09-02")
    result = _costline("generate", "--out", str(tmp_path / "new"), *days)  # old spelling
    assert result.returncode == 0, result.stderr
    assert any((tmp_path / "new" / "requests").iterdir())
