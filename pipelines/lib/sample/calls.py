"""One provider call or app-cache hit of the sample story, as a native request record."""

from __future__ import annotations

import hashlib
import random
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from pipelines.lib.sample import stories as st

MIDNIGHT = datetime.min.time()


def fingerprint(*parts: object) -> str:
    """A 64-bit hex hash standing for a normalised prompt (never the prompt itself)."""
    return hashlib.sha256(":".join(map(str, parts)).encode()).hexdigest()[:16]


def render_timestamp(utc: datetime, tz: str) -> str:
    """RFC 3339 with the tenant's local offset (milliseconds); zone `UTC` renders as `Z`."""
    if tz == "UTC":
        return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"
    local = utc.astimezone(ZoneInfo(tz))
    offset = local.strftime("%z")
    return (
        local.strftime("%Y-%m-%dT%H:%M:%S.")
        + f"{local.microsecond // 1000:03d}{offset[:3]}:{offset[3:]}"
    )


@dataclass
class Source:
    """A past provider call whose answer an app-cache hit can reuse."""

    request_id: str
    tenant_id: str
    provider: str
    model: str
    prompt_fingerprint: str


@dataclass
class StoryState:
    """What the generator remembers across days (app-cache sources, late feedback)."""

    seed: int
    recent: dict[tuple[str, str], deque[Source]] = field(default_factory=dict)
    feedback: list[dict] = field(default_factory=list)
    leaks_left: int = st.CROSS_TENANT_LEAKS

    def remember(self, rec: dict) -> None:
        """Keep the request as a source later calls of the same tenant and feature may reuse."""
        key = (rec["tenant_id"], rec["feature"])
        src = Source(
            rec["request_id"],
            rec["tenant_id"],
            rec["provider"],
            rec["model"],
            rec["prompt_fingerprint"],
        )
        self.recent.setdefault(key, deque(maxlen=300)).append(src)


@dataclass
class Call:
    """Context of one call: who, what, when, and the story multipliers that apply."""

    tenant: st.Tenant
    feature: str
    environment: str
    utc: datetime
    session_id: str | None
    user_id: str | None
    action_id: str
    provider: str
    model: str
    service_tier: str = "standard"
    app: str | None = None
    token_factor: float = 1.0
    first_in_session: bool = True
    long_context: bool = False


def _ids(day: date, seq: int, rng: random.Random) -> str:
    return f"r-{day:%Y%m%d}-{seq:06d}-{rng.getrandbits(16):04x}"


def _prompt_version(feature: str, utc: datetime) -> str:
    if feature == st.PROMPT_FEATURE:
        return st.PROMPT_NEW if utc.date() >= st.PROMPT_NEW_FROM else st.PROMPT_OLD
    return st.PROMPT_VERSIONS[feature]


def _tokens(rng: random.Random, c: Call, version: str) -> dict[str, int]:
    med_in, med_out, _ = st.FEATURE_SHAPES[c.feature]
    factor = c.token_factor * (st.PROMPT_NEW_TOKEN_FACTOR if version == st.PROMPT_NEW else 1.0)
    if c.service_tier == "batch":
        factor *= 1.8
    inp = max(40, int(med_in * factor * rng.lognormvariate(0, 0.35)))
    if c.long_context:
        inp = rng.randint(205_000, 380_000)
    out = max(1, int(med_out * factor * rng.lognormvariate(0, 0.45)))
    read = write = write_1h = reasoning = 0
    u = rng.random()
    if c.provider == "openai":
        if inp >= 1024 and u < (0.45 if c.first_in_session else 0.7):
            read = max(1024, int(inp * rng.uniform(0.45, 0.85)) // 128 * 128)
    elif u < 0.85:  # Anthropic (direct or Bedrock): explicit cache breakpoints
        prefix = int(inp * rng.uniform(0.5, 0.8))
        one_hour = c.feature == "account_summary" or c.service_tier == "batch"
        if c.first_in_session or u < 0.25:
            write = prefix
            write_1h = prefix if one_hour and rng.random() < 0.7 else 0
        else:
            read = prefix
            if rng.random() < 0.5:
                write = int(inp * rng.uniform(0.03, 0.12))
    if c.model == st.SONNET[1] and rng.random() < 0.35:
        reasoning = int(out * rng.uniform(0.3, 0.7))
    elif c.model == st.HAIKU[1] and rng.random() < 0.1:
        reasoning = int(out * rng.uniform(0.2, 0.5))
    return {
        "input_tokens": inp,
        "cache_read_tokens": read,
        "cache_write_tokens": write,
        "cache_write_1h_tokens": write_1h,
        "output_tokens": out,
        "reasoning_tokens": reasoning,
    }


def _feedback(rng: random.Random, feature: str, version: str) -> dict:
    """Quality signals for a successful call (inline or late)."""
    if feature in (st.PROMPT_FEATURE, "account_summary", "ticket_classification"):
        rate = st.ACCEPT_RATE.get(version, 0.8) if feature == st.PROMPT_FEATURE else 0.83
        accepted = rng.random() < rate
        fb: dict = {"accepted": accepted}
        if accepted and feature == st.PROMPT_FEATURE:
            mean = 0.17 if version == st.PROMPT_OLD else 0.26
            fb["edit_distance"] = round(min(1.0, rng.expovariate(1 / mean)), 3)
        return fb
    fb = {"escalated": rng.random() < 0.12}
    if rng.random() < 0.35:
        fb["csat"] = rng.choices((1, 2, 3, 4, 5), (4, 6, 14, 36, 40))[0]
    return fb


def app_cache_hit(
    rng: random.Random, state: StoryState, c: Call, seq: int, kind: str
) -> dict | None:
    """An exact/semantic app-cache hit reusing an earlier call's answer (zero provider tokens)."""
    pool = state.recent.get((c.tenant.tenant_id, c.feature))
    if state.leaks_left and c.feature == "faq_assistant" and rng.random() < 0.006:
        others = [k for k in state.recent if k[1] == c.feature and k[0] != c.tenant.tenant_id]
        if others:  # the cross-tenant leak: another tenant's answer served from the cache
            pool = state.recent[sorted(others)[rng.randrange(len(others))]]
            state.leaks_left -= 1
    if not pool:
        return None
    src = pool[min(len(pool) - 1, int(len(pool) * rng.random() ** 0.5))]
    rec = _base(rng, c, seq, _prompt_version(c.feature, c.utc))
    rec.update(
        provider=src.provider,
        model=src.model,
        input_tokens=0,
        cache_read_tokens=0,
        cache_write_tokens=0,
        cache_write_1h_tokens=0,
        output_tokens=0,
        reasoning_tokens=0,
        cache_status=kind,
        cache_source_request_id=src.request_id,
        latency_ms=rng.randint(3, 45) if kind == "exact" else rng.randint(25, 120),
        prompt_fingerprint=src.prompt_fingerprint if kind == "exact" else _fp(rng, state, c),
    )
    return rec


def _fp(rng: random.Random, state: StoryState, c: Call) -> str:
    # Zipf-like reuse of a pool of normalised prompts per tenant and feature.
    pool = 60 if c.feature in ("faq_assistant", "ticket_classification") else 4000
    return fingerprint(state.seed, c.tenant.tenant_id, c.feature, int(pool * rng.random() ** 2.5))


def _base(rng: random.Random, c: Call, seq: int, version: str) -> dict:
    return {
        "request_id": _ids(c.utc.date(), seq, rng),
        "timestamp": render_timestamp(c.utc, c.tenant.tz),
        "tenant_id": c.tenant.tenant_id,
        "user_id": c.user_id,
        "app": c.app or st.FEATURE_APPS[c.feature],
        "feature": c.feature,
        "environment": c.environment,
        "provider": c.provider,
        "model": c.model,
        "service_tier": c.service_tier,
        "prompt_version": version,
        "session_id": c.session_id,
        "action_id": c.action_id,
        "status": "success",
        "result_type": st.RESULT_TYPES[c.feature],
        "pii_detected": rng.random() < (0.08 if c.tenant.tenant_id == "umbrella" else 0.025),
        "policy_blocked": False,
    }


def provider_call(rng: random.Random, state: StoryState, c: Call, seq: int) -> dict:
    """A real provider call: tokens, caching, errors, blocks, inline or late feedback."""
    version = _prompt_version(c.feature, c.utc)
    rec = _base(rng, c, seq, version)
    rec.update(_tokens(rng, c, version))
    rec["prompt_fingerprint"] = _fp(rng, state, c)
    rec["cache_status"] = "prefix" if rec["cache_read_tokens"] else "miss"
    out = rec["output_tokens"]
    rec["latency_ms"] = int(180 + out * rng.uniform(8, 22) + rec["input_tokens"] * 0.02)
    u = rng.random()
    if u < 0.005:  # guardrail blocked the call before the provider saw it
        rec.update({k: 0 for k in st.INT_FIELDS if k.endswith("_tokens")})
        rec.update(
            status="blocked",
            policy_blocked=True,
            pii_detected=True,
            error_type="policy_violation",
            result_type="blocked",
            cache_status="miss",
            latency_ms=rng.randint(8, 40),
        )
        return rec
    if u < 0.025:
        etype = rng.choices(*zip(*st.ERROR_TYPES, strict=True))[0]
        rec.update(status="error", error_type=etype, result_type="error", output_tokens=0)
        rec["reasoning_tokens"] = 0
        if etype != "timeout":  # rejected before generation: nothing billed
            rec.update({k: 0 for k in st.INT_FIELDS if k.endswith("_tokens")})
            rec["cache_status"] = "miss"
            rec["latency_ms"] = rng.randint(40, 900)
        else:
            rec["latency_ms"] = 60_000
        return rec
    state.remember(rec)
    if c.environment == "prod" and c.service_tier == "standard":
        v = rng.random()
        if v < 0.4:
            rec.update(_feedback(rng, c.feature, version))
        elif v < 0.55:
            event = c.utc + timedelta(minutes=rng.randint(90, 6 * 24 * 60))
            late = {"request_id": rec["request_id"], "event_time": event.astimezone(UTC)}
            late.update(_feedback(rng, c.feature, version))
            state.feedback.append(late)
    return rec
