"""Every SQL model opens with its header: name and description, then grain and materialization."""

import re

import pytest

from pipelines.lib.warehouse import LAYERS, SQL_ROOT

MODEL_FILES = sorted(path for layer in LAYERS for path in (SQL_ROOT / layer).glob("*.sql"))


def test_models_are_found():
    assert len(MODEL_FILES) > 20


@pytest.mark.parametrize("path", MODEL_FILES, ids=lambda p: p.stem)
def test_header_comes_first(path):
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith(f"-- {path.stem}: ")
    header = lines[: lines.index(next(line for line in lines if not line.startswith("--")))]
    assert any(re.match(r"-- grain: \S", line) for line in header[1:3])
    assert any(re.match(r"-- materialization: \w", line) for line in header)


@pytest.mark.parametrize("path", MODEL_FILES, ids=lambda p: p.stem)
def test_ends_in_sql_not_a_comment(path):
    # The runner wraps the body as `select * from ({body})`: a closing line comment or
    # semicolon would swallow or break the parenthesis.
    last = path.read_text(encoding="utf-8").rstrip().splitlines()[-1]
    assert not last.lstrip().startswith("--")
    assert not last.rstrip().endswith(";")
