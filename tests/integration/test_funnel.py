"""The lifecycle definitions and the funnel, pipeline and marketing marts, held to the
generator's ground truth (exact where the generator knows the exact answer)."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest
from click.testing import CliRunner

from revops_cli.cli import cli

pytestmark = pytest.mark.integration

STAGE_COLUMNS = {
    "lead": "created_at",
    "mql": "mql_at",
    "sal": "sal_at",
    "rejected": "rejected_at",
    "sql": "sql_at",
    "opportunity": "opportunity_at",
    "won": "won_at",
    "lost": "lost_at",
}


def rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple[Any, ...]]:
    return con.execute(sql).fetchall()


def test_stage_counts_per_month_equal_the_truth(con: duckdb.DuckDBPyConnection) -> None:
    found = rows(
        con,
        " union all ".join(
            f"select cast(date_trunc('month', {col}) as date), '{stage}', count(*) "
            f"from marts.fct_lead_funnel where {col} is not null group by 1"
            for stage, col in STAGE_COLUMNS.items()
        )
        + " order by 1, 2",
    )
    truth = rows(con, "select month, stage, people from truth.lifecycle_monthly order by 1, 2")
    assert found == truth
    assert sum(n for _, s, n in truth if s == "mql") > 100


def test_every_lead_reaches_the_same_stages_at_the_same_times(
    con: duckdb.DuckDBPyConnection,
) -> None:
    """Per person, not only in total: identity resolution, UTC and the definitions agree."""
    mismatched = rows(
        con,
        f"""
        select count(*) from truth.leads as t
        full join marts.fct_lead_funnel as f on f.lead_id = t.contact_id
        where {" or ".join(f"t.{c} is distinct from f.{c}" for c in STAGE_COLUMNS.values())}
            or t.rejection_reason is distinct from f.rejection_reason
            or t.opportunity_id is distinct from f.opportunity_id
            or t.is_fit is distinct from f.is_fit""",
    )
    assert mismatched == [(0,)]


def test_rejections_by_reason_equal_the_truth(con: duckdb.DuckDBPyConnection) -> None:
    found = rows(
        con,
        """select rejection_reason, count(*) from marts.fct_lead_funnel
        where rejected_at is not null group by 1 order by 1""",
    )
    truth = rows(
        con,
        """select rejection_reason, count(*) from truth.leads
        where rejected_at is not null group by 1 order by 1""",
    )
    assert found == truth
    assert len(found) >= 4


def test_skipped_stages_are_counted_where_they_happened(con: duckdb.DuckDBPyConnection) -> None:
    # Outbound leads are accepted by sales without ever being MQLs: SAL counts them, MQL not.
    skipped = rows(
        con,
        """select count(*) from marts.fct_lead_funnel
        where entry_stage = 'sal' and mql_at is null and sal_at is not null""",
    )
    truth = rows(
        con,
        """select count(*) from truth.leads
        where sal_at is not null and mql_at is null""",
    )
    assert skipped == truth
    assert truth[0][0] > 0


def test_response_sla(con: duckdb.DuckDBPyConnection) -> None:
    """Lead response is from creation to the first sales activity, MQL or not (outbound
    leads sales accepted without an MQL included); MQL response is from the MQL."""
    assert rows(
        con,
        """select count(*) from marts.fct_lead_funnel as f
        join truth.leads as t on t.contact_id = f.lead_id
        where f.first_response_at is distinct from t.first_response_at""",
    ) == [(0,)]
    assert rows(
        con,
        """select count(*) from marts.fct_lead_funnel
        where first_response_at is not null and mql_at is null""",
    ) > [(0,)]
    assert rows(
        con,
        """select count(*) from marts.fct_lead_funnel
        where is_response_sla_met <> coalesce(response_hours <= 24, false)
           or abs(response_hours - date_diff('second', created_at, first_response_at) / 3600.0)
              > 1e-9
           or is_mql_response_sla_met <> (mql_response_hours <= 24)
           or (mql_at is null) <> (is_mql_response_sla_met is null)""",
    ) == [(0,)]


def test_people_are_deduplicated_without_pii(con: duckdb.DuckDBPyConnection) -> None:
    assert rows(
        con, "select count(*), count(distinct email_hash), count(email) from marts.dim_contacts"
    ) == [(1_500, 1_500, 0)]
    merged = rows(con, "select sum(crm_record_count) - count(*) from marts.dim_contacts")
    assert merged == rows(
        con, "select row_count from truth.dirty_rows where dirt_kind = 'duplicate_person'"
    )
    # Every raw contact that staging accepted maps to exactly one person.
    assert rows(
        con,
        """select count(*) from staging.stg_crm__contacts as c
        left join intermediate.int_contacts_deduplicated as d using (contact_id)
        where d.person_id is null""",
    ) == [(0,)]


def test_first_touch_attribution_follows_the_lead_campaign(
    con: duckdb.DuckDBPyConnection,
) -> None:
    found = rows(
        con,
        """select campaign_id, sum(credit) from marts.fct_attribution
        where attribution_model = 'first_touch' group by 1 having sum(credit) > 0
        order by 1""",
    )
    truth = rows(
        con,
        """select campaign_id, count(*) from truth.leads
        where won_at is not null and campaign_id is not null group by 1 order by 1""",
    )
    assert [(c, round(v, 9)) for c, v in found] == [(c, float(n)) for c, n in truth]


def test_every_model_gives_each_won_deal_one_unit_of_credit(
    con: duckdb.DuckDBPyConnection,
) -> None:
    won_with_touches = rows(
        con,
        """select count(distinct opportunity_id)
        from marts.fct_attribution""",
    )[0][0]
    totals = rows(
        con,
        """select attribution_model, round(sum(credit), 6)
        from marts.fct_attribution group by 1 order by 1""",
    )
    assert totals == [
        (m, float(won_with_touches))
        for m in ("first_touch", "last_touch", "linear", "position_based", "time_decay")
    ]
    truth_won_inbound = rows(
        con,
        """select count(*) from truth.leads
        where won_at is not null and campaign_id is not null""",
    )[0][0]
    assert won_with_touches == truth_won_inbound


def test_pipeline_daily_equals_open_deals_on_past_dates(con: duckdb.DuckDBPyConnection) -> None:
    for day in (date(2025, 6, 30), date(2025, 9, 15), date(2025, 12, 31)):
        (pipeline,) = rows(
            con,
            f"""select coalesce(sum(open_opportunity_count), 0)
            from marts.fct_pipeline_daily where date_day = '{day}'""",
        )[0]
        # Independent: opportunities created by the end of the day and not closed by then.
        (open_deals,) = rows(
            con,
            f"""select count(*) from truth.leads
            where opportunity_at < date '{day}' + interval 1 day
              and coalesce(won_at, lost_at, timestamp '9999-01-01') >= date '{day}' + interval 1 day
            """,
        )[0]
        assert pipeline == open_deals, day
        assert open_deals > 0


def test_loss_reasons_are_never_blanked(con: duckdb.DuckDBPyConnection) -> None:
    assert rows(
        con,
        """select count(*) from marts.fct_opportunities
        where is_closed and not is_won and loss_reason_code is null""",
    ) == rows(con, "select row_count from truth.dirty_rows where dirt_kind = 'missing_loss_reason'")
    assert rows(
        con,
        "select count(*) from marts.fct_opportunities "
        "where is_missing_loss_reason <> (is_closed and not is_won "
        "and loss_reason_code is null)",
    ) == [(0,)]


def test_marketing_performance_adds_up(con: duckdb.DuckDBPyConnection) -> None:
    (leads, won) = rows(
        con, "select sum(leads), sum(won_deals) from marts.fct_marketing_performance"
    )[0]
    assert (leads, won) == rows(
        con,
        """select count(*), count(won_at) from truth.leads
        where campaign_id is not null""",
    )[0]
    # Spend converted at each month's rate equals the raw spend converted independently.
    (mart_spend,) = rows(
        con, "select sum(spend_reporting_amount) from marts.fct_marketing_performance"
    )[0]
    (raw_spend,) = rows(
        con,
        """select round(sum(s.spend_amount * r.usd_per_unit), 2)
        from staging.stg_marketing__ad_spend as s
        join reference.currency_rates as r on r.currency_code = s.currency_code
          and r.rate_month = date_trunc('month', s.spend_date)""",
    )[0]
    assert abs(float(mart_spend) - float(raw_spend)) < 0.01 * 60  # per-row cent rounding


def _expected_mqls(con: duckdb.DuckDBPyConnection, min_score: int) -> int:
    """MQLs under another score threshold, straight from the raw events and the truth's fit."""
    return rows(
        con,
        f"""
        select count(*) from truth.leads as t
        where t.is_fit and exists (
            select 1 from raw_crm.lifecycle_events as e
            where e.contact_id = t.contact_id
              and e.event_id not like '%-X%'
              and ((e.event_type = 'form_submitted'
                    and e.event_detail in ('demo_request', 'contact_sales'))
                or (e.event_type = 'page_viewed' and e.event_detail = 'pricing')
                or (e.event_type = 'score_changed' and e.score >= {min_score})))""",
    )[0][0]


def test_what_if_a_higher_score_threshold(
    built: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    db = tmp_path / "what_if.duckdb"
    shutil.copy(built[0], db)
    with duckdb.connect(str(db), read_only=True) as c:
        (baseline,) = rows(c, "select count(mql_at) from marts.fct_lead_funnel")[0]
        assert baseline == _expected_mqls(c, 60)
        expected = _expected_mqls(c, 80)
    assert expected < baseline
    result = CliRunner().invoke(
        cli,
        [
            "build",
            "--database",
            str(db),
            "--format",
            "json",
            "--select",
            "int_leads_lifecycle fct_lead_funnel",
            # A stricter MQL makes some leads SQL before MQL: the lifecycle-order suite
            # flags that on purpose. This test is about the MQL count, not the gate.
            "--skip-checks",
            "--vars",
            "{revops_overrides: {lifecycle: {mql: {qualifying_actions: {min_score: 80}}}}}",
        ],
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["ok"] is True
    with duckdb.connect(str(db), read_only=True) as c:
        assert rows(c, "select count(mql_at) from marts.fct_lead_funnel") == [(expected,)]
