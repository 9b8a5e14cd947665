"""Leads to closed deals: people, lifecycle events, touches, activities, opportunities.

Vectorised over a chunk of leads. Every stage is caused by an event the CRM records; the
ground truth applies the lifecycle definitions in force (dbt_project.yml) to the same
events, so it is what a correct implementation of those definitions must find.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from revops_cli.generator.context import (
    CHANNELS,
    COMPANY_NOUNS,
    COMPANY_WORDS,
    COUNTRIES,
    FIRST_NAMES,
    INDUSTRIES,
    LAST_NAMES,
    PLAN_PRICES_USD,
    SENIORITIES,
    Context,
)

OPEN_STAGES = ("discovery", "demo", "proposal", "negotiation")
#: Per open stage: chance to advance, chance to be lost (else it stalls), days in stage.
STAGE_FLOW = (
    (0.85, 0.70, (3.0, 14.0)),
    (0.80, 0.70, (4.0, 18.0)),
    (0.78, 0.75, (5.0, 20.0)),
    (0.70, 1.00, (4.0, 25.0)),  # from negotiation "advance" means closed won
)
LOSS_REASONS = ("price", "competitor", "no_decision", "timing", "product_fit", "champion_left")
LOSS_REASON_P = (0.28, 0.24, 0.22, 0.12, 0.10, 0.04)
REJECTION_P = (0.35, 0.2, 0.12, 0.08, 0.1, 0.15)


class Rows:
    """Column-wise accumulator: add arrays for the same columns, concatenate at the end."""

    def __init__(self) -> None:
        self.parts: dict[str, list[np.ndarray]] = {}

    def add(self, **columns: Any) -> None:
        n = max(len(v) for v in columns.values() if isinstance(v, np.ndarray | list))
        for name, values in columns.items():
            if not isinstance(values, np.ndarray | list):
                values = np.full(n, values, dtype=object)
            self.parts.setdefault(name, []).append(np.asarray(values))

    def columns(self) -> dict[str, np.ndarray]:
        return {k: np.concatenate(v) for k, v in self.parts.items()}


def ids(prefix: str, owner: np.ndarray, k: np.ndarray | None = None) -> np.ndarray:
    """Stable ids like 'L00000042' or 'E00000042-03' from integer owners and counters."""
    if k is None:
        return np.array([f"{prefix}{o:08d}" for o in owner.tolist()], dtype=object)
    return np.array(
        [f"{prefix}{o:08d}-{j:02d}" for o, j in zip(owner.tolist(), k.tolist(), strict=True)],
        dtype=object,
    )


def _choice(
    rng: np.random.Generator,
    options: tuple[str, ...] | list[str],
    p: tuple[float, ...] | list[float] | np.ndarray,
    n: int,
) -> np.ndarray:
    probs = np.asarray(p, dtype=float)
    return np.asarray(options, dtype=object)[
        rng.choice(len(options), size=n, p=probs / probs.sum())
    ]


def _or_none(condition: np.ndarray, values: np.ndarray) -> np.ndarray:
    """``values`` where ``condition`` holds, else None (an object array)."""
    out = np.full(len(condition), None, dtype=object)
    out[condition] = np.asarray(values, dtype=object)[condition]
    return out


def _nan(n: int) -> np.ndarray:
    return np.full(n, np.nan)


@dataclass
class FunnelChunk:
    """What one chunk of leads produced."""

    tables: dict[str, Rows] = field(default_factory=dict)
    truth_leads: dict[str, np.ndarray] = field(default_factory=dict)
    truth_won: dict[str, np.ndarray] = field(default_factory=dict)
    won: dict[str, np.ndarray] = field(default_factory=dict)
    soft_dirt: dict[tuple[str, str], int] = field(default_factory=dict)

    def rows(self, key: str) -> Rows:
        return self.tables.setdefault(key, Rows())


@dataclass
class _People:
    """Who a chunk's leads are: one entry per lead, in lead order."""

    lead_ix: np.ndarray  # global lead indexes
    contact_id: np.ndarray
    created: np.ndarray  # days after ctx.start
    channel: np.ndarray
    campaign: np.ndarray
    country: np.ndarray
    tz_hours: np.ndarray
    company_size: np.ndarray
    seniority: np.ndarray
    titles: np.ndarray
    industry: np.ndarray
    first_name: np.ndarray
    last_name: np.ndarray
    company: np.ndarray
    domain: np.ndarray
    email: np.ndarray
    is_fit: np.ndarray
    owner: np.ndarray  # the SDR


@dataclass
class _Stages:
    """When each lead reached each lifecycle stage, in days after ctx.start (NaN: never)."""

    qualifying_at: np.ndarray
    mql_at: np.ndarray
    response_at: np.ndarray
    sal_at: np.ndarray
    rejected_at: np.ndarray
    rejection_reason: np.ndarray
    sql_at: np.ndarray
    opp_at: np.ndarray


@dataclass
class _Deals:
    """The chunk's opportunities: one entry per lead with one (``o``: those leads' positions
    in the chunk), except ``account_id``, which has one per lead (None: no opportunity)."""

    o: np.ndarray
    opp_id: np.ndarray
    account_id: np.ndarray
    ae: np.ndarray
    opened_at: np.ndarray
    currency: np.ndarray
    seats: np.ndarray
    plan: np.ndarray
    price_usd: np.ndarray
    amount: np.ndarray
    entered: np.ndarray  # days each stage was entered: the four open stages, then closed
    is_won: np.ndarray
    is_lost: np.ndarray
    closed_at: np.ndarray
    stage_name: np.ndarray
    loss_reason: np.ndarray


#: Lead forms in event-number order, with when each lead submitted each (NaN: never).
_Forms = tuple[tuple[str, np.ndarray], ...]


def simulate_funnel(ctx: Context, rng: np.random.Generator, first: int, n: int) -> FunnelChunk:
    """Simulate ``n`` leads with global indexes ``first .. first+n-1``.

    The steps draw from ``rng`` in turn: the order below is part of what a seed means.
    """
    out = FunnelChunk()
    people = _people(ctx, rng, first, n)
    stages = _lifecycle(ctx, rng, people, out)
    _sdr_activities(ctx, rng, people, stages.response_at, out)
    deals = _opportunities(ctx, rng, people, stages.opp_at, out)
    lead_source = _lead_sources(rng, people.channel, out)
    _opportunity_rows(ctx, rng, people, deals, lead_source, out)
    _stage_history(ctx, rng, people, deals, out)
    _deal_activities(ctx, rng, people, deals, out)
    unmatchable = ctx.knob_rng("broken_account_matching", first).random(len(deals.o)) < ctx.knob(
        "broken_account_matching"
    )
    will_bill = _accounts(ctx, rng, people, deals, out, unmatchable)
    _contacts(ctx, people, deals.account_id, lead_source, out)
    _duplicate_people(ctx, rng, people, lead_source, out)
    _touches(ctx, rng, people, stages, out)
    out.truth_leads = _truth_leads(ctx, people, stages, deals, will_bill)
    invoiced = ctx.knob_rng("broken_invoicing", first).random(len(deals.o)) >= ctx.knob(
        "broken_invoicing"
    )
    out.won = _won(people, deals, will_bill, invoiced, unmatchable)
    out.truth_won = _truth_won(ctx, deals, will_bill, invoiced)
    return out


# --- who they are -----------------------------------------------------------------


def _people(ctx: Context, rng: np.random.Generator, first: int, n: int) -> _People:
    D = ctx.days
    lead_ix = np.arange(first, first + n)
    fit_def = ctx.definitions["lifecycle"]["mql"]["fit"]
    growth = 1.03 ** (np.arange(D) / 30.4)
    created = rng.choice(D, size=n, p=growth / growth.sum()) + rng.uniform(0.3, 0.8, n)
    channel_names = tuple(CHANNELS)
    channel = _choice(rng, channel_names, [CHANNELS[c]["share"] for c in channel_names], n)
    country = _choice(rng, tuple(COUNTRIES), [v[0] for v in COUNTRIES.values()], n)
    tz_hours = np.array([COUNTRIES[c][1] for c in country], dtype=np.int32)
    size_factor = np.where(channel == "paid_social", 0.6, 1.0)
    company_size = np.maximum(1, rng.lognormal(np.log(60), 1.4, n) * size_factor).astype(np.int32)
    seniority = _choice(rng, tuple(SENIORITIES), [v[0] for v in SENIORITIES.values()], n)
    titles = np.array([rng.choice(SENIORITIES[s][1]) for s in seniority], dtype=object)
    industry = _choice(rng, INDUSTRIES, np.ones(len(INDUSTRIES)), n)
    first_name = _choice(rng, FIRST_NAMES, np.ones(len(FIRST_NAMES)), n)
    last_name = _choice(rng, LAST_NAMES, np.ones(len(LAST_NAMES)), n)
    w1 = _choice(rng, COMPANY_WORDS, np.ones(len(COMPANY_WORDS)), n)
    w2 = _choice(rng, COMPANY_NOUNS, np.ones(len(COMPANY_NOUNS)), n)
    company = np.array(
        [
            f"{a.title()} {b.title()} {i % 997}"
            for a, b, i in zip(w1, w2, lead_ix.tolist(), strict=True)
        ],
        dtype=object,
    )
    domain = np.array(
        [f"{a}{b}{i:x}.com" for a, b, i in zip(w1, w2, lead_ix.tolist(), strict=True)], dtype=object
    )
    email_domain = _email_domains(rng, fit_def, channel, domain)
    email = np.array(
        [
            f"{f}.{la}.{i}@{d}"
            for f, la, i, d in zip(
                first_name, last_name, lead_ix.tolist(), email_domain, strict=True
            )
        ],
        dtype=object,
    )
    is_fit = (
        (company_size >= fit_def["min_company_size"])
        & np.isin(country, fit_def["countries"])
        & np.isin(seniority, fit_def["seniorities"])
        & ~np.isin(email_domain, fit_def["exclude_free_mail_domains"])
        & ~np.isin(email_domain, fit_def["exclude_competitor_domains"])
    )
    sdrs = ctx.users["sdr"]
    owner = sdrs[rng.integers(0, len(sdrs), n)]
    quarter = ctx.quarter_of(created)
    campaign = np.array(
        [ctx.campaign_ids.get((c, q)) for c, q in zip(channel, quarter.tolist(), strict=True)],
        dtype=object,
    )
    return _People(
        lead_ix=lead_ix,
        contact_id=ids("L", lead_ix),
        created=created,
        channel=channel,
        campaign=campaign,
        country=country,
        tz_hours=tz_hours,
        company_size=company_size,
        seniority=seniority,
        titles=titles,
        industry=industry,
        first_name=first_name,
        last_name=last_name,
        company=company,
        domain=domain,
        email=email,
        is_fit=is_fit,
        owner=owner,
    )


def _email_domains(
    rng: np.random.Generator, fit_def: dict[str, Any], channel: np.ndarray, domain: np.ndarray
) -> np.ndarray:
    """Each lead's e-mail domain: the company's, a free-mail one, or (1%) a competitor's."""
    n = len(channel)
    free_mail_p = np.array([CHANNELS[c]["free_mail"] for c in channel])
    u = rng.random(n)
    is_free = u < free_mail_p
    is_competitor = (u >= free_mail_p) & (u < free_mail_p + 0.01)
    free_domains = fit_def["exclude_free_mail_domains"]
    competitor_domains = fit_def["exclude_competitor_domains"]
    email_domain = domain.copy()
    email_domain[is_free] = _choice(
        rng, free_domains, np.ones(len(free_domains)), int(is_free.sum())
    )
    email_domain[is_competitor] = _choice(
        rng, competitor_domains, np.ones(len(competitor_domains)), int(is_competitor.sum())
    )
    return email_domain


# --- what they do, and how sales responds: crm.lifecycle_events -------------------


def _lifecycle(
    ctx: Context, rng: np.random.Generator, people: _People, out: FunnelChunk
) -> _Stages:
    """Marketing events a definition can qualify on, then sales' response, acceptance or
    rejection and qualification, each recorded as a lifecycle event."""
    defs = ctx.definitions["lifecycle"]
    act_def = defs["mql"]["qualifying_actions"]
    ev = out.rows("crm.lifecycle_events")
    forms, pricing_at = _engagement(ctx, rng, people, ev)
    first_over = _score_changes(ctx, rng, people, act_def, ev)
    qualifying_at = _qualifying_at(ctx, act_def, first_over, forms, pricing_at)
    mql_at = np.where(people.is_fit, qualifying_at, np.nan)
    response_at, sal_at, rejected_at, rejection_reason = _sales_response(
        ctx, rng, people, mql_at, defs["sal"]["rejection_reasons"]
    )
    sql_at, opp_at = _qualification(ctx, rng, sal_at)
    stages = _Stages(
        qualifying_at=qualifying_at,
        mql_at=mql_at,
        response_at=response_at,
        sal_at=sal_at,
        rejected_at=rejected_at,
        rejection_reason=rejection_reason,
        sql_at=sql_at,
        opp_at=opp_at,
    )
    _status_events(ctx, people, stages, ev)
    return stages


def _engagement(
    ctx: Context, rng: np.random.Generator, people: _People, ev: Rows
) -> tuple[_Forms, np.ndarray]:
    """Form submissions and pricing-page views; returns the forms and when each lead viewed
    pricing (NaN: never)."""
    D = ctx.days
    lead_ix, contact_id, created, tz_hours = (
        people.lead_ix,
        people.contact_id,
        people.created,
        people.tz_hours,
    )
    n = len(lead_ix)
    boost = np.where(people.is_fit, 1.6, 1.0)
    demo_p = np.minimum(0.9, np.array([CHANNELS[c]["demo"] for c in people.channel]) * boost)
    demo_at = np.where(
        rng.random(n) < demo_p,
        created + np.where(rng.random(n) < 0.6, 0.0, rng.exponential(4, n)),
        np.nan,
    )
    contact_sales_at = np.where(rng.random(n) < 0.05, created + rng.exponential(6, n), np.nan)
    pricing_at = np.where(rng.random(n) < 0.30 * boost, created + rng.exponential(5, n), np.nan)
    content_at = np.where(rng.random(n) < 0.35, created + rng.exponential(3, n), np.nan)
    newsletter_at = np.where(rng.random(n) < 0.15, created + rng.exponential(8, n), np.nan)
    forms = (
        ("demo_request", demo_at),
        ("contact_sales", contact_sales_at),
        ("content_download", content_at),
        ("newsletter", newsletter_at),
    )
    for form, at in forms:
        m = ~np.isnan(at) & (at < D)
        ev.add(
            event_id=ids("E", lead_ix[m], np.full(m.sum(), 1 + [f for f, _ in forms].index(form))),
            contact_id=contact_id[m],
            event_type="form_submitted",
            event_detail=form,
            score=np.full(m.sum(), None, dtype=object),
            reason=None,
            user_id=None,
            occurred_at=ctx.to_timestamps(at[m]),
            _tz_hours=tz_hours[m],
        )
    m = ~np.isnan(pricing_at) & (pricing_at < D)
    ev.add(
        event_id=ids("E", lead_ix[m], np.full(m.sum(), 5)),
        contact_id=contact_id[m],
        event_type="page_viewed",
        event_detail="pricing",
        score=np.full(m.sum(), None, dtype=object),
        reason=None,
        user_id=None,
        occurred_at=ctx.to_timestamps(pricing_at[m]),
        _tz_hours=tz_hours[m],
    )
    return forms, pricing_at


def _score_changes(
    ctx: Context, rng: np.random.Generator, people: _People, act_def: dict[str, Any], ev: Rows
) -> np.ndarray:
    """Score changes: one to three per lead, rising; returns when each lead's score first
    reached the qualifying minimum (NaN: never)."""
    D = ctx.days
    lead_ix, contact_id, tz_hours = people.lead_ix, people.contact_id, people.tz_hours
    n = len(lead_ix)
    n_scores = rng.integers(1, 4, n)
    score_t = people.created.copy()
    score = np.zeros(n)
    first_over = _nan(n)
    for k in range(3):
        has = n_scores > k
        score_t = score_t + rng.exponential(4, n)
        score = np.minimum(100, score + rng.uniform(5, 35, n) + np.where(people.is_fit, 5, 0))
        m = has & (score_t < D)
        ev.add(
            event_id=ids("E", lead_ix[m], np.full(m.sum(), 10 + k)),
            contact_id=contact_id[m],
            event_type="score_changed",
            event_detail="lead_score",
            score=np.round(score[m]).astype(np.int64).astype(object),
            reason=None,
            user_id=None,
            occurred_at=ctx.to_timestamps(score_t[m]),
            _tz_hours=tz_hours[m],
        )
        crossed = m & np.isnan(first_over) & (np.round(score) >= act_def["min_score"])
        first_over[crossed] = score_t[crossed]
    return first_over


def _qualifying_at(
    ctx: Context,
    act_def: dict[str, Any],
    first_over: np.ndarray,
    forms: _Forms,
    pricing_at: np.ndarray,
) -> np.ndarray:
    """The first qualifying action each lead took before the as-of date (NaN: none)."""
    D = ctx.days
    candidates = [first_over]
    for form, at in forms:
        if form in act_def["forms"]:
            candidates.append(at)
    if "pricing" in act_def["pages"]:
        candidates.append(pricing_at)
    stacked = np.vstack(candidates)
    stacked = np.where(np.isnan(stacked) | (stacked >= D), np.inf, stacked)
    qualifying_at: np.ndarray = stacked.min(axis=0)
    qualifying_at[np.isinf(qualifying_at)] = np.nan
    return qualifying_at


def _sales_response(
    ctx: Context,
    rng: np.random.Generator,
    people: _People,
    mql_at: np.ndarray,
    reasons: list[str],
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Sales responds to each MQL and accepts or rejects it; outbound accepts fit leads
    without one. Returns first response, acceptance, rejection and its reason."""
    D = ctx.days
    channel, created = people.channel, people.created
    n = len(mql_at)
    is_mql = ~np.isnan(mql_at)
    response_at = np.where(is_mql, mql_at + rng.lognormal(np.log(8), 1.1, n) / 24, np.nan)
    decision_at = response_at + rng.uniform(0.5, 36, n) / 24
    r = rng.random(n)
    sal_at = np.where(is_mql & (r < 0.72), decision_at, np.nan)
    rejected_at = np.where(is_mql & (r >= 0.72) & (r < 0.94), decision_at, np.nan)
    rejection_reason = _or_none(
        ~np.isnan(rejected_at) & (rejected_at < D),
        _choice(rng, reasons, REJECTION_P[: len(reasons)], n),
    )
    # Outbound skips MQL: an SDR prospects a fit lead and accepts it straight away.
    outbound_sal = (channel == "outbound") & people.is_fit & ~is_mql & (rng.random(n) < 0.3)
    response_at = np.where(outbound_sal, created + rng.uniform(0.05, 1.0, n), response_at)
    sal_at = np.where(outbound_sal, response_at + rng.uniform(0.5, 4, n), sal_at)
    for arr in (response_at, sal_at, rejected_at):
        arr[arr >= D] = np.nan
    rejection_reason[np.isnan(rejected_at)] = None
    return response_at, sal_at, rejected_at, rejection_reason


def _qualification(
    ctx: Context, rng: np.random.Generator, sal_at: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """When accepted leads are qualified, and when they become an opportunity."""
    D = ctx.days
    n = len(sal_at)
    r = rng.random(n)
    sql_at = np.where(~np.isnan(sal_at) & (r < 0.55), sal_at + rng.uniform(1, 14, n), np.nan)
    sql_at[sql_at >= D] = np.nan
    opp_at = np.where(
        ~np.isnan(sql_at) & (rng.random(n) < 0.8), sql_at + rng.uniform(0, 7, n), np.nan
    )
    # Some accepted leads go straight to an opportunity without a qualification event.
    skip_sql = ~np.isnan(sal_at) & (r >= 0.55) & (r < 0.62)
    opp_at = np.where(skip_sql, sal_at + rng.uniform(2, 10, n), opp_at)
    opp_at[opp_at >= D] = np.nan
    return sql_at, opp_at


def _status_events(ctx: Context, people: _People, stages: _Stages, ev: Rows) -> None:
    """The SDR's accepted, rejected and qualified status changes."""
    lead_ix, contact_id, owner, tz_hours = (
        people.lead_ix,
        people.contact_id,
        people.owner,
        people.tz_hours,
    )
    for status_name, at, rsn in (
        ("sales_accepted", stages.sal_at, None),
        ("sales_rejected", stages.rejected_at, stages.rejection_reason),
        ("sales_qualified", stages.sql_at, None),
    ):
        m = ~np.isnan(at)
        k = {"sales_accepted": 20, "sales_rejected": 21, "sales_qualified": 22}[status_name]
        ev.add(
            event_id=ids("E", lead_ix[m], np.full(m.sum(), k)),
            contact_id=contact_id[m],
            event_type="status_changed",
            event_detail=status_name,
            score=np.full(m.sum(), None, dtype=object),
            reason=rsn[m] if rsn is not None else None,
            user_id=owner[m],
            occurred_at=ctx.to_timestamps(at[m]),
            _tz_hours=tz_hours[m],
        )


# --- activities -------------------------------------------------------------------


def _sdr_activities(
    ctx: Context,
    rng: np.random.Generator,
    people: _People,
    response_at: np.ndarray,
    out: FunnelChunk,
) -> None:
    """The SDR's first touch on each lead it responded to, and up to four follow-ups."""
    D = ctx.days
    lead_ix, contact_id, owner, tz_hours = (
        people.lead_ix,
        people.contact_id,
        people.owner,
        people.tz_hours,
    )
    n = len(lead_ix)
    act = out.rows("crm.activities")
    m = ~np.isnan(response_at)
    act.add(
        activity_id=ids("AC", lead_ix[m], np.zeros(m.sum(), dtype=int)),
        contact_id=contact_id[m],
        account_id=None,
        opportunity_id=None,
        user_id=owner[m],
        activity_type=np.where(rng.random(m.sum()) < 0.6, "email", "call").astype(object),
        direction="outbound",
        outcome="first_touch",
        occurred_at=ctx.to_timestamps(response_at[m]),
        _tz_hours=tz_hours[m],
    )
    follow = rng.poisson(1.5, n) * m
    for k in range(1, 5):
        f = follow >= k
        at = response_at + k * rng.uniform(1, 6, n)
        f &= at < D
        act.add(
            activity_id=ids("AC", lead_ix[f], np.full(f.sum(), k)),
            contact_id=contact_id[f],
            account_id=None,
            opportunity_id=None,
            user_id=owner[f],
            activity_type="email",
            direction="outbound",
            outcome=_choice(
                rng, ("no_reply", "replied", "bounced"), (0.6, 0.35, 0.05), int(f.sum())
            ),
            occurred_at=ctx.to_timestamps(at[f]),
            _tz_hours=tz_hours[f],
        )


# --- opportunities ----------------------------------------------------------------


def _opportunities(
    ctx: Context,
    rng: np.random.Generator,
    people: _People,
    opp_at: np.ndarray,
    out: FunnelChunk,
) -> _Deals:
    """An opportunity for each lead that reached one: its AE, plan, amount, and how far it
    got through the stages by the as-of date."""
    n = len(people.lead_ix)
    lead_ix, country, company_size = people.lead_ix, people.country, people.company_size
    aes = ctx.users["ae"]
    has_opp = ~np.isnan(opp_at)
    o = np.flatnonzero(has_opp)
    no = len(o)
    opp_id = ids("O", lead_ix[o])
    account_id = np.full(n, None, dtype=object)
    account_id[o] = ids("A", lead_ix[o])
    ae = aes[rng.integers(0, len(aes), no)]
    currency = np.array([COUNTRIES[c][2] for c in country[o]], dtype=object)
    seats = np.clip(np.round(company_size[o] * rng.uniform(0.05, 0.25, no)), 3, 400).astype(int)
    plan = np.where(
        company_size[o] < 50, "starter", np.where(company_size[o] < 250, "growth", "enterprise")
    ).astype(object)
    price_usd = np.array([PLAN_PRICES_USD[p] for p in plan])
    created_month = ctx.month_keys(opp_at[o])
    fx = np.array([ctx.rate(c, mk) for c, mk in zip(currency, created_month, strict=True)])
    amount = np.round(seats * price_usd * 12 / fx, 0)

    stage_idx, status, entered = _walk_stages(ctx, rng, opp_at[o])
    is_won = status == "won"
    is_lost = status == "lost"
    closed_at = np.where(is_won | is_lost, entered[:, 4], np.nan)
    stage_name = np.array(OPEN_STAGES, dtype=object)[stage_idx]
    stage_name[is_won] = "closed_won"
    stage_name[is_lost] = "closed_lost"
    loss_reason = _or_none(is_lost, _choice(rng, LOSS_REASONS, LOSS_REASON_P, no))
    missing_reason = is_lost & (rng.random(no) < 0.08)
    if ctx.knob("missing_loss_reasons"):
        drawn = ctx.knob_rng("missing_loss_reasons", int(lead_ix[0]) if n else 0).random(no)
        missing_reason |= is_lost & (drawn < ctx.knob("missing_loss_reasons"))
    loss_reason[missing_reason] = None
    out.soft_dirt[("crm.opportunities", "missing_loss_reason")] = int(missing_reason.sum())
    return _Deals(
        o=o,
        opp_id=opp_id,
        account_id=account_id,
        ae=ae,
        opened_at=opp_at[o],
        currency=currency,
        seats=seats,
        plan=plan,
        price_usd=price_usd,
        amount=amount,
        entered=entered,
        is_won=is_won,
        is_lost=is_lost,
        closed_at=closed_at,
        stage_name=stage_name,
        loss_reason=loss_reason,
    )


def _walk_stages(
    ctx: Context, rng: np.random.Generator, opened_at: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Move each deal through the open stages (STAGE_FLOW): returns the last open stage
    reached, the status (open, waiting, stalled, won, lost) and when each stage was entered."""
    D = ctx.days
    no = len(opened_at)
    stage_idx = np.zeros(no, dtype=int)
    t = opened_at.copy()
    status = np.full(no, "open", dtype=object)
    entered = np.full((no, 5), np.nan)
    entered[:, 0] = t
    for i, (p_adv, p_lost, (lo, hi)) in enumerate(STAGE_FLOW):
        active = status == "open"
        dur = rng.uniform(lo, hi, no)
        rr = rng.random(no)
        nxt = t + dur
        advance = active & (rr < p_adv) & (nxt < D)
        lose = active & (rr >= p_adv) & (rng.random(no) < p_lost) & (nxt < D)
        stall = active & ~advance & ~lose & (nxt < D) & (rr >= p_adv)
        status[stall] = "stalled"
        if i < 3:
            stage_idx[advance] = i + 1
            entered[advance, i + 1] = nxt[advance]
        else:
            status[advance] = "won"
            entered[advance, 4] = nxt[advance]
        status[lose] = "lost"
        entered[lose, 4] = nxt[lose]
        t = np.where(advance | lose, nxt, t)
        # Rows whose next step falls after the as-of date simply stay open.
        status[active & ~advance & ~lose & ~stall] = "waiting"
    return stage_idx, status, entered


def _lead_sources(rng: np.random.Generator, channel: np.ndarray, out: FunnelChunk) -> np.ndarray:
    """Each lead's recorded source: its channel, missing on a few."""
    n = len(channel)
    lead_source = channel.copy()
    missing_source = rng.random(n) < 0.04
    lead_source[missing_source] = None
    out.soft_dirt[("crm.contacts", "missing_lead_source")] = int(missing_source.sum())
    return lead_source


def _opportunity_rows(
    ctx: Context,
    rng: np.random.Generator,
    people: _People,
    deals: _Deals,
    lead_source: np.ndarray,
    out: FunnelChunk,
) -> None:
    o, plan, no = deals.o, deals.plan, len(deals.o)
    out.rows("crm.opportunities").add(
        opportunity_id=deals.opp_id,
        account_id=deals.account_id[o],
        primary_contact_id=people.contact_id[o],
        owner_id=deals.ae,
        opportunity_name=np.array(
            [f"{c} - {p}" for c, p in zip(people.company[o], plan, strict=True)], dtype=object
        ),
        stage_name=deals.stage_name,
        amount=deals.amount,
        currency_code=deals.currency,
        lead_source=lead_source[o],
        created_at=ctx.to_timestamps(deals.opened_at),
        expected_close_date=ctx.to_dates(deals.opened_at + rng.uniform(30, 90, no)),
        closed_at=ctx.to_timestamps(deals.closed_at),
        is_closed=deals.is_won | deals.is_lost,
        is_won=deals.is_won,
        loss_reason_code=deals.loss_reason,
    )


def _stage_history(
    ctx: Context, rng: np.random.Generator, people: _People, deals: _Deals, out: FunnelChunk
) -> None:
    """A row per stage each deal entered, with the first two swapped on a few deals."""
    o, entered, is_won, no = deals.o, deals.entered, deals.is_won, len(deals.o)
    stage_labels = (*OPEN_STAGES, "closed")
    hist_times = []
    for j in range(5):
        m = ~np.isnan(entered[:, j])
        label = np.full(m.sum(), stage_labels[j], dtype=object)
        if j == 4:
            label = np.where(is_won[m], "closed_won", "closed_lost").astype(object)
        hist_times.append((j, m, label))
    # Out-of-order timestamps: swap the first two stages' times on a few deals.
    swap = (~np.isnan(entered[:, 1])) & (rng.random(no) < 0.02)
    shown = entered.copy()
    shown[swap, 0], shown[swap, 1] = entered[swap, 1], entered[swap, 0]
    out.soft_dirt[("crm.opportunity_stage_history", "out_of_order_timestamps")] = int(swap.sum())
    for j, m, label in hist_times:
        out.rows("crm.opportunity_stage_history").add(
            history_id=ids("H", people.lead_ix[o][m], np.full(m.sum(), j)),
            opportunity_id=deals.opp_id[m],
            stage_name=label,
            changed_by_user_id=deals.ae[m],
            entered_at=ctx.to_timestamps(shown[m, j]),
        )


def _deal_activities(
    ctx: Context, rng: np.random.Generator, people: _People, deals: _Deals, out: FunnelChunk
) -> None:
    """Meetings and calls while the deal is worked."""
    D = ctx.days
    o, opened_at, closed_at, no = deals.o, deals.opened_at, deals.closed_at, len(deals.o)
    worked_until = np.where(np.isnan(closed_at), D - 0.01, closed_at)
    n_meet = rng.poisson(4, no)
    for k in range(1, 9):
        m = n_meet >= k
        at = opened_at + rng.uniform(0, 1, no) * (worked_until - opened_at)
        out.rows("crm.activities").add(
            activity_id=ids("AC", people.lead_ix[o][m], np.full(m.sum(), 10 + k)),
            contact_id=people.contact_id[o][m],
            account_id=deals.account_id[o][m],
            opportunity_id=deals.opp_id[m],
            user_id=deals.ae[m],
            activity_type=_choice(rng, ("meeting", "call", "email"), (0.4, 0.3, 0.3), int(m.sum())),
            direction="outbound",
            outcome=_choice(rng, ("held", "no_show", "replied"), (0.7, 0.1, 0.2), int(m.sum())),
            occurred_at=ctx.to_timestamps(at[m]),
            _tz_hours=people.tz_hours[o][m],
        )


# --- accounts and contacts --------------------------------------------------------


def _accounts(
    ctx: Context,
    rng: np.random.Generator,
    people: _People,
    deals: _Deals,
    out: FunnelChunk,
    unmatchable: np.ndarray,
) -> np.ndarray:
    """An account per opportunity; returns which deals will bill (won, and not the few
    that never reach billing). An ``unmatchable`` account does not know its billing id."""
    o, no = deals.o, len(deals.o)
    will_bill = deals.is_won & (rng.random(no) < 0.97)
    billing_ref = _or_none(will_bill & (rng.random(no) < 0.6), ids("C", people.lead_ix[o]))
    billing_ref[unmatchable] = None
    out.rows("crm.accounts").add(
        account_id=deals.account_id[o],
        account_name=people.company[o],
        website_domain=people.domain[o],
        industry=people.industry[o],
        employee_count=people.company_size[o],
        country_code=people.country[o],
        owner_id=deals.ae,
        billing_customer_id=billing_ref,
        created_at=ctx.to_timestamps(deals.opened_at),
    )
    return will_bill


def _contacts(
    ctx: Context,
    people: _People,
    account_id: np.ndarray,
    lead_source: np.ndarray,
    out: FunnelChunk,
) -> None:
    out.rows("crm.contacts").add(
        contact_id=people.contact_id,
        account_id=account_id,
        email=people.email,
        first_name=people.first_name,
        last_name=people.last_name,
        job_title=people.titles,
        seniority=people.seniority,
        company_name=people.company,
        company_size=people.company_size,
        industry=people.industry,
        country_code=people.country,
        lead_source=lead_source,
        owner_id=people.owner,
        created_at=ctx.to_timestamps(people.created),
        _tz_hours=people.tz_hours,
    )


def _duplicate_people(
    ctx: Context,
    rng: np.random.Generator,
    people: _People,
    lead_source: np.ndarray,
    out: FunnelChunk,
) -> None:
    """Duplicate people: the same email typed again, in another case or with spaces."""
    D = ctx.days
    n = len(people.lead_ix)
    contact_id, tz_hours = people.contact_id, people.tz_hours
    dup = (rng.random(n) < 0.03) & (people.created + 30 < D)
    d = np.flatnonzero(dup)
    variants = np.array(
        [
            (e.upper() if v == 0 else f"  {e} " if v == 1 else e.title())
            for e, v in zip(people.email[d], rng.integers(0, 3, len(d)).tolist(), strict=True)
        ],
        dtype=object,
    )
    dup_created = people.created[d] + rng.uniform(1, 30, len(d))
    out.rows("crm.contacts").add(
        contact_id=np.array([f"{c}D" for c in contact_id[d]], dtype=object),
        account_id=None,
        email=variants,
        first_name=people.first_name[d],
        last_name=people.last_name[d],
        job_title=people.titles[d],
        seniority=people.seniority[d],
        company_name=people.company[d],
        company_size=people.company_size[d],
        industry=people.industry[d],
        country_code=people.country[d],
        lead_source=lead_source[d],
        owner_id=people.owner[d],
        created_at=ctx.to_timestamps(dup_created),
        _tz_hours=tz_hours[d],
    )
    out.rows("crm.lifecycle_events").add(
        event_id=np.array([f"E{i:08d}D" for i in people.lead_ix[d].tolist()], dtype=object),
        contact_id=np.array([f"{c}D" for c in contact_id[d]], dtype=object),
        event_type="form_submitted",
        event_detail="newsletter",
        score=np.full(len(d), None, dtype=object),
        reason=None,
        user_id=None,
        occurred_at=ctx.to_timestamps(dup_created),
        _tz_hours=tz_hours[d],
    )
    out.soft_dirt[("crm.contacts", "duplicate_person")] = len(d)


# --- marketing touches ------------------------------------------------------------


def _touches(
    ctx: Context, rng: np.random.Generator, people: _People, stages: _Stages, out: FunnelChunk
) -> None:
    """Each inbound lead's first touch (its own campaign's), then later touches from any
    paid-like channel until its opportunity (or 60 days)."""
    D = ctx.days
    lead_ix, contact_id, channel, created, campaign = (
        people.lead_ix,
        people.contact_id,
        people.channel,
        people.created,
        people.campaign,
    )
    n = len(lead_ix)
    is_mql, opp_at = ~np.isnan(stages.mql_at), stages.opp_at
    touches = out.rows("marketing.touches")
    inbound = channel != "outbound"
    first_touch = created - rng.uniform(0, 10, n)
    m = inbound & (campaign != None)  # noqa: E711 - numpy elementwise comparison
    utm = [CHANNELS[c]["utm"] for c in channel[m]]
    touches.add(
        touch_id=ids("T", lead_ix[m], np.zeros(m.sum(), dtype=int)),
        contact_id=contact_id[m],
        touch_type=np.array([CHANNELS[c]["touch"] for c in channel[m]], dtype=object),
        utm_source=np.array([u[0] for u in utm], dtype=object),
        utm_medium=np.array([u[1] for u in utm], dtype=object),
        utm_campaign=np.array([ctx.campaign_utm[c] for c in campaign[m]], dtype=object),
        occurred_at=ctx.to_timestamps(first_touch[m]),
    )
    horizon = np.where(np.isnan(opp_at), created + 60, opp_at)
    extra = rng.poisson(np.where(is_mql, 2.5, 1.0)) * inbound
    paid_like = [c for c in CHANNELS if CHANNELS[c]["utm"] is not None]
    for k in range(1, 6):
        m = extra >= k
        at = created + rng.uniform(0, 1, n) * (horizon - created)
        m &= at < D
        ch = _choice(rng, paid_like, np.ones(len(paid_like)), n)
        q = ctx.quarter_of(at)
        camp = np.array(
            [ctx.campaign_ids.get((c, qq)) for c, qq in zip(ch[m], q[m].tolist(), strict=True)],
            dtype=object,
        )
        utm = [CHANNELS[c]["utm"] for c in ch[m]]
        touches.add(
            touch_id=ids("T", lead_ix[m], np.full(m.sum(), k)),
            contact_id=contact_id[m],
            touch_type=_choice(
                rng, ("email_click", "page_view", "ad_click"), (0.4, 0.4, 0.2), int(m.sum())
            ),
            utm_source=np.array([u[0] for u in utm], dtype=object),
            utm_medium=np.array([u[1] for u in utm], dtype=object),
            utm_campaign=np.array([ctx.campaign_utm.get(c) for c in camp], dtype=object),
            occurred_at=ctx.to_timestamps(at[m]),
        )


# --- ground truth and what billing needs ------------------------------------------


def _truth_leads(
    ctx: Context, people: _People, stages: _Stages, deals: _Deals, will_bill: np.ndarray
) -> dict[str, np.ndarray]:
    """Each lead's true path through the funnel (truth.leads)."""
    n = len(people.lead_ix)
    o = deals.o
    won_at = np.full(n, np.nan)
    lost_at = np.full(n, np.nan)
    won_at[o] = np.where(deals.is_won, deals.closed_at, np.nan)
    lost_at[o] = np.where(deals.is_lost, deals.closed_at, np.nan)
    opp_col = np.full(n, None, dtype=object)
    opp_col[o] = deals.opp_id
    cust_col = np.full(n, None, dtype=object)
    cust_col[o] = _or_none(will_bill, ids("C", people.lead_ix[o]))
    return {
        "contact_id": people.contact_id,
        "created_at": ctx.to_timestamps(people.created),
        "channel": people.channel,
        "campaign_id": people.campaign,
        "country_code": people.country,
        "is_fit": people.is_fit,
        "qualifying_at": ctx.to_timestamps(stages.qualifying_at),
        "mql_at": ctx.to_timestamps(stages.mql_at),
        "first_response_at": ctx.to_timestamps(stages.response_at),
        "sal_at": ctx.to_timestamps(stages.sal_at),
        "rejected_at": ctx.to_timestamps(stages.rejected_at),
        "rejection_reason": stages.rejection_reason,
        "sql_at": ctx.to_timestamps(stages.sql_at),
        "opportunity_id": opp_col,
        "opportunity_at": ctx.to_timestamps(stages.opp_at),
        "won_at": ctx.to_timestamps(won_at),
        "lost_at": ctx.to_timestamps(lost_at),
        "customer_id": cust_col,
    }


def _won(
    people: _People,
    deals: _Deals,
    will_bill: np.ndarray,
    invoiced: np.ndarray,
    unmatchable: np.ndarray,
) -> dict[str, np.ndarray]:
    """The won deals that bill: what the billing simulation starts from (``invoiced``
    False: the broken_invoicing knob keeps the customer's invoices from being issued;
    ``unmatchable``: the broken_account_matching knob leaves no key to the CRM account)."""
    o = deals.o
    b = np.flatnonzero(will_bill)
    return {
        "invoiced": invoiced[b],
        "unmatchable": unmatchable[b],
        "lead_index": people.lead_ix[o][b],
        "account_id": deals.account_id[o][b],
        "contact_id": people.contact_id[o][b],
        "email": people.email[o][b],
        "domain": people.domain[o][b],
        "company": people.company[o][b],
        "country": people.country[o][b],
        "currency": deals.currency[b],
        "won_at": deals.closed_at[b],
        "seats": deals.seats[b],
        "price_usd": deals.price_usd[b],
        "plan": deals.plan[b],
    }


def _truth_won(
    ctx: Context, deals: _Deals, will_bill: np.ndarray, invoiced: np.ndarray
) -> dict[str, np.ndarray]:
    """Each won deal and whether billing ever invoices it (truth.won_deals)."""
    w = np.flatnonzero(deals.is_won)
    billing = np.where(
        ~will_bill[w], "never_billed", np.where(invoiced[w], "billed", "never_invoiced")
    )
    return {
        "opportunity_id": deals.opp_id[w],
        "won_at": ctx.to_timestamps(deals.closed_at[w]),
        "currency_code": deals.currency[w],
        "amount": deals.amount[w],
        "billing": billing.astype(object),
    }
