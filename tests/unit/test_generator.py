"""The generator: deterministic, sized by --scale, and honest about the dirt it injects."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from revops_cli.contract import RAW_TABLES, TABLES_BY_NAME
from revops_cli.errors import ConfigError
from revops_cli.generator import GenerationResult, generate
from revops_cli.generator.dirt import HARD_DIRT, MIN_JUNK

PROJECT_DIR = Path(__file__).resolve().parents[2]


def _one(con: duckdb.DuckDBPyConnection, sql: str) -> object:
    row = con.execute(sql).fetchone()
    assert row is not None
    return row[0]


def _fingerprint(path: Path) -> dict[str, object]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        out = {}
        for t in RAW_TABLES:
            out[t.qualified_name] = _one(
                con, f"select (count(*), sum(hash(t::varchar))) from {t.qualified_name} as t"
            )
        for name in ("leads", "customer_mrr", "cash_monthly", "dirty_rows"):
            out[name] = _one(con, f"select (count(*), sum(hash(t::varchar))) from truth.{name} t")
        return out
    finally:
        con.close()


def test_same_seed_same_data_other_seed_other_data(tmp_path: Path) -> None:
    kwargs = {"scale": 0.1, "months": 6}
    generate(tmp_path / "a.duckdb", PROJECT_DIR, seed=3, **kwargs)  # type: ignore[arg-type]
    generate(tmp_path / "b.duckdb", PROJECT_DIR, seed=3, **kwargs)  # type: ignore[arg-type]
    generate(tmp_path / "c.duckdb", PROJECT_DIR, seed=4, **kwargs)  # type: ignore[arg-type]
    a, b, c = (_fingerprint(tmp_path / f"{x}.duckdb") for x in "abc")
    assert a == b
    assert a["raw_crm.contacts"] != c["raw_crm.contacts"]
    assert a["leads"] != c["leads"]


def test_scale_sets_the_number_of_leads(
    small_db: tuple[Path, GenerationResult], small_con: duckdb.DuckDBPyConnection
) -> None:
    _, result = small_db
    assert result.leads == 1_500
    assert _one(small_con, "select count(*) from truth.leads") == 1_500
    # Every real person is a contact row whose id is the truth's.
    assert (
        _one(
            small_con,
            """select count(*) from truth.leads as l
        join raw_crm.contacts as c using (contact_id)
        where c._loaded_at = (select max(_loaded_at) from raw_crm.contacts)""",
        )
        == 1_500
    )
    assert (
        _one(small_con, "select sum(people) from truth.lifecycle_monthly where stage = 'lead'")
        == 1_500
    )


def test_reported_raw_rows_are_the_real_counts(
    small_db: tuple[Path, GenerationResult], small_con: duckdb.DuckDBPyConnection
) -> None:
    _, result = small_db
    for t in RAW_TABLES:
        key = f"{t.system}.{t.name}"
        actual = _one(small_con, f"select count(*) from {t.qualified_name}")
        assert result.raw_rows[key] == actual, key
        assert (
            _one(small_con, f"select raw_rows from truth.raw_tables where source_table = '{key}'")
            == actual
        )
        assert actual > 0, f"{key} is empty"


def _hard_dirt_sql(key: str, kind: str, column: str) -> str:
    """Count, straight from the raw data, the rows that have this defect."""
    t = TABLES_BY_NAME[key]
    pk = t.primary_key
    if kind == "missing_key":
        return f"select count(*) from {t.qualified_name} where {pk} is null"
    if kind == "superseded":
        return (
            f"select count(*) - count(distinct {pk}) from {t.qualified_name} where {pk} is not null"
        )
    if kind == "unparseable_date":
        return (
            f"select count(*) from {t.qualified_name} where {column} is not null "
            f"and try_cast({column} as timestamptz) is null "
            f"and try_cast({column} as date) is null"
        )
    if kind == "unknown_currency":
        return (
            f"select count(*) from {t.qualified_name} where upper(trim({column})) not in "
            f"(select currency_code from read_csv('{PROJECT_DIR}/seeds/currencies.csv'))"
        )
    if kind == "negative_amount":
        return f"select count(*) from {t.qualified_name} where {column} < 0"
    if kind == "zero_amount":
        return f"select count(*) from {t.qualified_name} where {column} = 0"
    assert kind == "orphan_foreign_key"
    parent = TABLES_BY_NAME[t.foreign_keys[column]]
    return (
        f"select count(*) from {t.qualified_name} where {column} is not null and {column} "
        f"not in (select {parent.primary_key} from {parent.qualified_name} "
        f"where {parent.primary_key} is not null)"
    )


@pytest.mark.parametrize(
    ("key", "kind", "column"), HARD_DIRT, ids=[f"{k}:{d}" for k, d, _ in HARD_DIRT]
)
def test_injected_hard_dirt_is_what_the_truth_claims(
    small_con: duckdb.DuckDBPyConnection, key: str, kind: str, column: str
) -> None:
    claimed = _one(
        small_con,
        f"select row_count from truth.dirty_rows "
        f"where source_table = '{key}' and dirt_kind = '{kind}'",
    )
    assert claimed >= MIN_JUNK  # type: ignore[operator]
    assert _one(small_con, _hard_dirt_sql(key, kind, column)) == claimed


def test_expected_rejections_add_up(small_con: duckdb.DuckDBPyConnection) -> None:
    assert (
        _one(
            small_con,
            """select count(*) from truth.raw_tables as r
        where expected_rejected <> (select coalesce(sum(row_count), 0) from truth.dirty_rows as d
                                    where d.source_table = r.source_table and d.is_rejected)
        """,
        )
        == 0
    )


CLEAN_CONTACTS = """(select * from raw_crm.contacts where contact_id is not null
    and contact_id not like '%-X%'
    and _loaded_at = (select max(_loaded_at) from raw_crm.contacts))"""


def test_soft_dirt_is_what_the_truth_claims(small_con: duckdb.DuckDBPyConnection) -> None:
    def claimed(kind: str) -> object:
        return _one(small_con, f"select row_count from truth.dirty_rows where dirt_kind = '{kind}'")

    assert _one(
        small_con,
        f"""select count(*) - count(distinct lower(trim(email)))
        from {CLEAN_CONTACTS}""",
    ) == claimed("duplicate_person")
    # Duplicates differ from their original only by case or padding.
    assert _one(
        small_con, f"select count(*) from {CLEAN_CONTACTS} where email <> lower(trim(email))"
    ) == claimed("duplicate_person")
    assert _one(
        small_con,
        """select count(*) from truth.leads join raw_crm.contacts
        using (contact_id) where lead_source is null""",
    ) == claimed("missing_lead_source")
    assert _one(
        small_con,
        """select count(*) from raw_crm.opportunities
        where opportunity_id not like '%-X%' and is_closed and not is_won
        and loss_reason_code is null""",
    ) == claimed("missing_loss_reason")
    assert _one(
        small_con,
        """select count(*) from (
        select opportunity_id,
            max(entered_at::timestamptz) filter (where stage_name = 'discovery') as d1,
            max(entered_at::timestamptz) filter (where stage_name = 'demo') as d2
        from raw_crm.opportunity_stage_history where history_id not like '%-X%'
        group by 1) where d2 < d1""",
    ) == claimed("out_of_order_timestamps")


def test_truth_lifecycle_follows_the_events(small_con: duckdb.DuckDBPyConnection) -> None:
    """The truth's stage dates are the raw events' dates (UTC), stage by stage."""
    for detail, column in (
        ("sales_accepted", "sal_at"),
        ("sales_rejected", "rejected_at"),
        ("sales_qualified", "sql_at"),
    ):
        mismatches = _one(
            small_con,
            f"""
            select count(*) from truth.leads as l
            full join (select contact_id, timezone('UTC', occurred_at::timestamptz) as at
                       from raw_crm.lifecycle_events
                       where event_detail = '{detail}' and event_id not like '%-X%') as e
                using (contact_id)
            where l.{column} is distinct from date_trunc('second', e.at)
              and (l.{column} is not null or e.at is not null)""",
        )
        assert mismatches == 0, detail
    # An MQL is always a fit lead, and no stage comes before the one it follows.
    assert (
        _one(small_con, "select count(*) from truth.leads where mql_at is not null and not is_fit")
        == 0
    )
    assert (
        _one(
            small_con,
            """select count(*) from truth.leads where mql_at < created_at
        or sal_at < mql_at or sql_at < sal_at or opportunity_at < sql_at
        or won_at < opportunity_at or lost_at < opportunity_at""",
        )
        == 0
    )
    assert _one(small_con, "select count(*) from truth.leads where won_at is not null") > 10  # type: ignore[operator]


def test_truth_mrr_matches_the_subscription_items(small_con: duckdb.DuckDBPyConnection) -> None:
    """MRR at each month end, recomputed from the raw items, equals the truth."""
    diff = _one(
        small_con,
        """
        with items as (
            select s.customer_id, s.billing_interval, i.unit_amount, i.quantity,
                timezone('UTC', i.started_at::timestamptz) as started_at,
                timezone('UTC', i.ended_at::timestamptz) as ended_at
            from raw_billing.subscription_items as i
            join raw_billing.subscriptions as s using (subscription_id)
            where i.subscription_item_id not like '%-X%' and s.subscription_id not like '%-X%'
        ),
        recomputed as (
            select t.customer_id, t.month,
                coalesce(sum(i.unit_amount * i.quantity
                    / case when i.billing_interval = 'year' then 12 else 1 end), 0) as mrr
            from truth.customer_mrr as t
            left join items as i on i.customer_id = t.customer_id
                and i.started_at < t.month + interval 1 month
                and (i.ended_at is null or i.ended_at >= t.month + interval 1 month)
            group by all
        )
        select max(abs(r.mrr - t.mrr_amount)) from recomputed as r
        join truth.customer_mrr as t using (customer_id, month)""",
    )
    assert diff is not None and float(diff) < 0.01  # type: ignore[arg-type]


def test_truth_cash_matches_the_payments(small_con: duckdb.DuckDBPyConnection) -> None:
    rows = small_con.execute("""
        select coalesce(t.month, p.month), coalesce(t.currency_code, p.currency_code),
            t.collected_amount, p.collected
        from truth.cash_monthly as t
        full join (
            select date_trunc('month', timezone('UTC', attempted_at::timestamptz))::date as month,
                currency_code, sum(amount) as collected
            from raw_billing.payments
            where payment_id not like '%-X%' and status in ('succeeded', 'refunded')
            group by all) as p using (month, currency_code)
        where coalesce(t.collected_amount, 0) <> coalesce(p.collected, 0)""").fetchall()
    assert rows == []
    assert _one(small_con, "select sum(collected_amount) from truth.cash_monthly") > 0  # type: ignore[operator]


def test_crm_times_carry_offsets_and_billing_times_are_utc(
    small_con: duckdb.DuckDBPyConnection,
) -> None:
    assert (
        _one(
            small_con,
            r"""select count(*) from raw_crm.contacts
        where regexp_matches(created_at, '[+-]\d\d:\d\d$')""",
        )
        > 0
    )  # type: ignore[operator]
    assert (
        _one(
            small_con,
            """select count(*) from raw_billing.invoices
        where invoice_id not like '%-X%' and issued_at not like '%Z'""",
        )
        == 0
    )


@pytest.mark.parametrize("kwargs", [{"scale": 0}, {"scale": -1}, {"months": 2}])
def test_bad_sizes_are_config_errors(tmp_path: Path, kwargs: dict[str, float]) -> None:
    with pytest.raises(ConfigError):
        generate(tmp_path / "x.duckdb", PROJECT_DIR, **kwargs)  # type: ignore[arg-type]
