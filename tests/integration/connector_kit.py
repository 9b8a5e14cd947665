"""What the connector tests share: load a hand-written fixture, build with a
revops_sources mapping, read kpi_monthly, and compare a connector-shaped build with the
canonical one (the parity tests), with the gaps a connector is allowed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
import pytest
from click.testing import CliRunner

from revops_cli.cli import cli

PROJECT_DIR = Path(__file__).resolve().parents[2]
FIXTURES = PROJECT_DIR / "tests" / "fixtures" / "connectors"

#: Metrics a connector cannot reproduce, by the field it lacks (docs/connectors.md).
HUBSPOT_MQL_GAP = dict.fromkeys(
    (
        "mqls", "lead_to_mql", "attributed_mqls", "cost_per_mql", "mql_to_sal", "mql_to_sql",
        "mql_to_won_funnel", "mql_rejections", "mql_rejection_rate",
        "median_mql_response_hours", "mql_response_sla_compliance",
    ),
    "HubSpot: no page views (the pricing page is a qualifying action) and a contact's "
    "company size as a range (numemployees)",
)  # fmt: skip
HUBSPOT_CLOSEDATE_GAP = dict.fromkeys(
    ("forecast_bookings", "forecast_accuracy", "pipeline_coverage"),
    "HubSpot: one closedate, the expected date until the deal closes, then the close date",
)
HUBSPOT_QUOTA_GAP = {"sales_quota": "HubSpot: owners have no quota"}
STRIPE_ITEM_GAP = dict.fromkeys(
    (
        "mrr", "arr", "arpa", "starting_mrr", "new_mrr", "expansion_mrr", "contraction_mrr",
        "churned_mrr", "reactivation_mrr", "mrr_growth", "nrr", "grr", "ltv",
        "cac_payback_months",
    ),
    "Stripe: a subscription item's current price and quantity only (no item history)",
)  # fmt: skip
SALESFORCE_MQL_GAP = dict.fromkeys(
    HUBSPOT_MQL_GAP,
    "Salesforce: no form fills or page views (the qualifying actions of an MQL) and no "
    "rejection reasons",
)
SALESFORCE_CONTACT_GAP = dict.fromkeys(
    (
        "attributed_opportunities", "cost_per_qualified_opportunity", "lead_to_customer",
        "opportunity_to_won",
    ),
    "Salesforce: an opportunity's lead is the one converted into it (contact roles are not "
    "read), so a second deal of a lead, or one opened before the lead converted, has none",
)  # fmt: skip
SALESFORCE_CLOSEDATE_GAP = dict.fromkeys(
    HUBSPOT_CLOSEDATE_GAP,
    "Salesforce: one close date, the expected date until the deal closes, then the close date",
)
SALESFORCE_QUOTA_GAP = {"sales_quota": "Salesforce: forecast quotas are not on the user"}
ZENDESK_CSAT_GAP = dict.fromkeys(
    ("health_score", "accounts_at_risk", "accounts_turned_worse"),
    "Zendesk: CSAT is good (5) or bad (1), not a 1-5 survey (the health score reads it)",
)
ONE_ROW_PER_RECORD_GAP = dict.fromkeys(
    ("raw_rows", "rejected_rows", "rejected_row_rate", "rejections"),
    "a connector keeps one current row per record: no older copies or rows without a key",
)


def load(db: Path, *fixtures: str) -> None:
    """Run tests/fixtures/connectors/<name>.sql into ``db``."""
    with duckdb.connect(str(db)) as con:
        for name in fixtures:
            con.execute((FIXTURES / f"{name}.sql").read_text())


def build(db: Path, sources: str) -> tuple[int, dict[str, Any]]:
    """`revops build --format json` with ``revops_sources: {<sources>}``."""
    result = CliRunner().invoke(
        cli,
        [
            "build",
            "--database",
            str(db),
            "--vars",
            f"{{revops_sources: {{{sources}}}}}",
            "--format",
            "json",
            # A connector's known gaps fail some expectations on purpose (may_fail): the
            # parity test reads the build whatever the gate says.
            "--force-publish",
        ],
    )
    assert result.stdout.lstrip().startswith("{"), result.output
    return result.exit_code, json.loads(result.stdout)


def rows(db: Path, sql: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def monthly(db: Path, *columns: str) -> dict[str, tuple[Any, ...]]:
    """kpi_monthly's ``columns`` by month ('2026-01')."""
    found = rows(
        db,
        f"select strftime(month_start_date, '%Y-%m'), {', '.join(columns)} "
        "from metrics.kpi_monthly order by 1",
    )
    return {r[0]: tuple(r[1:]) for r in found}


def kpi_differences(canonical: Path, shaped: Path) -> tuple[list[str], set[str]]:
    """Every kpi_monthly metric, and those whose value differs in some month between the
    canonical build and a connector-shaped build of the same business."""
    columns = [
        c
        for (c,) in rows(
            canonical,
            "select column_name from information_schema.columns where table_schema = "
            "'metrics' and table_name = 'kpi_monthly' and column_name not in "
            "('month_start_date', 'is_partial_period') order by ordinal_position",
        )
    ]
    before, after = monthly(canonical, *columns), monthly(shaped, *columns)
    assert before.keys() == after.keys()

    def same(x: Any, y: Any) -> bool:
        if x is None or y is None:
            return x is y
        return bool(x == pytest.approx(y, rel=1e-9, abs=1e-9))

    differ = {
        c for i, c in enumerate(columns) for m in before if not same(before[m][i], after[m][i])
    }
    return columns, differ


def assert_parity(
    canonical: Path,
    shaped: Path,
    sources: str,
    *,
    gaps: dict[str, str],
    exact: tuple[str, ...],
    at_least_equal: int,
    may_fail: frozenset[str] = frozenset(),
) -> None:
    """Build ``shaped`` (the business in a connector's shape) with ``sources`` and hold its
    kpi_monthly to the canonical build's: every metric equal, month by month, except the
    ``gaps`` (each with the field the connector lacks); the ``exact`` sample never among
    them; at least ``at_least_equal`` metrics equal. Only ``may_fail`` expectations fail."""
    code, summary = build(shaped, sources)
    assert summary["failed"] == []
    assert code in (0, 1)
    failing = {
        r["expectation"] for r in summary["checks"]["results"] if r["status"] in ("fail", "error")
    }
    assert failing <= may_fail, failing
    columns, differ = kpi_differences(canonical, shaped)
    assert differ <= set(gaps), sorted(differ - set(gaps))
    assert set(exact) <= set(columns)  # the sample names real metrics
    assert not differ & set(exact)
    assert len(columns) - len(differ) >= at_least_equal
