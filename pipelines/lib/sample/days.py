"""One UTC day of the sample story: interactive sessions, nightly batch, runaway agent loops."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from pipelines.lib.sample import stories as st
from pipelines.lib.sample.calls import Call, StoryState, app_cache_hit, provider_call

DAY_SECONDS = 86_400
TENANTS = {t.tenant_id: t for t in st.TENANTS}
# Share of interactive calls answered from the app cache, per feature: (exact, semantic).
APP_CACHE = {
    "faq_assistant": (0.08, 0.07),
    "email_copilot": (0.015, 0.01),
    "ticket_classification": (0.05, 0.0),
    "account_summary": (0.0, 0.0),
}


def _utc_hour_weights(tz: str, day: date) -> list[float]:
    noon = datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=12)
    offset = ZoneInfo(tz).utcoffset(noon.replace(tzinfo=None)) if tz != "UTC" else timedelta(0)
    shift = int(offset.total_seconds() // 3600)
    return [st.HOUR_WEIGHTS[(h + shift) % 24] for h in range(24)]


def _start(rng: random.Random, day: date, tz: str) -> datetime:
    hour = rng.choices(range(24), _utc_hour_weights(tz, day))[0]
    secs = hour * 3600 + rng.random() * 3600
    return datetime.combine(day, datetime.min.time(), UTC) + timedelta(
        milliseconds=int(secs * 1000)
    )


class DayWriter:
    """Collects the calls of one day with sequential, day-scoped ids."""

    def __init__(self, rng: random.Random, state: StoryState, day: date) -> None:
        self.rng, self.state, self.day = rng, state, day
        self.records: list[dict] = []
        self.pending: list[tuple[datetime, int, Call, tuple[float, float]]] = []
        self.actions = 0
        self.sessions = 0
        self.end = datetime.combine(day, datetime.min.time(), UTC) + timedelta(days=1)

    def session_id(self) -> str:
        """A new session id of the day."""
        self.sessions += 1
        return f"s-{self.day:%Y%m%d}-{self.sessions:05d}"

    def action_id(self) -> str:
        """A new action id of the day."""
        self.actions += 1
        return f"a-{self.day:%Y%m%d}-{self.actions:06d}"

    def emit(self, c: Call, app_cache: tuple[float, float] = (0.0, 0.0)) -> None:
        """Collect a call (written in time order by `finish`)."""
        self.pending.append((c.utc, len(self.pending), c, app_cache))

    def finish(self) -> list[dict]:
        """Turn the collected calls into records in time order (sources precede cache hits)."""
        rng = self.rng
        for seq, (_, _, c, app_cache) in enumerate(sorted(self.pending), start=1):
            rec = None
            u = rng.random()
            if u < app_cache[0] + app_cache[1] and c.environment == "prod":
                kind = "exact" if u < app_cache[0] else "semantic"
                rec = app_cache_hit(rng, self.state, c, seq, kind)
            if rec is None:
                rec = provider_call(rng, self.state, c, seq)
            self.records.append(rec)
        return self.records


def _interactive(w: DayWriter, scale: float) -> None:
    rng, day = w.rng, w.day
    n = int(st.SESSIONS_PER_WEEKDAY * st.WEEKDAY_FACTOR[day.weekday()] * scale)
    n = max(1, int(n * rng.uniform(0.93, 1.07)))
    tenants = list(st.TENANTS)
    runaway = st.RUNAWAY_START <= day < st.RUNAWAY_END
    for _ in range(n):
        tenant = rng.choices(tenants, [t.weight for t in tenants])[0]
        feats = list(tenant.features)
        feature = rng.choices(feats, [st.FEATURE_WEIGHTS[f] for f in feats])[0]
        env = rng.choices(*zip(*st.ENVIRONMENT_WEIGHTS, strict=True))[0]
        provider, model = st.model_for(tenant, feature, env, rng.random())
        calls = 1 + int(rng.expovariate(1 / (st.FEATURE_SHAPES[feature][2] - 1 + 1e-9)))
        factor = 1.0
        if runaway and tenant.tenant_id == st.RUNAWAY_TENANT and feature == st.RUNAWAY_FEATURE:
            factor = rng.uniform(*st.RUNAWAY_TOKEN_FACTOR)
        t = _start(rng, day, tenant.tz)
        user = f"u-{tenant.tenant_id}-{int(400 * rng.random() ** 1.6):04d}"
        session = w.session_id()
        action = w.action_id()
        for i in range(min(calls, 40)):
            if t >= w.end:
                break
            if i and rng.random() < 0.8:
                action = w.action_id()
            c = Call(tenant, feature, env, t, session, user, action, provider, model)
            c.token_factor, c.first_in_session = factor, i == 0
            c.long_context = (
                feature == "account_summary"
                and model == st.SONNET[1]
                and env == "prod"
                and rng.random() < 0.012
            )
            w.emit(c, APP_CACHE[feature])
            t += timedelta(milliseconds=rng.randint(4_000, 120_000))


def _nightly_batch(w: DayWriter, scale: float) -> None:
    rng, day = w.rng, w.day
    for tenant_id, per_night in sorted(st.NIGHTLY_BATCH.items()):
        tenant = TENANTS[tenant_id]
        t = datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=2)
        for i in range(max(1, int(per_night * scale))):
            t += timedelta(milliseconds=rng.randint(200, 9_000))
            provider, model = st.HAIKU
            c = Call(
                tenant, "account_summary", "prod", t, None, None, w.action_id(), provider, model
            )
            c.service_tier, c.app, c.first_in_session = "batch", st.BATCH_APP, i == 0
            w.emit(c)


def _runaway_sessions(w: DayWriter) -> None:
    """Agent loops of hundreds of calls whose context keeps growing."""
    rng, day = w.rng, w.day
    if not st.RUNAWAY_START <= day < st.RUNAWAY_END:
        return
    tenant = TENANTS[st.RUNAWAY_TENANT]
    provider, model = st.model_for(tenant, st.RUNAWAY_FEATURE, "prod", 0.0)
    for _ in range(st.RUNAWAY_SESSIONS_PER_DAY + rng.randint(0, 1)):
        t = _start(rng, day, tenant.tz)
        session, user = w.session_id(), f"u-{tenant.tenant_id}-bot"
        calls = rng.randint(*st.RUNAWAY_LOOP_CALLS)
        for i in range(calls):
            if t >= w.end:
                break
            c = Call(
                tenant, st.RUNAWAY_FEATURE, "prod", t, session, user, w.action_id(), provider, model
            )
            c.first_in_session = i == 0
            c.token_factor = min(1.5, 1.0 + i / 300)  # the loop's context keeps growing
            w.emit(c)
            t += timedelta(milliseconds=rng.randint(2_500, 15_000))


def generate_day(state: StoryState, day: date, scale: float) -> list[dict]:
    """All records of one UTC day, in time order."""
    rng = random.Random(f"{state.seed}:{day.isoformat()}")
    w = DayWriter(rng, state, day)
    _nightly_batch(w, scale)
    _interactive(w, scale)
    _runaway_sessions(w)
    return w.finish()
