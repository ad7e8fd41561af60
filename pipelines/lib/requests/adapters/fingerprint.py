"""Prompt fingerprints: sha256 of a canonical form of the prompt, so the text itself can be dropped.

Canonical form: the text pieces of the prompt (message text contents, roles ignored, whatever the
message shape: OpenAI `content` strings or parts, Anthropic `text` blocks, OTel `parts[].content`)
joined by newlines, lower-cased, with volatile tokens replaced by placeholders (timestamps,
dates, times, UUIDs, e-mail addresses, long hex strings, prefixed ids such as `cus_123456`, numbers
of 5+ digits) and whitespace collapsed. Two calls whose prompts differ only by such tokens get the
same fingerprint; the same prompt logged through different formats gets the same fingerprint.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from pipelines.lib.requests.adapters.common import maybe_json

# Keys whose values are prompt text, visited in this order inside one message object.
_TEXT_KEYS = ("content", "text", "parts", "input", "prompt", "messages", "system")

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b"),
        "<uuid>",
    ),
    (
        re.compile(
            r"\b\d{4}-\d{2}-\d{2}(?:[t ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:z|[+-]\d{2}:?\d{2})?)?"
        ),
        "<ts>",
    ),
    (re.compile(r"\b\d{1,2}:\d{2}(?::\d{2})?(?:\s?[ap]m)?\b"), "<time>"),
    (re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b"), "<email>"),
    (re.compile(r"\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{16,}\b"), "<hex>"),
    (re.compile(r"\b[a-z]+[_-](?=(?:[a-z_-]*\d){3})[a-z0-9_-]{6,}\b"), "<id>"),
    (re.compile(r"\d{5,}"), "<num>"),
    (re.compile(r"\s+"), " "),
)


def _pieces(value: Any, out: list[str]) -> None:
    value = maybe_json(value)
    if isinstance(value, str):
        out.append(value)
    elif isinstance(value, list | tuple):
        for v in value:
            _pieces(v, out)
    elif isinstance(value, dict):
        for k in _TEXT_KEYS:
            if k in value:
                _pieces(value[k], out)


def canonical_prompt(value: Any) -> str | None:
    """The canonical form the fingerprint hashes (None when the value holds no text)."""
    pieces: list[str] = []
    _pieces(value, pieces)
    text = "\n".join(p for p in pieces if p.strip()).lower()
    if not text.strip():
        return None
    for pattern, placeholder in _PATTERNS:
        text = pattern.sub(placeholder, text)
    return text.strip()


def prompt_fingerprint(value: Any) -> str | None:
    """sha256 hex digest of `canonical_prompt(value)`, or None when there is no text."""
    canon = canonical_prompt(value)
    if canon is None:
        return None
    return hashlib.sha256(canon.encode("utf-8")).hexdigest()
