"""The cast and the plot of the sample data set: a CRM SaaS vendor with LLM features.

Everything the generator varies lives here as plain constants, so the README, the tests and the
lead's notes can name the same dates, tenants and models.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

# The native record's fields, in file column order (the input contract).
INT_FIELDS = frozenset(
    {
        "input_tokens",
        "cache_read_tokens",
        "cache_write_tokens",
        "cache_write_1h_tokens",
        "output_tokens",
        "reasoning_tokens",
        "latency_ms",
        "csat",
    }
)
BOOL_FIELDS = frozenset({"pii_detected", "policy_blocked", "accepted", "escalated"})
FLOAT_FIELDS = frozenset({"edit_distance"})

DEFAULT_START = date(2026, 9, 1)
DEFAULT_END = date(2026, 11, 1)  # exclusive

# --- models (all but UNPRICED_MODEL resolve in genai-prices 0.2.3) ---------------------------
GPT41 = ("openai", "gpt-4.1-2025-04-14")
GPT41_MINI = ("openai", "gpt-4.1-mini-2025-04-14")
SONNET = ("anthropic", "claude-sonnet-4-5-20250929")
HAIKU = ("anthropic", "claude-haiku-4-5-20251001")
BEDROCK_HAIKU = ("aws_bedrock", "eu.anthropic.claude-haiku-4-5-20251001-v1:0")
UNPRICED_MODEL = ("openai", "ft:gpt-4.1-mini:acme:crm-v2")  # dev only; no price anywhere

# --- the plot -------------------------------------------------------------------------------
RUNAWAY_TENANT = "initech"
RUNAWAY_FEATURE = "faq_assistant"
RUNAWAY_START = date(2026, 10, 15)
RUNAWAY_END = date(2026, 10, 19)  # exclusive: 4 days
RUNAWAY_TOKEN_FACTOR = (2.5, 4.5)  # per-call token multiplier of the tenant's normal sessions
# plus agent-loop sessions of RUNAWAY_LOOP_CALLS calls each: the day totals ~8-15x normal tokens
RUNAWAY_LOOP_CALLS = (150, 260)
RUNAWAY_SESSIONS_PER_DAY = 1  # agent-loop sessions per day (plus 0 or 1)

PROMPT_FEATURE = "email_copilot"
PROMPT_OLD, PROMPT_NEW = "v6", "v7"
PROMPT_NEW_FROM = date(2026, 10, 12)
PROMPT_NEW_TOKEN_FACTOR = 1.3
ACCEPT_RATE = {PROMPT_OLD: 0.74, PROMPT_NEW: 0.52}

PRICE_CHANGE_DAY = date(2026, 10, 1)
CROSS_TENANT_LEAKS = 5  # app-cache hits reusing another tenant's answer


@dataclass(frozen=True)
class Tenant:
    """A sample tenant and how it uses the features."""

    tenant_id: str
    name: str
    business_unit: str
    cost_center: str
    weight: float  # share of interactive sessions
    tz: str  # IANA zone used to render timestamp offsets ("UTC" renders as Z)
    features: tuple[str, ...]
    bedrock: bool = False  # data residency: Anthropic models through Bedrock (EU)


TENANTS = (
    Tenant(
        "globex",
        "Globex Corporation",
        "Enterprise",
        "CC-1001",
        0.30,
        "America/New_York",
        ("email_copilot", "account_summary", "ticket_classification", "faq_assistant"),
    ),
    Tenant(
        "initech",
        "Initech",
        "Mid-Market",
        "CC-2001",
        0.13,
        "America/Chicago",
        ("email_copilot", "ticket_classification", "faq_assistant"),
    ),
    Tenant(
        "northwind-eu.01",
        "Northwind Traders EU",
        "Enterprise",
        "CC-1002",
        0.15,
        "Europe/Berlin",
        ("email_copilot", "account_summary", "faq_assistant"),
        bedrock=True,
    ),
    Tenant(
        "umbrella",
        "Umbrella Health",
        "Mid-Market",
        "CC-2002",
        0.14,
        "Europe/London",
        ("ticket_classification", "faq_assistant", "email_copilot"),
    ),
    Tenant(
        "hooli",
        "Hooli",
        "Mid-Market",
        "CC-2003",
        0.12,
        "UTC",
        ("email_copilot", "account_summary", "ticket_classification"),
    ),
    Tenant(
        "stark-industries",
        "Stark Industries",
        "SMB",
        "CC-3001",
        0.09,
        "Asia/Kolkata",
        ("email_copilot", "faq_assistant"),
    ),
    Tenant(
        "wayne-ent",
        "Wayne Enterprises",
        "SMB",
        "CC-3002",
        0.07,
        "Australia/Sydney",
        ("ticket_classification", "faq_assistant"),
    ),
)
VIP_TENANT = "globex"
# Tenants whose account summaries run nightly as batch jobs: tenant -> summaries per night.
NIGHTLY_BATCH = {"globex": 40, "hooli": 15}

FEATURE_APPS = {
    "email_copilot": "crm-web",
    "account_summary": "crm-web",
    "ticket_classification": "support-desk",
    "faq_assistant": "support-desk",
}
BATCH_APP = "crm-jobs"
RESULT_TYPES = {
    "email_copilot": "draft",
    "account_summary": "summary",
    "ticket_classification": "label",
    "faq_assistant": "answer",
}
PROMPT_VERSIONS = {"account_summary": "v3", "ticket_classification": "v12", "faq_assistant": "v4"}
# Feature -> (median input tokens, median output tokens, calls per session mean)
FEATURE_SHAPES = {
    "email_copilot": (2600, 380, 2.5),
    "account_summary": (11000, 650, 1.4),
    "ticket_classification": (850, 18, 1.0),
    "faq_assistant": (3200, 260, 3.5),
}
# Feature -> share of interactive sessions
FEATURE_WEIGHTS = {
    "email_copilot": 0.34,
    "account_summary": 0.14,
    "ticket_classification": 0.30,
    "faq_assistant": 0.22,
}
ENVIRONMENT_WEIGHTS = (("prod", 0.86), ("staging", 0.09), ("dev", 0.05))
SESSIONS_PER_WEEKDAY = 600  # at scale 1.0 -> ~1,300 requests per weekday
WEEKDAY_FACTOR = (1.0, 1.06, 1.08, 1.04, 0.92, 0.32, 0.26)  # Mon..Sun
# Local hour-of-day weights (business hours peak).
HOUR_WEIGHTS = (
    1, 1, 1, 1, 1, 2, 4, 8, 14, 18, 19, 17, 13, 15, 17, 16, 13, 9, 6, 4, 3, 2, 2, 1,
)  # fmt: skip
ERROR_TYPES = (("rate_limit", 0.45), ("timeout", 0.25), ("server_error", 0.2), ("context", 0.1))


def model_for(tenant: Tenant, feature: str, environment: str, u: float) -> tuple[str, str]:
    """(provider, model) an interactive call uses; `u` is a uniform draw in [0, 1)."""
    if feature == "email_copilot":
        if environment == "dev" and u < 0.35:
            return UNPRICED_MODEL
        return GPT41 if u < 0.8 else GPT41_MINI
    if feature == "account_summary":
        return BEDROCK_HAIKU if tenant.bedrock and u < 0.5 else SONNET
    if feature == "ticket_classification":
        # the routing what-if: extractive labels on the expensive model for some tenants
        expensive = 0.55 if tenant.tenant_id == "umbrella" else 0.08
        return GPT41 if u < expensive else GPT41_MINI
    return BEDROCK_HAIKU if tenant.bedrock else HAIKU
