from __future__ import annotations

import json

import pytest

from pipelines.lib.requests.adapters import MappingError, load_mapping, to_native
from pipelines.lib.requests.adapters.fingerprint import canonical_prompt, prompt_fingerprint
from pipelines.lib.requests.adapters.mapping import get_path, resolve


def test_get_path_literal_dotted_keys():
    rec = {"resource": {"service.name": "app", "deployment.environment.name": "prod"}}
    assert get_path(rec, "resource.service.name") == "app"
    assert get_path(rec, "resource.deployment.environment.name") == "prod"
    assert get_path({"metadata": '{"a": {"b": 1}}'}, "metadata.a.b") == 1
    assert get_path({"m": [{"key": "k", "value": "v"}]}, "m.k") == "v"  # Arrow map


def test_resolve_tags_and_const():
    tags = ["env:prod", "feature=search"]
    assert resolve({}, ("tag:feature",), tags) == "search"
    assert resolve({"a": ""}, ("a", "tag:env"), tags) == "prod"
    assert resolve({}, ("missing", "const:dev"), tags) == "dev"


def test_user_mapping_overrides_defaults(tmp_path):
    user = tmp_path / "mapping.toml"
    user.write_text(
        '[environment_aliases]\ndefault = "prod"\n\n'
        '[langfuse.fields]\nfeature = ["name"]\ntenant_id = ["metadata.customer"]\n'
    )
    m = load_mapping(user)
    assert m.paths("langfuse", "feature") == ("name",)
    assert m.paths("langfuse", "environment") == ("environment", "metadata.environment")
    assert m.environment("default") == "prod" and m.environment("production") == "prod"
    path = tmp_path / "o.jsonl"
    path.write_text(
        json.dumps(
            {
                "id": "g",
                "type": "GENERATION",
                "name": "summarise-ticket",
                "environment": "default",
                "start_time": "2026-03-02T09:00:00Z",
                "provided_model_name": "claude-sonnet-4-5",
                "metadata": {"customer": "globex"},
                "usage_details": {"input": 1, "output": 1},
            }
        )
    )
    row = to_native(path, "langfuse", m)[0].to_dicts()[0]
    assert (row["feature"], row["tenant_id"], row["environment"], row["provider"]) == (
        "summarise-ticket",
        "globex",
        "prod",
        "anthropic",
    )


@pytest.mark.parametrize(
    "content",
    ['[otel.fields]\nnot_a_field = ["x"]\n', "[nonsense]\n", "[otel]\ntags = [1]\n", "x = ["],
)
def test_bad_mapping_file_fails_loudly(tmp_path, content):
    p = tmp_path / "mapping.toml"
    p.write_text(content)
    with pytest.raises(MappingError, match=str(p)):
        load_mapping(p)


def test_fingerprint_canonical_form():
    a = "Summarise ticket 1234567 for cus_8f7a6b5c4 opened 2026-03-02T09:00:00Z by a@b.com"
    b = "summarise   TICKET 7654321 for cus_1a2b3c4d5 opened 2025-12-31 23:59 by x@y.org"
    assert prompt_fingerprint(a) == prompt_fingerprint(b)
    assert prompt_fingerprint(a) != prompt_fingerprint("summarise something else")
    uuid = "id 123e4567-e89b-12d3-a456-426614174000"
    assert canonical_prompt(uuid) == "id <uuid>"
    # Message shapes from different APIs canonicalise alike.
    openai = [{"role": "user", "content": "Hello there"}]
    anthropic = [{"role": "user", "content": [{"type": "text", "text": "Hello there"}]}]
    otel = json.dumps([{"role": "user", "parts": [{"type": "text", "content": "Hello there"}]}])
    assert len({prompt_fingerprint(x) for x in (openai, anthropic, otel, "hello there")}) == 1
    assert prompt_fingerprint(None) is None and prompt_fingerprint([]) is None
