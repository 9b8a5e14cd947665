"""Generate a believable small B2B business into a DuckDB file, with its ground truth.

Deterministic for a seed: leads are simulated in fixed-size chunks, each with its own
seeded random stream, so the output does not depend on memory or on how the run is split,
and memory stays bounded at any scale.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb
import numpy as np

from revops_cli.contract import RAW_TABLES
from revops_cli.definitions import load_definitions
from revops_cli.errors import ConfigError, DatabaseError
from revops_cli.generator import truth
from revops_cli.generator.billing import simulate_billing
from revops_cli.generator.context import CHANNELS, Context, load_rates
from revops_cli.generator.dirt import Injected, inject_hard_dirt
from revops_cli.generator.funnel import Rows, ids, simulate_funnel
from revops_cli.generator.shapes import write_shapes
from revops_cli.generator.writer import RawWriter, create_raw_schemas, insert_arrow
from revops_cli.project import open_duckdb

#: Leads at scale 1.
LEADS_PER_SCALE = 5_000
#: Leads simulated together; fixed, so results do not depend on the run's size.
CHUNK_LEADS = 50_000
DEFAULT_START = date(2025, 1, 1)
DEFAULT_MONTHS = 18


@dataclass
class GenerationResult:
    """What was generated, for the CLI summary and for tests."""

    database: Path
    seed: int
    scale: float
    leads: int
    start: date
    end: date
    raw_rows: dict[str, int] = field(default_factory=dict)
    injected: list[Injected] = field(default_factory=list)
    seconds: float = 0.0
    #: the leaks made on purpose (context.KNOBS), by name
    knobs: dict[str, float] = field(default_factory=dict)


def _team(ctx: Context, rng: np.random.Generator, writer: RawWriter) -> None:
    grow = max(1.0, ctx.scale**0.5)
    sizes = {"sdr": round(4 * grow), "ae": round(6 * grow), "cs": round(3 * grow), "marketing": 2}
    roles = {
        "sdr": "Sales Development Rep",
        "ae": "Account Executive",
        "cs": "Customer Success Manager",
        "marketing": "Marketing Manager",
    }
    rows = Rows()
    n = 0
    for team, size in sizes.items():
        user_ids = ids("U", np.arange(n, n + size))
        ctx.users[team] = user_ids
        quota = np.round(rng.uniform(25_000, 45_000, size), -3) if team == "ae" else None
        rows.add(
            user_id=user_ids,
            full_name=np.array([f"{team.upper()} Rep {i + 1}" for i in range(size)], dtype=object),
            email=np.array([f"{team}{i + 1}@revops-demo.com" for i in range(size)], dtype=object),
            team=team,
            role=roles[team],
            manager_id=None,
            monthly_quota_amount=quota if quota is not None else np.full(size, None),
            quota_currency="USD",
            is_active=np.ones(size, dtype=bool),
            created_at=np.full(size, ctx.start.astype("datetime64[s]") - np.timedelta64(400, "D")),
        )
        n += size
    writer.append("crm.users", rows.columns())


def _campaigns(ctx: Context, rng: np.random.Generator, writer: RawWriter) -> None:
    camp, spend = Rows(), Rows()
    for c, spec in CHANNELS.items():
        if spec["utm"] is None:
            continue
        for q in range(ctx.quarters):
            first = q * 91
            last = min(first + 91, ctx.days) - 1
            if first >= ctx.days:
                continue
            start = ctx.start.astype("datetime64[D]") + first
            utm_campaign = f"{c}_{str(start)[:4]}q{(int(str(start)[5:7]) - 1) // 3 + 1}_{q}"
            cid = f"CMP{len(ctx.campaign_ids):04d}"
            ctx.campaign_ids[(c, q)] = cid
            ctx.campaign_utm[cid] = utm_campaign
            currency = "EUR" if c == "events" and q % 2 else "USD"
            days = np.arange(first, last + 1)
            daily = (spec["spend"] or 0.0) * ctx.scale
            camp.add(
                campaign_id=np.array([cid], dtype=object),
                campaign_name=np.array([f"{c.replace('_', ' ').title()} Q{q + 1}"], dtype=object),
                channel=c,
                utm_source=spec["utm"][0],
                utm_medium=spec["utm"][1],
                utm_campaign=utm_campaign,
                budget_amount=np.array([round(daily * len(days))]),
                currency_code=currency,
                started_on=ctx.to_dates(np.array([float(first)])),
                ended_on=ctx.to_dates(np.array([float(last)])),
            )
            if not spec["spend"]:
                continue
            amount = np.round(daily * rng.uniform(0.6, 1.4, len(days)), 2)
            clicks = rng.poisson(np.maximum(amount / 4.0, 1)).astype(np.int64)
            spend.add(
                spend_id=ids(f"{cid}-", days),
                campaign_id=cid,
                spend_date=ctx.to_dates(days.astype(float)),
                spend_amount=amount,
                currency_code=currency,
                impressions=clicks * rng.integers(20, 60, len(days)),
                clicks=clicks,
            )
    writer.append("marketing.campaigns", camp.columns())
    writer.append("marketing.ad_spend", spend.columns())


def generate(
    database: Path,
    project_dir: Path,
    *,
    seed: int = 42,
    scale: float = 1.0,
    start: date = DEFAULT_START,
    months: int = DEFAULT_MONTHS,
    progress: bool = False,
    shapes: Sequence[str] = (),
    knobs: Mapping[str, float] | None = None,
) -> GenerationResult:
    """Write the raw tables and the ground truth of a simulated business into ``database``,
    and the same business in each connector shape named in ``shapes`` (generator.shapes);
    ``knobs`` (context.KNOBS) make leaks on purpose."""
    if not math.isfinite(scale) or scale <= 0:
        raise ConfigError(f"--scale must be a number greater than 0, got {scale}")
    if not 3 <= months <= 60:
        raise ConfigError("--months must be between 3 and 60")
    began = time.perf_counter()
    end_month = start.month - 1 + months
    end = date(start.year + end_month // 12, end_month % 12 + 1, 1)
    definitions = load_definitions(project_dir)
    rates = load_rates(project_dir)
    missing = sorted({m for m in _months(start, end) if ("USD", m) not in rates})
    if missing:
        raise ConfigError(f"seeds/currency_rates.csv has no rates for {missing[0]}..{missing[-1]}")
    ctx = Context(
        seed=seed,
        scale=scale,
        start=np.datetime64(start),
        end=np.datetime64(end),
        definitions=definitions,
        rates=rates,
        knobs=dict(knobs or {}),
    )
    database.parent.mkdir(parents=True, exist_ok=True)
    con = open_duckdb(database, read_only=False, create=True)
    leads = max(1, round(LEADS_PER_SCALE * scale))
    result = GenerationResult(database, seed, scale, leads, start, end, knobs=dict(ctx.knobs))
    try:
        con.execute("set TimeZone = 'UTC'")
        # Bounded memory at any scale: DuckDB spills to disk beyond this.
        con.execute("set memory_limit = '1GB'")
        create_raw_schemas(con, RAW_TABLES)
        truth.create_tables(con)
        writer = RawWriter(con, ctx.end + np.timedelta64(2, "h"))
        global_rng = np.random.default_rng(np.random.SeedSequence([seed, 10**6]))
        _team(ctx, global_rng, writer)
        _campaigns(ctx, global_rng, writer)
        soft: dict[tuple[str, str], int] = {}
        for chunk, first in enumerate(range(0, leads, CHUNK_LEADS)):
            n = min(CHUNK_LEADS, leads - first)
            rng = np.random.default_rng(np.random.SeedSequence([seed, chunk]))
            funnel = simulate_funnel(ctx, rng, first, n)
            billing = simulate_billing(ctx, rng, funnel.won)
            for key, rows in funnel.tables.items():
                writer.append(key, rows.columns())
            for key in billing.rows:
                writer.append(key, billing.columns(key))
            writer.append("product.usage_daily", billing.usage.columns())
            insert_arrow(con, "truth.leads", funnel.truth_leads)
            insert_arrow(con, "truth.won_deals", funnel.truth_won)
            insert_arrow(con, "truth.customer_mrr", billing.truth_mrr)
            insert_arrow(con, "truth.cash_partials", billing.truth_cash)
            for k, v in funnel.soft_dirt.items():
                soft[k] = soft.get(k, 0) + v
            if progress:
                print(f"  generated leads {first + n:,}/{leads:,}", flush=True)
        result.injected = inject_hard_dirt(con, seed)
        truth.finish(con, result, soft)
        write_shapes(con, shapes, project_dir)
        result.raw_rows = {
            f"{t.system}.{t.name}": con.execute(
                f"select count(*) from {t.qualified_name}"
            ).fetchone()[0]  # type: ignore[index]
            for t in RAW_TABLES
        }
        con.execute("checkpoint")
    except duckdb.Error as exc:
        raise DatabaseError(f"generating into {database} failed: {exc}") from exc
    finally:
        con.close()
    result.seconds = time.perf_counter() - began
    return result


def _months(start: date, end: date) -> list[str]:
    out, y, m = [], start.year, start.month
    while date(y, m, 1) < end:
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out
