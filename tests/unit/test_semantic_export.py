"""The Semantic Layer export, metric type by metric type: the YAML MetricFlow reads.

MetricFlow itself checks the numbers (make test-metricflow); these pin the shapes that make
them equal to revops query, one case per mistake the first export made."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from revops_cli.metrics.catalog import load_catalog
from revops_cli.metrics.semantic import guarded, semantic_layer

PROJECT_DIR = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def export() -> dict[str, Any]:
    files = semantic_layer(load_catalog(PROJECT_DIR))
    return {
        "metrics": {m["name"]: m for m in yaml.safe_load(files["metrics.yml"])["metrics"]},
        "models": {
            m["name"]: m for m in yaml.safe_load(files["semantic_models.yml"])["semantic_models"]
        },
        "header": files["metrics.yml"].split("metrics:\n", 1)[0],
    }


def test_a_flow_fills_empty_periods_and_drops_rows_without_a_time(
    export: dict[str, Any],
) -> None:
    leads = export["metrics"]["leads"]
    assert leads["type_params"]["measure"] == {
        "name": "leads",
        "fill_nulls_with": 0,
        "join_to_timespine": True,
    }
    assert leads["filter"] == "{{ TimeDimension('lead_id__created_at', 'day') }} is not null"


def test_a_balance_is_not_filled(export: dict[str, Any]) -> None:
    # A balance with no snapshot in the period is null in revops, not 0.
    assert export["metrics"]["mrr"]["type_params"]["measure"] == {"name": "mrr"}
    [measure] = [m for m in export["models"]["fct_mrr"]["measures"] if m["name"] == "mrr"]
    assert measure["non_additive_dimension"] == {
        "name": "month_start_date",
        "window_choice": "max",
    }


def test_a_bare_column_filter_is_a_dimension_reference(export: dict[str, Any]) -> None:
    numerator = export["metrics"]["data_completeness"]["type_params"]["numerator"]
    assert numerator["filter"] == "{{ Dimension('lead_id__has_lead_source') }}"


def test_a_ratio_of_one_metric_filtered_two_ways_has_an_alias(export: dict[str, Any]) -> None:
    params = export["metrics"]["mql_rejection_rate"]["type_params"]
    assert params["numerator"]["name"] == params["denominator"]["name"] == "mqls"
    assert params["numerator"]["alias"] == "mql_rejection_rate_numerator"
    assert "alias" not in params["denominator"]


def test_a_running_total_is_read_at_the_periods_end(export: dict[str, Any]) -> None:
    params = export["metrics"]["bookings_trailing_12m"]["type_params"]
    assert params["cumulative_type_params"] == {"window": "12 months", "period_agg": "last"}
    assert params["measure"]["fill_nulls_with"] == 0


def test_derived_divisions_are_guarded(export: dict[str, Any]) -> None:
    expr = export["metrics"]["cac_payback_months"]["type_params"]["expr"]
    assert expr == "cac / NULLIF((new_mrr / NULLIF(new_customers, 0)), 0)"
    assert guarded("a / 12") == "a / 12"  # a non-zero literal needs no guard
    assert guarded("a / b / c") == "a / NULLIF(b, 0) / NULLIF(c, 0)"


def test_a_conversion_with_no_conversions_reads_zero(export: dict[str, Any]) -> None:
    params = export["metrics"]["mql_to_sql"]["type_params"]["conversion_type_params"]
    assert params["conversion_measure"]["fill_nulls_with"] == 0
    # an event without a time is not an event: totals without metric_time stay right
    measures = {m["name"]: m for m in export["models"]["fct_lead_funnel"]["measures"]}
    assert measures["mql_to_sql_base_events"]["expr"] == (
        "CASE WHEN NOT mql_at IS NULL THEN lead_id END"
    )
    assert params["entity"] == "lead_id"
    assert params["window"].endswith("days")


def test_every_catalog_dimension_is_exported(export: dict[str, Any]) -> None:
    catalog = load_catalog(PROJECT_DIR)
    for name, metric in export["metrics"].items():
        if metric["type"] != "simple" or name not in catalog.metrics:  # a funnel's helpers
            continue
        model = catalog.metrics[name].model  # type: ignore[union-attr]
        sm = export["models"][model]
        exported = {d["name"] for d in sm["dimensions"]} | {
            e["name"] for e in sm["entities"] if e["type"] == "foreign"
        }
        assert set(catalog.dimensions(catalog.metrics[name])) <= exported, name


def test_what_is_not_exported_is_listed_with_its_reason(export: dict[str, Any]) -> None:
    catalog = load_catalog(PROJECT_DIR)
    listed = {
        line.split(":")[0].strip("# ")
        for line in export["header"].splitlines()
        if line.startswith("#   ")
    }
    assert listed == set(catalog.metrics) - set(export["metrics"])
    assert "#   sales_quota: no time column" in export["header"]


def test_the_spine_carries_the_fiscal_periods() -> None:
    files = semantic_layer(load_catalog(PROJECT_DIR))
    [spine] = yaml.safe_load(files["_metricflow_time_spine.yml"])["models"]
    assert spine["time_spine"]["custom_granularities"] == [
        {"name": "fiscal_quarter", "column_name": "fiscal_quarter_start_date"},
        {"name": "fiscal_year", "column_name": "fiscal_year_start_date"},
    ]
    sql = files["metricflow_time_spine.sql"]
    assert "min(date_day) over (partition by fiscal_year, fiscal_quarter)" in sql


def test_conversion_steps_keep_their_time_of_day(export: dict[str, Any]) -> None:
    # A window of 30 days is 30 x 24 hours in revops: an SQL 29.5 days after its MQL but on
    # calendar day 30 is in, one the same day but 3 hours before is out. MetricFlow checks the
    # window at the time dimension's granularity, so the steps' timestamps are seconds.
    grains = {
        d["name"]: d["type_params"]["time_granularity"]
        for d in export["models"]["fct_lead_funnel"]["dimensions"]
        if d["type"] == "time"
    }
    assert grains["mql_at"] == grains["sql_at"] == "second"
    # A running total's time stays a day: the spine MetricFlow joins it to is one row a day.
    bookings = export["models"]["fct_opportunities"]["dimensions"]
    assert {
        d["name"]: d["type_params"]["time_granularity"] for d in bookings if d["type"] == "time"
    }["closed_at"] == "day"


def test_a_funnel_on_one_row_per_lead_is_a_ratio_of_two_counts(export: dict[str, Any]) -> None:
    funnel = export["metrics"]["mql_to_won_funnel"]
    assert funnel["type"] == "ratio"
    assert funnel["type_params"] == {
        "numerator": {"name": "mql_to_won_funnel_converted"},
        "denominator": {"name": "mql_to_won_funnel_cohort"},
    }
    measures = {m["name"]: m for m in export["models"]["fct_lead_funnel"]["measures"]}
    converted = measures["mql_to_won_funnel_converted"]
    assert converted["agg"] == "count_distinct"
    assert converted["agg_time_dimension"] == "mql_at"
    # every later step at or after the one before, and within 180 days of the MQL
    for before, step in (("mql_at", "sal_at"), ("sal_at", "sql_at"), ("opportunity_at", "won_at")):
        assert f"{step} >= {before}" in converted["expr"]
        assert f"{step} <= mql_at + INTERVAL '180' DAY" in converted["expr"]
    assert measures["mql_to_won_funnel_cohort"]["expr"] == (
        "CASE WHEN NOT mql_at IS NULL THEN lead_id END"
    )


def test_a_dimension_read_from_two_models_is_a_shared_entity(export: dict[str, Any]) -> None:
    # pipeline_velocity reads fct_pipeline_daily and fct_opportunities, both by owner_id:
    # MetricFlow groups both inputs by it only through an entity they share.
    for model in ("fct_pipeline_daily", "fct_opportunities", "fct_lead_funnel"):
        sm = export["models"][model]
        assert {"name": "owner_id", "type": "foreign", "expr": "owner_id"} in sm["entities"]
        assert "owner_id" not in {d["name"] for d in sm["dimensions"]}
    # a dimension of one model stays a dimension
    assert "lead_source" in {d["name"] for d in export["models"]["fct_lead_funnel"]["dimensions"]}
