"""The generator's ground truth, in schema ``truth`` of the same DuckDB file.

Tests use it as an independent oracle for staging, marts and metrics: it is written from
the simulation's own state, never from the raw tables the models read.

| table | grain |
| --- | --- |
| truth.run | one row: seed, scale, leads, start_date, end_date (exclusive) |
| truth.leads | one row per real person (duplicates and junk rows excluded), stage timestamps |
| truth.lifecycle_monthly | month x stage: how many people reached the stage that month |
| truth.customer_mrr | customer x month: MRR at the month's end, original currency |
| truth.won_deals | one row per won deal: amount (its currency) and billing (below) |
| truth.mrr_monthly | month x currency: MRR and paying customers |
| truth.cash_monthly | month x currency: invoiced (by issue), collected (by payment), refunded |
| truth.dirty_rows | table x kind: injected dirt, and whether staging must reject it |
| truth.raw_tables | table: raw rows written and how many staging must reject |

truth.won_deals.billing: billed; never_billed (the deal never reached billing); never_invoiced
(billing has the customer but the broken_invoicing knob kept its invoices from being issued).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Protocol

import duckdb

from revops_cli.contract import RAW_TABLES
from revops_cli.generator.dirt import Injected

_STAGE_COLUMN = {
    "lead": "created_at",
    "mql": "mql_at",
    "sal": "sal_at",
    "rejected": "rejected_at",
    "sql": "sql_at",
    "opportunity": "opportunity_at",
    "won": "won_at",
    "lost": "lost_at",
}


def create_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("drop schema if exists truth cascade")
    con.execute("create schema truth")
    con.execute("""create table truth.leads (
        contact_id varchar, created_at timestamp, channel varchar, campaign_id varchar,
        country_code varchar, is_fit boolean, qualifying_at timestamp, mql_at timestamp,
        first_response_at timestamp, sal_at timestamp, rejected_at timestamp,
        rejection_reason varchar, sql_at timestamp, opportunity_id varchar,
        opportunity_at timestamp, won_at timestamp, lost_at timestamp, customer_id varchar)""")
    con.execute("""create table truth.won_deals (
        opportunity_id varchar, won_at timestamp, currency_code varchar,
        amount decimal(18, 2), billing varchar)""")
    con.execute("""create table truth.customer_mrr (
        customer_id varchar, month date, currency_code varchar, mrr_amount decimal(18, 2))""")
    con.execute("""create table truth.cash_partials (
        month date, currency_code varchar, collected_amount decimal(18, 2),
        refunded_amount decimal(18, 2), invoiced_amount decimal(18, 2))""")


class RunSummary(Protocol):
    """What finish records of a generation (core.GenerationResult is one): declared here so
    that this module, which core imports, does not import core."""

    @property
    def seed(self) -> int: ...

    @property
    def scale(self) -> float: ...

    @property
    def leads(self) -> int: ...

    @property
    def start(self) -> date: ...

    @property
    def end(self) -> date: ...

    @property
    def injected(self) -> Sequence[Injected]: ...

    @property
    def knobs(self) -> Mapping[str, float]: ...


def finish(
    con: duckdb.DuckDBPyConnection, result: RunSummary, soft_dirt: dict[tuple[str, str], int]
) -> None:
    """Aggregate the partial truth and record the dirt and row counts."""
    con.execute(
        "create table truth.run as select ? as seed, ? as scale, ? as leads, "
        "cast(? as date) as start_date, cast(? as date) as end_date, ? as knobs",
        [
            result.seed,
            result.scale,
            result.leads,
            result.start,
            result.end,
            json.dumps(result.knobs, sort_keys=True),
        ],
    )
    unions = " union all ".join(
        f"select date_trunc('month', {col})::date as month, '{stage}' as stage, "
        f"count(*) as people from truth.leads where {col} is not null group by all"
        for stage, col in _STAGE_COLUMN.items()
    )
    con.execute(f"create table truth.lifecycle_monthly as {unions} order by month, stage")
    con.execute("""create table truth.mrr_monthly as
        select month, currency_code, sum(mrr_amount) as mrr_amount,
            count(*) filter (where mrr_amount > 0) as paying_customers
        from truth.customer_mrr group by all order by month, currency_code""")
    con.execute("""create table truth.cash_monthly as
        select month, currency_code, sum(invoiced_amount) as invoiced_amount,
            sum(collected_amount) as collected_amount, sum(refunded_amount) as refunded_amount
        from truth.cash_partials group by all order by month, currency_code""")
    con.execute("drop table truth.cash_partials")
    con.execute("""create table truth.dirty_rows (
        source_table varchar, dirt_kind varchar, row_count bigint, is_rejected boolean)""")
    rows = [(i.table, i.kind, i.rows, True) for i in result.injected]
    rows += [(t, k, n, False) for (t, k), n in sorted(soft_dirt.items())]
    con.executemany("insert into truth.dirty_rows values (?, ?, ?, ?)", rows)
    counts = [
        (
            f"{t.system}.{t.name}",
            con.execute(f"select count(*) from {t.qualified_name}").fetchone()[0],  # type: ignore[index]
            sum(i.rows for i in result.injected if i.table == f"{t.system}.{t.name}"),
        )
        for t in RAW_TABLES
    ]
    con.execute(
        "create table truth.raw_tables (source_table varchar, raw_rows bigint, "
        "expected_rejected bigint)"
    )
    con.executemany("insert into truth.raw_tables values (?, ?, ?)", counts)
