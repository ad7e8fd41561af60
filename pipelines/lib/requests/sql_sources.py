"""FROM clauses of the DuckDB ingest (`sql.py`): native Parquet groups and native JSONL lines
as `r_<field>` columns plus the reader-level errors and repairs."""

from __future__ import annotations

import pyarrow as pa

from pipelines.lib.requests.jsonl import JSON_KINDS
from pipelines.lib.requests.result import ERR_FIELD, ERR_REASON, NATIVE_FIELDS
from pipelines.lib.requests.rule_expr import literal as lit
from pipelines.lib.requests.rule_expr import quote as q
from pipelines.lib.requests.rules import CRITICAL_FIELDS, OPTIONAL_RULES, REPAIR, WRONG_TYPE


def _in(values: tuple[str, ...]) -> str:
    return "(" + ", ".join(lit(v) for v in values) + ")"


def kind_of(t: pa.DataType | None) -> str:
    """Arrow type -> s (string), i (integer), f (float), b (bool), tz / ts (timestamp with /
    without zone), n (absent), x (anything else: struct, list, binary, date, decimal...)."""
    if t is None or pa.types.is_null(t):
        return "n"
    if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t):
        return "s"
    if pa.types.is_dictionary(t):
        return kind_of(t.value_type)
    if pa.types.is_boolean(t):
        return "b"
    if pa.types.is_integer(t):
        return "i"
    if pa.types.is_floating(t):
        return "f"
    if pa.types.is_decimal(t):
        return "f"
    if pa.types.is_timestamp(t):
        return "tz" if t.tz else "ts"
    return "x"


def parquet_source(kinds: dict[str, str], con_files: str) -> str:
    """FROM clause over one group of same-schema Parquet files: r_<field> columns, reader
    errors for columns of a type no field can hold."""
    cols = [f"{q(f)} as {q('r_' + f)}" for f in NATIVE_FIELDS if kinds.get(f, "n") != "n"]
    # An optional column of a type no field can hold is nulled (kind "n" for `_typed`) and
    # repaired; a critical one quarantines the row.
    cols += [
        f"case when {q(f)} is not null then {lit(WRONG_TYPE)} end as {q(REPAIR + f)}"
        if kinds.get(f) == "x"
        else f"null::varchar as {q(REPAIR + f)}"
        for f in OPTIONAL_RULES
    ]
    odd = [f for f in NATIVE_FIELDS if kinds.get(f) == "x" and f in CRITICAL_FIELDS]
    err_f = " ".join(f"when {q(f)} is not null then {lit(f)}" for f in odd)
    err_r = " ".join(f"when {q(f)} is not null then {lit(f + ' has the wrong type')}" for f in odd)
    return (
        f"(select {', '.join(cols) + ',' if cols else ''} "
        f"p.rel as source_file, file_row_number + 1 as source_line, "
        f"'native-parquet' as source_format, "
        f"{f'case {err_f} end' if odd else 'null::varchar'} as {ERR_FIELD}, "
        f"{f'case {err_r} end' if odd else 'null::varchar'} as {ERR_REASON} "
        f"from read_parquet({con_files}, filename = true, file_row_number = true) r "
        f"join _ingest_paths p on p.path = r.filename)"
    )


def _json_kind(raw: str) -> str:
    """s / n / b / o (object or array) of a JSON value, NULL when absent or JSON null."""
    first = f"left({raw}::varchar, 1)"
    return (
        f"case {first} when '\"' then 's' when 't' then 'b' when 'f' then 'b' "
        f"when '{{' then 'o' when '[' then 'o' when 'n' then null "
        f"else case when {raw} is not null then 'n' end end"
    )


def jsonl_source(rel: str) -> str:
    """FROM clause over the registered `_ingest_lines` (source_line, line; line NULL = invalid
    UTF-8): every native field as text, with the reader errors of `jsonl.decode_lines`."""
    paths = "[" + ", ".join(lit(f"$.{f}") for f in NATIVE_FIELDS) + "]"
    kinds = {f: f"_k{i}" for i, f in enumerate(NATIVE_FIELDS)}
    parsed = (
        "select source_line, line is null as bad_utf8, "
        "coalesce(json_valid(line), false) as is_valid, "
        "coalesce(starts_with(ltrim(line), '{'), false) as is_object, "
        f"case when json_valid(line) and starts_with(ltrim(line), '{{') "
        f"then json_extract(line, {paths}) end as vals from _ingest_lines"
    )
    with_kinds = (
        "select *, "
        + ", ".join(f"{_json_kind(f'vals[{i + 1}]')} as {k}" for i, k in enumerate(kinds.values()))
        + f" from ({parsed})"
    )
    wrong = {
        f: f"({k} is not null and {k} not in {_in(tuple(JSON_KINDS[f]))})" for f, k in kinds.items()
    }
    values = [
        f"case when {wrong[f] if f in OPTIONAL_RULES else 'false'} then null "
        f"when {k} = 's' then vals[{i + 1}] ->> '$' "
        f"when {k} in ('n', 'b') then vals[{i + 1}]::varchar end "
        f"as {q('r_' + f)}"
        for i, (f, k) in enumerate(kinds.items())
    ]
    values += [
        f"case when {wrong[f]} then {lit(WRONG_TYPE)} end as {q(REPAIR + f)}"
        for f in OPTIONAL_RULES
    ]
    errors = [
        ("bad_utf8", "record", "invalid UTF-8"),
        ("not is_valid", "record", "invalid JSON (malformed or truncated line)"),
        ("not is_object", "record", "record is not a JSON object"),
        *[(wrong[f], f, f"{f} has the wrong JSON type") for f in kinds if f in CRITICAL_FIELDS],
    ]
    err_f = " ".join(f"when {c} then {lit(f)}" for c, f, _ in errors)
    err_r = " ".join(f"when {c} then {lit(r)}" for c, _, r in errors)
    return (
        f"(select {', '.join(values)}, {lit(rel)} as source_file, source_line, "
        f"'native-jsonl' as source_format, case {err_f} end as {ERR_FIELD}, "
        f"case {err_r} end as {ERR_REASON} from ({with_kinds}))"
    )
