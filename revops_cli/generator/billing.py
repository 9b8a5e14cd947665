"""Won deals to cash and renewal: customers, subscriptions, invoices, payments, support, usage.

A customer at a time (a few percent of leads become customers, so this stays fast at
millions of leads). Subscription items are versioned: every price or quantity change ends
one item and starts the next at the same instant, which is what MRR movements are read from.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

import numpy as np

from revops_cli.generator.context import ADDON_SHARE, Context
from revops_cli.generator.funnel import Rows

CENT = Decimal("0.01")


@dataclass
class Item:
    item_id: str
    unit: float
    qty: int
    start: datetime
    end: datetime | None = None


@dataclass
class Subscription:
    sub_id: str
    interval: str  # month | year
    plan: str
    start: datetime
    items: list[Item] = field(default_factory=list)
    cancel_requested: datetime | None = None
    end: datetime | None = None

    def qty_at(self, t: datetime) -> int:
        for it in self.items:
            if it.start <= t and (it.end is None or t < it.end):
                return it.qty
        return 0

    def amount_at(self, t: datetime) -> float:
        """What one billing period costs, for the items active at ``t``."""
        return sum(
            it.unit * it.qty
            for it in self.items
            if it.start <= t and (it.end is None or t < it.end)
        )

    def mrr_at(self, t: datetime) -> Decimal:
        """Exact MRR at ``t`` (unrounded): prices have cents, a yearly price is divided by 12."""
        amount = sum(
            (
                Decimal(str(it.unit)) * it.qty
                for it in self.items
                if it.start <= t and (it.end is None or t < it.end)
            ),
            Decimal(0),
        )
        return amount / (12 if self.interval == "year" else 1)

    def change(self, t: datetime, qty: int) -> None:
        current = self.items[-1]
        current.end = t
        self.items.append(Item(f"{self.sub_id}-{len(self.items):02d}", current.unit, qty, t))


@dataclass
class BillingChunk:
    """Rows (a dict per row: few per customer) and usage (columns: many per customer)."""

    rows: dict[str, list[dict[str, object]]] = field(default_factory=dict)
    usage: Rows = field(default_factory=Rows)
    truth_mrr: dict[str, list[object]] = field(default_factory=dict)
    truth_cash: dict[str, list[object]] = field(default_factory=dict)

    def add(self, key: str, **row: object) -> None:
        self.rows.setdefault(key, []).append(row)

    def columns(self, key: str) -> dict[str, list[object]]:
        rows = self.rows.get(key, [])
        if not rows:
            return {}
        return {k: [r.get(k) for r in rows] for k in rows[0]}


def _add_months(t: datetime, months: int, anchor_day: int) -> datetime:
    y, m = divmod(t.month - 1 + months, 12)
    year, month = t.year + y, m + 1
    day = min(anchor_day, calendar.monthrange(year, month)[1])
    return t.replace(year=year, month=month, day=day)


def _month_starts(first: datetime, end: datetime) -> list[datetime]:
    out, t = [], datetime(first.year, first.month, 1)
    while t < end:
        out.append(t)
        t = _add_months(t, 1, 1)
    return out


def simulate_billing(  # noqa: C901
    ctx: Context, rng: np.random.Generator, won: dict[str, np.ndarray]
) -> BillingChunk:
    """Customers for the won deals of one chunk, and everything they do until the as-of date."""
    out = BillingChunk()
    start = datetime.fromisoformat(str(ctx.start.astype("datetime64[s]")))
    end = datetime.fromisoformat(str(ctx.end.astype("datetime64[s]")))
    mrr_rows: dict[str, list[object]] = {
        k: [] for k in ("customer_id", "month", "currency_code", "mrr_amount")
    }
    cash_rows: dict[str, list[object]] = {
        k: []
        for k in (
            "month",
            "currency_code",
            "collected_amount",
            "refunded_amount",
            "invoiced_amount",
        )
    }
    n = len(won["lead_index"])
    for i in range(n):
        idx = int(won["lead_index"][i])
        cust_id = f"C{idx:08d}"
        currency = str(won["currency"][i])
        created = start + timedelta(days=float(won["won_at"][i]) + float(rng.uniform(0, 3)))
        if created >= end:
            continue
        payer = rng.choice(["good", "slow", "bad"], p=[0.70, 0.22, 0.08])
        contact_email = str(won["email"][i]).lower()
        email = f"billing@{won['domain'][i]}" if rng.random() < 0.5 else contact_email
        crm_account_id = str(won["account_id"][i]) if rng.random() < 0.85 else None
        if won["unmatchable"][i]:  # the draws above are kept: the rest of the data is the same
            email, crm_account_id = f"ap@{cust_id.lower()}-billing.example", None
        out.add(
            "billing.customers",
            customer_id=cust_id,
            customer_name=str(won["company"][i]),
            email=email,
            crm_account_id=crm_account_id,
            currency_code=currency,
            country_code=str(won["country"][i]),
            created_at=created,
        )

        subs: list[Subscription] = []
        seats = int(won["seats"][i])
        fx = ctx.rate(currency, created.strftime("%Y-%m"))
        monthly_unit = round(float(won["price_usd"][i]) / fx, 2)

        def new_sub(
            t: datetime,
            qty: int,
            plan: str,
            unit_month: float,
            interval: str,
            _subs: list[Subscription] = subs,
            _cust: str = cust_id,
        ) -> Subscription:
            sid = f"S{_cust[1:]}-{len(_subs):02d}"
            unit = round(unit_month * 12 * 0.9, 2) if interval == "year" else unit_month
            s = Subscription(sid, interval, plan, t)
            s.items.append(Item(f"{sid}-00", unit, qty, t))
            _subs.append(s)
            return s

        interval = "year" if rng.random() < 0.25 else "month"
        main = new_sub(created, seats, str(won["plan"][i]), monthly_unit, interval)
        reactivate_at: datetime | None = None
        churned_at: datetime | None = None
        # Month by month: expansions, contractions, add-ons, churn and reactivation.
        for ms in _month_starts(_add_months(created, 1, 1), end):
            days_in = calendar.monthrange(ms.year, ms.month)[1]
            t = ms + timedelta(days=float(rng.uniform(0, days_in)))
            if t >= end:
                continue
            active = [s for s in subs if s.end is None]
            if not active:
                if reactivate_at is not None and reactivate_at <= t:
                    qty = max(1, int(seats * rng.uniform(0.5, 1.0)))
                    main = new_sub(t, qty, main.plan, monthly_unit, "month")
                    reactivate_at = None
                continue
            for s in active:
                months_in = (t.year - s.start.year) * 12 + t.month - s.start.month
                renewal = s.interval == "month" or months_in % 12 == 0
                if not renewal:
                    continue
                r = rng.random()
                churn_p = {"good": 0.012, "slow": 0.02, "bad": 0.035}[str(payer)]
                if s.interval == "year":
                    churn_p *= 8
                if s.plan == "addon":
                    churn_p = 0.04
                qty = s.qty_at(t)
                if r < churn_p:
                    s.end = t
                    s.items[-1].end = t
                    s.cancel_requested = max(s.start, t - timedelta(days=float(rng.uniform(5, 25))))
                elif r < churn_p + 0.035:
                    s.change(t, qty + max(1, int(np.ceil(qty * rng.uniform(0.1, 0.5)))))
                elif r < churn_p + 0.055 and qty > 1:
                    s.change(t, max(1, qty - max(1, int(qty * rng.uniform(0.1, 0.4)))))
            if (
                all(s.plan != "addon" for s in subs)
                and any(s.end is None for s in subs)
                and rng.random() < 0.012
            ):
                new_sub(
                    t,
                    main.qty_at(t) or seats,
                    "addon",
                    round(monthly_unit * ADDON_SHARE, 2),
                    "month",
                )
            if all(s.end is not None for s in subs):
                churned_at = t
                if rng.random() < 0.2:
                    reactivate_at = t + timedelta(days=float(rng.uniform(45, 200)))

        # Nurture email clicked after the customer churned: a cross-system conflict.
        still_churned = all(s.end is not None for s in subs)
        if churned_at is not None and still_churned and rng.random() < 0.3:
            at = churned_at + timedelta(days=float(rng.uniform(5, 60)))
            if at < end:
                out.add(
                    "marketing.touches",
                    touch_id=f"T{idx:08d}-90",
                    contact_id=str(won["contact_id"][i]),
                    touch_type="email_click",
                    utm_source="newsletter",
                    utm_medium="email",
                    utm_campaign="nurture_winback",
                    occurred_at=at,
                )

        _write_subscriptions(out, subs, cust_id, currency)
        if won["invoiced"][i]:
            _write_invoices(out, rng, subs, cust_id, currency, str(payer), end, cash_rows)
        else:  # broken invoicing: drawn all the same (the seed's stream), never issued
            scratch: dict[str, list[object]] = {k: [] for k in cash_rows}
            _write_invoices(BillingChunk(), rng, subs, cust_id, currency, str(payer), end, scratch)
        for ms in _month_starts(created, end):
            nxt = _add_months(ms, 1, 1)
            mrr_rows["customer_id"].append(cust_id)
            mrr_rows["month"].append(ms.date())
            mrr_rows["currency_code"].append(currency)
            mrr_rows["mrr_amount"].append(
                # A customer's month is summed exactly, then rounded once, half up, to the cent.
                sum((s.mrr_at(nxt - timedelta(microseconds=1)) for s in subs), Decimal(0)).quantize(
                    CENT, rounding=ROUND_HALF_UP
                )
            )
        _write_support(
            out, rng, subs, cust_id, str(won["email"][i]), str(won["account_id"][i]), end
        )
        _write_usage(out, rng, subs, cust_id, end)
    out.truth_mrr = mrr_rows
    out.truth_cash = cash_rows
    return out


def _write_subscriptions(
    out: BillingChunk, subs: list[Subscription], cust_id: str, currency: str
) -> None:
    for s in subs:
        out.add(
            "billing.subscriptions",
            subscription_id=s.sub_id,
            customer_id=cust_id,
            status="canceled" if s.end else "active",
            billing_interval=s.interval,
            currency_code=currency,
            started_at=s.start,
            cancel_requested_at=s.cancel_requested,
            ended_at=s.end,
        )
        for it in s.items:
            out.add(
                "billing.subscription_items",
                subscription_item_id=it.item_id,
                subscription_id=s.sub_id,
                plan_code=s.plan,
                unit_amount=it.unit,
                quantity=it.qty,
                currency_code=currency,
                started_at=it.start,
                ended_at=it.end,
            )


def _write_invoices(  # noqa: C901
    out: BillingChunk,
    rng: np.random.Generator,
    subs: list[Subscription],
    cust_id: str,
    currency: str,
    payer: str,
    end: datetime,
    cash: dict[str, list[object]],
) -> None:
    def book(kind: str, at: datetime, amount: float) -> None:
        cash["month"].append(at.date().replace(day=1))
        cash["currency_code"].append(currency)
        for k in ("collected_amount", "refunded_amount", "invoiced_amount"):
            cash[k].append(amount if k == kind else 0.0)

    for s in subs:
        step = 12 if s.interval == "year" else 1
        k = 0
        period = s.start
        while period < end and (s.end is None or period < s.end):
            nxt = _add_months(s.start, step * (k + 1), min(s.start.day, 28))
            amount = round(s.amount_at(period), 2)
            late = rng.random() < 0.06
            issued = (
                period
                + timedelta(hours=1)
                + (timedelta(days=float(rng.uniform(10, 40))) if late else timedelta(0))
            )
            inv_id = f"IN{s.sub_id[1:]}-{k:03d}"
            k += 1
            period_start, period = period, nxt
            if issued >= end:
                continue
            due = issued + timedelta(days=30)
            book("invoiced_amount", issued, amount)
            delay = {
                "good": rng.uniform(0, 20),
                "slow": rng.uniform(25, 80),
                "bad": rng.uniform(40, 120),
            }[payer]
            never = payer == "bad" and rng.random() < 0.5
            attempt = issued + timedelta(days=float(delay))
            paid_at: datetime | None = None
            p = 0
            if not never and attempt < end:
                if rng.random() < 0.09:
                    out.add(
                        "billing.payments",
                        payment_id=f"P{inv_id[2:]}-{p}",
                        invoice_id=inv_id,
                        customer_id=cust_id,
                        amount=amount,
                        currency_code=currency,
                        status="failed",
                        failure_code=str(
                            rng.choice(["card_declined", "insufficient_funds", "expired_card"])
                        ),
                        attempted_at=attempt,
                        refunded_at=None,
                    )
                    p += 1
                    attempt = attempt + timedelta(days=float(rng.uniform(2, 10)))
                    if rng.random() < 0.3:
                        attempt = end  # never retried successfully
                if attempt < end:
                    refunded = attempt + timedelta(days=float(rng.uniform(3, 30)))
                    is_refund = rng.random() < 0.012 and refunded < end
                    out.add(
                        "billing.payments",
                        payment_id=f"P{inv_id[2:]}-{p}",
                        invoice_id=inv_id,
                        customer_id=cust_id,
                        amount=amount,
                        currency_code=currency,
                        status="refunded" if is_refund else "succeeded",
                        failure_code=None,
                        attempted_at=attempt,
                        refunded_at=refunded if is_refund else None,
                    )
                    book("collected_amount", attempt, amount)
                    if is_refund:
                        book("refunded_amount", refunded, amount)
                    paid_at = attempt
            if paid_at is not None:
                status = "paid"
            elif (end - due).days > 90:
                status = "uncollectible"
            else:
                status = "open"
            out.add(
                "billing.invoices",
                invoice_id=inv_id,
                customer_id=cust_id,
                subscription_id=s.sub_id,
                invoice_number=f"INV-{inv_id[2:]}",
                status=status,
                currency_code=currency,
                amount_due=amount,
                period_start=period_start.date(),
                period_end=(period - timedelta(days=1)).date(),
                issued_at=issued,
                due_at=due,
                paid_at=paid_at,
            )


def _active_ranges(subs: list[Subscription], end: datetime) -> list[tuple[datetime, datetime]]:
    ranges = sorted((s.start, s.end or end) for s in subs)
    merged: list[tuple[datetime, datetime]] = []
    for a, b in ranges:
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged


def _write_support(
    out: BillingChunk,
    rng: np.random.Generator,
    subs: list[Subscription],
    cust_id: str,
    email: str,
    account_id: str,
    end: datetime,
) -> None:
    last_end = max((s.end or end) for s in subs)
    churning = last_end < end
    opened_times: list[datetime] = []
    for a, b in _active_ranges(subs, end):
        days = (b - a).total_seconds() / 86400
        opened_times += [
            a + timedelta(days=float(d))
            for d in rng.uniform(0, days, int(rng.poisson(days / 30 * 0.6)))
        ]
    if churning:
        # Support load climbs in the two months before a churn.
        opened_times += [
            last_end - timedelta(days=float(d)) for d in rng.uniform(1, 60, int(rng.poisson(2.0)))
        ]
    for k, opened in enumerate(sorted(opened_times)):
        pre_churn = churning and (last_end - opened).days < 60
        first = opened + timedelta(hours=float(rng.lognormal(np.log(2), 1.0)))
        solved = first + timedelta(hours=float(rng.lognormal(np.log(18), 1.2)))
        csat = None
        if rng.random() < 0.4 and solved < end:
            csat = int(
                rng.choice(
                    [1, 2, 3, 4, 5],
                    p=[0.25, 0.25, 0.2, 0.2, 0.1] if pre_churn else [0.03, 0.05, 0.12, 0.35, 0.45],
                )
            )
        out.add(
            "support.tickets",
            ticket_id=f"TK{cust_id[1:]}-{k:04d}",
            requester_email=email,
            crm_account_id=account_id if rng.random() < 0.7 else None,
            priority=str(
                rng.choice(
                    ["low", "normal", "high", "urgent"],
                    p=[0.1, 0.4, 0.3, 0.2] if pre_churn else [0.25, 0.5, 0.18, 0.07],
                )
            ),
            channel=str(rng.choice(["email", "chat", "phone"], p=[0.5, 0.35, 0.15])),
            status="solved" if solved < end else "open",
            opened_at=opened,
            first_response_at=first if first < end else None,
            solved_at=solved if solved < end else None,
            csat_score=csat,
        )


def _write_usage(
    out: BillingChunk,
    rng: np.random.Generator,
    subs: list[Subscription],
    cust_id: str,
    end: datetime,
) -> None:
    last_end = max((s.end or end) for s in subs)
    churning = last_end < end
    base = rng.uniform(0.4, 0.9)
    for a, b in _active_ranges(subs, end):
        days = np.arange(np.datetime64(a.date(), "D"), np.datetime64(b.date(), "D"))
        if len(days) == 0:
            continue
        noon = days.astype("datetime64[s]") + np.timedelta64(12, "h")
        seats = np.zeros(len(days), dtype=np.int64)
        for s in subs:
            for it in s.items:
                until = np.datetime64(it.end or end, "s")
                seats += it.qty * ((np.datetime64(it.start, "s") <= noon) & (noon < until))
        engagement = np.full(len(days), base)
        if churning:
            to_churn = (np.datetime64(last_end.date(), "D") - days).astype(int)
            engagement *= np.clip(to_churn / 60.0, 0.25, 1.0)
        weekday = ((days.astype(int) + 3) % 7) < 5
        engagement *= np.where(weekday, 1.0, 0.3)
        active = rng.binomial(np.maximum(seats, 1), np.clip(engagement, 0, 1))
        day_text = days.astype(str)
        out.usage.add(
            usage_id=np.char.add(f"U{cust_id[1:]}-", np.char.replace(day_text, "-", "")),
            customer_id=cust_id,
            usage_date=day_text.astype(object),
            active_users=active,
            events=active * rng.poisson(25, len(days)),
        )
