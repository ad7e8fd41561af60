"""Where each native field comes from, per source format: defaults plus a user mapping file.

`default_mapping.toml` (next to this module) holds the defaults; `<input>/catalog/mapping.toml`
overrides them key by key. Each field maps to an ordered list of source paths and the first
non-empty scalar wins. Path syntax:

- `a.b.c`: dotted path into the record; keys that themselves contain dots (OTel attribute names
  such as `service.name`) are matched literally, longest key first, so `resource.service.name`
  reads attribute `service.name` of the span's resource. JSON held in a string (CSV cells, Langfuse
  metadata values) is decoded on the way.
- `tag:<key>`: the value of a `<key>:<value>` (or `<key>=<value>`) tag in the record's tag list
  (the list is found via the format's `tags` paths).
- `const:<value>`: a literal, e.g. `environment = ["deployment.environment", "const:prod"]`.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipelines.lib.requests.adapters.common import as_dict, is_empty, maybe_json
from schemas.requests.native_request import NATIVE_FIELDS

DEFAULT_MAPPING_PATH = Path(__file__).with_name("default_mapping.toml")
SECTIONS = ("otel", "litellm", "langfuse", "provider-usage")
ALIAS_TABLES = ("provider_aliases", "environment_aliases", "service_tier_aliases")
SECTION_LISTS = ("tags", "prompt", "anthropic_exclusive_input_scopes")


class MappingError(ValueError):
    """The mapping file is malformed; the message names the file and key."""


@dataclass(frozen=True)
class Mapping:
    """Per-format field sources plus alias tables. Build it with `load_mapping`."""

    fields: dict[str, dict[str, tuple[str, ...]]]
    lists: dict[str, dict[str, tuple[str, ...]]]
    provider_aliases: dict[str, str] = field(default_factory=dict)
    environment_aliases: dict[str, str] = field(default_factory=dict)
    service_tier_aliases: dict[str, str] = field(default_factory=dict)

    def paths(self, section: str, native_field: str) -> tuple[str, ...]:
        """The source paths a format's section reads a native field from."""
        return self.fields.get(section, {}).get(native_field, ())

    def section_list(self, section: str, name: str) -> tuple[str, ...]:
        """A named list of a format's section (e.g. its tag paths)."""
        return self.lists.get(section, {}).get(name, ())

    def provider(self, value: str | None) -> str | None:
        """The provider name after the alias table."""
        return _alias(self.provider_aliases, value)

    def environment(self, value: str | None) -> str | None:
        """The environment name after the alias table."""
        return _alias(self.environment_aliases, value)

    def service_tier(self, value: str | None) -> str | None:
        """The service tier after the alias table."""
        return _alias(self.service_tier_aliases, value)


def _alias(table: dict[str, str], value: str | None) -> str | None:
    if value is None:
        return None
    return table.get(value.strip().lower(), value.strip())


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise MappingError(f"{path}: not valid TOML ({exc})") from exc


def _str_list(path: Path, key: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise MappingError(f"{path}: {key} must be a list of non-empty strings")
    return tuple(value)


def _merge_fields(value: Any, path: Path, key: str, into: dict[str, Any]) -> None:
    """The `[<section>.fields]` table: native field -> list of source paths."""
    if not isinstance(value, dict):
        raise MappingError(f"{path}: [{key}.fields] must be a table")
    for nf, paths in value.items():
        if nf not in NATIVE_FIELDS:
            raise MappingError(
                f"{path}: [{key}.fields] {nf}: not a native field "
                f"(one of {', '.join(NATIVE_FIELDS)})"
            )
        into["fields"][key][nf] = _str_list(path, f"[{key}.fields] {nf}", paths)


def _merge_section(value: Any, path: Path, key: str, into: dict[str, Any]) -> None:
    """One format's section: its `fields` table and its lists."""
    if not isinstance(value, dict):
        raise MappingError(f"{path}: [{key}] must be a table")
    for sub, sv in value.items():
        if sub == "fields":
            _merge_fields(sv, path, key, into)
        elif sub in SECTION_LISTS:
            into["lists"][key][sub] = _str_list(path, f"[{key}] {sub}", sv)
        else:
            raise MappingError(f"{path}: [{key}] {sub}: unknown key")


def _merge(data: dict[str, Any], path: Path, into: dict[str, Any]) -> None:
    """Merge one mapping file's tables into `into`, refusing anything unknown."""
    for key, value in data.items():
        if key in ALIAS_TABLES:
            if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
                raise MappingError(f"{path}: [{key}] must map names to strings")
            into[key].update({k.lower(): v for k, v in value.items()})
        elif key in SECTIONS:
            _merge_section(value, path, key, into)
        else:
            raise MappingError(
                f"{path}: unknown table [{key}] (expected {', '.join(SECTIONS + ALIAS_TABLES)})"
            )


def load_mapping(path: Path | None = None) -> Mapping:
    """The default mapping, overridden key by key by the user file at `path` when it exists.

    A user list replaces the default list of the same field (it does not append); alias tables
    are merged entry by entry.
    """
    acc: dict[str, Any] = {
        "fields": {s: {} for s in SECTIONS},
        "lists": {s: {} for s in SECTIONS},
        **{t: {} for t in ALIAS_TABLES},
    }
    _merge(_read(DEFAULT_MAPPING_PATH), DEFAULT_MAPPING_PATH, acc)
    if path is not None and path.exists():
        _merge(_read(path), path, acc)
    return Mapping(
        fields=acc["fields"],
        lists=acc["lists"],
        provider_aliases=acc["provider_aliases"],
        environment_aliases=acc["environment_aliases"],
        service_tier_aliases=acc["service_tier_aliases"],
    )


# ---------------------------------------------------------------- path resolution

_MISSING = object()


def get_path(obj: Any, path: str) -> Any:
    """Dotted lookup where keys may contain dots (longest literal key first)."""
    if path == "":
        return obj
    obj = maybe_json(obj)
    if isinstance(obj, list) and obj and all(isinstance(x, dict) and "key" in x for x in obj):
        obj = as_dict(obj)
    if not isinstance(obj, dict):
        return None
    parts = path.split(".")
    for i in range(len(parts), 0, -1):
        key = ".".join(parts[:i])
        if key in obj:
            found = get_path(obj[key], ".".join(parts[i:]))
            if found is not None:
                return found
    return None


def tag_value(tags: list[str], key: str) -> str | None:
    """The value of the first `key:value` or `key=value` tag, if any."""
    for t in tags:
        for sep in (":", "="):
            prefix = f"{key}{sep}"
            if t.startswith(prefix) and t[len(prefix) :].strip():
                return t[len(prefix) :].strip()
    return None


def collect_tags(record: dict[str, Any], paths: tuple[str, ...]) -> list[str]:
    """The tags found at `paths` (lists, or comma-separated text)."""
    tags: list[str] = []
    for p in paths:
        v = maybe_json(get_path(record, p))
        if isinstance(v, list):
            tags.extend(str(x) for x in v if isinstance(x, str | int | float))
        elif isinstance(v, str) and v.strip():
            tags.extend(x.strip() for x in v.split(",") if x.strip())
    return tags


def resolve(record: dict[str, Any], paths: tuple[str, ...], tags: list[str]) -> Any:
    """First non-empty scalar among `paths` (None when none)."""
    for p in paths:
        if p.startswith("const:"):
            v: Any = p[len("const:") :]
        elif p.startswith("tag:"):
            v = tag_value(tags, p[len("tag:") :])
        else:
            v = get_path(record, p)
        if not is_empty(v) and isinstance(v, str | int | float | bool):
            return v
    return None


def resolve_fields(
    record: dict[str, Any],
    mapping: Mapping,
    section: str,
    *,
    identity: bool = False,
) -> tuple[dict[str, Any], list[str]]:
    """Resolve every mapped native field of `record` (raw values) and return them with the tags.

    With `identity`, a field without mapped paths is read from the record's key of the same name
    (the provider-usage envelope is a native record).
    """
    tags = collect_tags(record, mapping.section_list(section, "tags"))
    out: dict[str, Any] = {}
    for nf in NATIVE_FIELDS:
        paths = mapping.paths(section, nf) or ((nf,) if identity else ())
        if paths:
            out[nf] = resolve(record, paths, tags)
    return out, tags


def prompt_value(record: dict[str, Any], mapping: Mapping, section: str) -> Any:
    """The first non-empty prompt value (string or structure) among the format's prompt paths."""
    for p in mapping.section_list(section, "prompt"):
        v = get_path(record, p)
        if not is_empty(v):
            return v
    return None
