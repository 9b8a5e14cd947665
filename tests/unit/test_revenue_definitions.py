"""The revenue definitions and the billing data they assume, without building anything."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import duckdb
import yaml

from revops_cli.generator import GenerationResult

PROJECT_DIR = Path(__file__).resolve().parents[2]


def _revops_vars() -> dict[str, object]:
    with (PROJECT_DIR / "dbt_project.yml").open() as fh:
        return yaml.safe_load(fh)["vars"]["revops"]  # type: ignore[no-any-return]


def test_health_weights_sum_to_one_and_colours_are_ordered() -> None:
    health = _revops_vars()["health"]
    assert isinstance(health, dict)
    assert sum(Decimal(str(w)) for w in health["weights"].values()) == 1
    colours = health["colours"]
    assert 0 < colours["yellow_min_score"] < colours["green_min_score"] <= 100
    for kind in ("first_response", "resolution"):
        assert set(health["support_sla_hours"][kind]) == {"low", "normal", "high", "urgent"}


def test_aging_buckets_ascend() -> None:
    bounds = _revops_vars()["collections"]["aging_bucket_upper_days"]  # type: ignore[index]
    assert bounds == sorted(bounds) and bounds[0] > 0


def test_demo_customers_bill_in_one_currency(small_db: tuple[Path, GenerationResult]) -> None:
    """fct_mrr handles a currency change (dbt unit test); the demo data never has one."""
    con = duckdb.connect(str(small_db[0]), read_only=True)
    try:
        (customers, changing) = con.execute(
            """with per_customer as (
                select c.customer_id, count(distinct x.currency_code) as currencies
                from raw_billing.customers as c
                join (
                    select customer_id, currency_code from raw_billing.customers
                    union all
                    select customer_id, currency_code from raw_billing.subscriptions
                    where subscription_id not like '%-X%'
                    union all
                    select s.customer_id, i.currency_code
                    from raw_billing.subscription_items as i
                    join raw_billing.subscriptions as s using (subscription_id)
                    where i.subscription_item_id not like '%-X%'
                ) as x using (customer_id)
                group by c.customer_id
            )
            select count(*), count(*) filter (where currencies > 1) from per_customer"""
        ).fetchone() or (0, 0)
    finally:
        con.close()
    assert customers > 0
    assert changing == 0
