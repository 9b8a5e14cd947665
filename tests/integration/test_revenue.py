"""Revenue, collections, retention and health marts, held to the generator's ground truth.

One `revops build` of the revenue marts and everything upstream, on the session's small
business; every assertion then compares a mart with `truth.*` or with an independent
computation written here (Python Decimal arithmetic and the seed CSV, never the models' SQL).
"""

from __future__ import annotations

import csv
import json
import shutil
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml
from click.testing import CliRunner

from revops_cli.cli import cli
from revops_cli.generator import GenerationResult

pytestmark = pytest.mark.integration

PROJECT_DIR = Path(__file__).resolve().parents[2]
SELECT = (
    "+path:models/marts/revenue +path:models/marts/retention +path:models/marts/health "
    "+dim_accounts +fct_unmatched_account_records"
)
CENT = Decimal("0.01")


@pytest.fixture(scope="module")
def built(
    small_db: tuple[Path, GenerationResult],
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, dict[str, Any]]:
    """The small business with the revenue marts built once (one dbt invocation)."""
    db = tmp_path_factory.mktemp("revenue") / "revops.duckdb"
    shutil.copy(small_db[0], db)
    with pytest.MonkeyPatch.context() as mp:
        # Only tests whose every parent is selected: other areas' marts are not built here.
        mp.setenv("DBT_INDIRECT_SELECTION", "cautious")
        result = CliRunner().invoke(
            cli,
            [
                "build",
                "--database",
                str(db),
                "--select",
                SELECT,
                "--skip-checks",
                "--format",
                "json",
            ],
        )
    assert result.exit_code == 0, result.output
    return db, json.loads(result.stdout)


@pytest.fixture()
def con(built: tuple[Path, dict[str, Any]]) -> Iterator[duckdb.DuckDBPyConnection]:
    c = duckdb.connect(str(built[0]), read_only=True)
    yield c
    c.close()


def rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple[Any, ...]]:
    return con.execute(sql).fetchall()


def rates_from_seed() -> dict[tuple[str, date], Decimal]:
    """USD per unit by (currency, month), read from the seed file itself."""
    with (PROJECT_DIR / "seeds" / "currency_rates.csv").open(newline="") as fh:
        return {
            (r["currency_code"], date.fromisoformat(r["rate_month"])): Decimal(r["usd_per_unit"])
            for r in csv.DictReader(fh)
        }


def truth_movements(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, date], str]:
    """ChartMogul movement per customer-month, derived from truth.customer_mrr alone."""
    out: dict[tuple[str, date], str] = {}
    history: dict[str, list[tuple[date, Decimal]]] = defaultdict(list)
    for customer, month, mrr in rows(
        con, "select customer_id, month, mrr_amount from truth.customer_mrr order by all"
    ):
        history[customer].append((month, mrr))
    for customer, months in history.items():
        previous, paid_before = Decimal(0), False
        for month, mrr in months:
            if previous == 0 and mrr > 0:
                kind = "reactivation" if paid_before else "new"
            elif previous > 0 and mrr == 0:
                kind = "churn"
            elif previous > 0 and mrr > previous:
                kind = "expansion"
            elif previous > 0 and 0 < mrr < previous:
                kind = "contraction"
            else:
                kind = "none"
            out[(customer, month)] = kind
            paid_before = paid_before or mrr > 0
            previous = mrr
    return out


def test_the_build_passes_with_every_unit_test(built: tuple[Path, dict[str, Any]]) -> None:
    _, summary = built
    assert summary["failed"] == []
    # the revenue area's five and the validation layer's two upstream of it
    assert summary["nodes"]["unit_test"] == {"pass": 7}
    assert summary["nodes"]["model"]["success"] >= 30
    assert set(summary["nodes"]["test"]) == {"pass"}


def test_mrr_per_customer_month_equals_the_truth(con: duckdb.DuckDBPyConnection) -> None:
    mismatches = rows(
        con,
        """select coalesce(t.customer_id, f.customer_id), coalesce(t.month, f.month_start_date),
            t.mrr_amount, f.mrr_amount
        from truth.customer_mrr as t
        full join marts.fct_mrr as f
            on t.customer_id = f.customer_id and t.month = f.month_start_date
        where t.mrr_amount is distinct from f.mrr_amount
            or t.currency_code is distinct from f.currency_code""",
    )
    assert mismatches == []
    assert rows(con, "select count(*) from marts.fct_mrr") == rows(
        con, "select count(*) from truth.customer_mrr"
    )
    assert rows(con, "select sum(arr_amount) - 12 * sum(mrr_amount) from marts.fct_mrr") == [(0,)]


def test_movements_and_churned_and_reactivated_customers_per_month(
    con: duckdb.DuckDBPyConnection,
) -> None:
    expected = truth_movements(con)
    got = {
        (c, m): k
        for c, m, k in rows(
            con, "select customer_id, month_start_date, movement_type from marts.fct_mrr"
        )
    }
    assert got == expected
    per_month = Counter((m, k) for (_, m), k in expected.items() if k != "none")
    assert sum(n for (_, k), n in per_month.items() if k == "new") == len({c for c, _ in expected})
    assert sum(n for (_, k), n in per_month.items() if k == "churn") == 3
    found = Counter(
        {
            (m, k): n
            for m, k, n in rows(
                con,
                """select month_start_date, movement_type, count(*) from marts.fct_mrr
                where movement_type <> 'none' group by all""",
            )
        }
    )
    assert found == per_month


def test_reporting_currency_mrr_is_converted_at_the_seed_rate_and_reconciles(
    con: duckdb.DuckDBPyConnection,
) -> None:
    rates = rates_from_seed()
    fct = {
        (c, m): (cur, start, end, fx)
        for c, m, cur, start, end, fx in rows(
            con,
            """select customer_id, month_start_date, currency_code, starting_mrr_reporting,
                ending_mrr_reporting, fx_adjustment_reporting from marts.fct_mrr""",
        )
    }
    previous: dict[str, tuple[Decimal, date, str]] = {}
    fx_total = Decimal(0)
    for customer, month, currency, mrr in rows(
        con,
        "select customer_id, month, currency_code, mrr_amount from truth.customer_mrr "
        "order by customer_id, month",
    ):
        rate = rates[(currency, month)] / rates[("USD", month)]
        ending = (mrr * rate).quantize(CENT, rounding=ROUND_HALF_UP)
        got_currency, start, end, fx = fct[(customer, month)]
        assert (got_currency, end) == (currency, ending), (customer, month)
        if customer in previous:
            last_mrr, last_month, last_currency = previous[customer]
            last_rate = rates[(last_currency, last_month)] / rates[("USD", last_month)]
            assert start == (last_mrr * last_rate).quantize(CENT, rounding=ROUND_HALF_UP)
            revalued = (last_mrr * rate).quantize(CENT, rounding=ROUND_HALF_UP)
            assert fx == revalued - start, (customer, month)
        fx_total += fx
        previous[customer] = (mrr, month, currency)
    assert fx_total != 0  # EUR, GBP ... rates move month to month in the seed
    assert rows(
        con,
        """select count(*) from marts.fct_mrr
        where starting_mrr_reporting + new_mrr_reporting + expansion_mrr_reporting
            + reactivation_mrr_reporting - contraction_mrr_reporting - churned_mrr_reporting
            + fx_adjustment_reporting <> ending_mrr_reporting""",
    ) == [(0,)]


def test_demo_customers_never_change_currency(con: duckdb.DuckDBPyConnection) -> None:
    assert rows(con, "select count(*) from marts.fct_mrr where is_currency_change") == [(0,)]


def test_invoiced_collected_and_refunded_per_month_equal_the_truth(
    con: duckdb.DuckDBPyConnection,
) -> None:
    truth = rows(
        con,
        """select month, currency_code, invoiced_amount, collected_amount, refunded_amount
        from truth.cash_monthly order by all""",
    )
    invoiced = dict(
        ((m, c), a)
        for m, c, a in rows(
            con,
            """select issued_month_start_date, currency_code, sum(due_amount)
            from marts.fct_invoices group by all""",
        )
    )
    collected = dict(
        ((m, c), a)
        for m, c, a in rows(
            con,
            """select attempted_month_start_date, currency_code, sum(gross_collected_amount)
            from marts.fct_payments group by all having sum(gross_collected_amount) > 0""",
        )
    )
    refunded = dict(
        ((m, c), a)
        for m, c, a in rows(
            con,
            """select cast(date_trunc('month', refunded_date) as date), currency_code,
                sum(refunded_amount)
            from marts.fct_payments where is_refunded group by all""",
        )
    )
    assert invoiced == {(m, c): i for m, c, i, _, _ in truth if i}
    assert collected == {(m, c): k for m, c, _, k, _ in truth if k}
    assert refunded == {(m, c): r for m, c, _, _, r in truth if r}


def test_receivables_are_invoiced_less_net_collected_less_written_off(
    con: duckdb.DuckDBPyConnection,
) -> None:
    """Receivables = invoiced - (collected - refunded) - written off: a refund leaves its
    invoice to collect again (the generator pays each invoice once, in full, so nothing is
    overpaid), and an invoice marked uncollectible or unpaid write_off_after_days past due
    leaves receivables as bad debt. Per currency, from the generator's truth for the cash and
    from the billing rows for what the policy writes off."""
    from revops_cli.definitions import load_definitions

    days = int(load_definitions(PROJECT_DIR)["collections"]["write_off_after_days"])
    truth = dict(
        rows(
            con,
            """select currency_code,
                sum(invoiced_amount) - sum(collected_amount) + sum(refunded_amount)
            from truth.cash_monthly group by all""",
        )
    )
    written_off = dict(
        rows(
            con,
            f"""with unpaid as (
                select i.invoice_id, i.currency_code, i.status, cast(i.due_at as date) as due,
                    i.due_amount - coalesce(sum(p.amount) filter (where p.status = 'succeeded'), 0)
                        as unpaid
                from staging.stg_billing__invoices as i
                left join staging.stg_billing__payments as p using (invoice_id)
                where i.status <> 'void'
                group by i.invoice_id, i.currency_code, i.status, i.due_at, i.due_amount
            )
            select currency_code, sum(unpaid) from unpaid
            cross join intermediate.int_revenue_as_of as a
            where unpaid > 0
              and (status = 'uncollectible' or due + interval {days} day <= a.last_closed_date)
            group by all""",
        )
    )
    assert sum(written_off.values()) > 0
    want = {c: v - written_off.get(c, 0) for c, v in truth.items() if v - written_off.get(c, 0)}
    invoices = dict(
        rows(
            con,
            """select currency_code, sum(outstanding_amount) from marts.fct_invoices
            group by all having sum(outstanding_amount) > 0""",
        )
    )
    aged_last_day = dict(
        rows(
            con,
            """select currency_code, sum(outstanding_amount) from marts.fct_invoice_aging
            where as_of_date = (select max(as_of_date) from marts.fct_invoice_aging)
            group by all""",
        )
    )
    bad_debt = dict(
        rows(
            con,
            """select currency_code, sum(written_off_amount) from marts.fct_invoices
            where is_written_off group by all""",
        )
    )
    assert invoices == want
    assert aged_last_day == want
    assert bad_debt == written_off


def test_reconciliation_totals_and_links_match_the_truth(con: duckdb.DuckDBPyConnection) -> None:
    # Every won deal is a row, linked to the customer the generator billed it to.
    assert rows(
        con,
        """select t.opportunity_id, c.customer_id from truth.leads as t
        left join staging.stg_billing__customers as c on t.customer_id = c.customer_id
        where t.won_at is not null order by 1""",
    ) == rows(
        con,
        """select opportunity_id, customer_id from marts.fct_revenue_reconciliation
        order by 1""",
    )
    # Won deals per month, from the truth's won_at.
    assert rows(
        con,
        """select cast(date_trunc('month', won_at) as date), count(*) from truth.leads
        where won_at is not null group by all order by 1""",
    ) == rows(
        con,
        """select won_month_start_date, count(*) from marts.fct_revenue_reconciliation
        group by all order by 1""",
    )
    # All invoiced, collected and refunded money reaches a won deal.
    assert rows(
        con,
        """select currency_code, sum(invoiced_amount), sum(collected_amount),
            sum(refunded_amount)
        from truth.cash_monthly group by all order by 1""",
    ) == rows(
        con,
        """select currency_code, sum(invoiced_amount), sum(gross_collected_amount),
            sum(refunded_amount)
        from marts.fct_revenue_reconciliation where invoice_count > 0 group by all order by 1""",
    )
    # Both waterfalls close on every row.
    assert rows(
        con,
        """select count(*) from marts.fct_revenue_reconciliation
        where booked_amount <> invoiced_in_term_amount + never_invoiced_amount
                + not_yet_invoiced_amount + invoiced_less_than_booked_amount
            or invoiced_amount <> net_collected_amount + unpaid_amount
                + failed_payment_amount + refunded_amount
            or invoiced_amount <> invoiced_in_term_amount + invoiced_after_term_amount""",
    ) == [(0,)]
    # Won deals the generator never billed are exactly the never-invoiced ones.
    assert rows(
        con,
        """select count(*) from truth.leads as t
        left join staging.stg_billing__customers as c on t.customer_id = c.customer_id
        where t.won_at is not null and c.customer_id is null""",
    ) == rows(
        con,
        """select count(*) from marts.fct_revenue_reconciliation
        where gap_cause = 'never_invoiced'""",
    )


def test_accounts_are_matched_to_the_generators_accounts(con: duckdb.DuckDBPyConnection) -> None:
    # The generator gives customer C<n> the CRM account A<n>.
    matched = rows(
        con,
        """select customer_id, account_id, match_method from marts.dim_accounts
        join intermediate.int_billing_customers_matched using (account_id)""",
    )
    assert matched
    for customer, account, method in matched:
        if method == "unmatched":
            assert account == f"billing:{customer}"
        else:
            assert account == "A" + customer[1:], (customer, method)
    unmatched_listed = rows(
        con,
        """select count(*) from marts.fct_unmatched_account_records
        where source_table = 'customers'""",
    )
    assert unmatched_listed == [(sum(1 for *_, m in matched if m == "unmatched"),)]
    assert rows(
        con,
        """select count(*) from marts.dim_accounts where lifecycle_status = 'customer'""",
    ) == rows(
        con,
        """select count(*) from truth.customer_mrr
        where month = (select max(month) from truth.customer_mrr) and mrr_amount > 0""",
    )


def test_cross_system_conflicts_find_what_the_generator_planted(
    con: duckdb.DuckDBPyConnection,
) -> None:
    found = dict(
        rows(con, "select conflict_type, count(*) from marts.fct_cross_system_conflicts group by 1")
    )
    # Win-back nurture clicks after a churn (the generator's touch ids end in -90).
    (winback,) = rows(con, "select count(*) from raw_marketing.touches where touch_id like '%-90'")[
        0
    ]
    assert found.get("marketing_touch_after_churn", 0) == winback
    # Duplicate CRM leads of people whose company pays at the last month.
    (duplicates,) = rows(
        con,
        """select count(*) from raw_crm.contacts as d
        join truth.leads as l on d.contact_id = l.contact_id || 'D'
        join truth.customer_mrr as m on l.customer_id = m.customer_id
        where m.month = (select max(month) from truth.customer_mrr) and m.mrr_amount > 0""",
    )[0]
    assert duplicates > 0
    assert found.get("paying_customer_marked_as_lead", 0) == duplicates
    assert "invoice_without_won_opportunity" not in found


def test_health_score_is_the_documented_weighted_sum(con: duckdb.DuckDBPyConnection) -> None:
    with (PROJECT_DIR / "dbt_project.yml").open() as fh:
        health = yaml.safe_load(fh)["vars"]["revops"]["health"]
    weights = health["weights"]
    assert sum(Decimal(str(w)) for w in weights.values()) == 1
    previous: dict[str, str] = {}
    changes = 0
    for account, usage, support, csat, payment, score, colour, change in rows(
        con,
        """select account_id, usage_trend_score, support_load_score, csat_score,
            payment_issues_score, health_score, health_colour, is_colour_change
        from marts.fct_account_health order by account_id, week_start_date""",
    ):
        weighted = (
            weights["usage_trend"] * usage
            + weights["support_load"] * support
            + weights["csat"] * csat
            + weights["payment_issues"] * payment
        )
        assert abs(score - weighted) <= 0.05 + 1e-9, account
        want = (
            "green"
            if score >= health["colours"]["green_min_score"]
            else "yellow"
            if score >= health["colours"]["yellow_min_score"]
            else "red"
        )
        assert colour == want
        assert change == (account in previous and previous[account] != colour)
        changes += change
        previous[account] = colour
    assert changes > 0


def test_support_sla_is_measured_from_the_raw_timestamps(con: duckdb.DuckDBPyConnection) -> None:
    with (PROJECT_DIR / "dbt_project.yml").open() as fh:
        sla = yaml.safe_load(fh)["vars"]["revops"]["health"]["support_sla_hours"]
    checked = 0
    for priority, opened, first, met in rows(
        con,
        """select t.priority, try_cast(r.opened_at as timestamptz),
            try_cast(r.first_response_at as timestamptz), t.is_first_response_sla_met
        from marts.fct_support_tickets as t
        join raw_support.tickets as r using (ticket_id)
        where r.first_response_at is not null""",
    ):
        assert met == ((first - opened).total_seconds() <= sla["first_response"][priority] * 3600)
        checked += 1
    assert checked > 50
