from pipelines.lib import data_dictionary
from schemas import registry


def test_committed_dictionary_is_current():
    assert data_dictionary.TARGET.read_text(encoding="utf-8") == data_dictionary.render(), (
        "docs/data_dictionary.md is stale: run python -m pipelines.lib.data_dictionary"
    )


def test_every_published_column_is_described():
    missing = [
        f"{table}.{name}"
        for table in registry.tables()
        for name, doc in registry.column_docs(table).items()
        if not doc.strip()
    ]
    assert missing == []
