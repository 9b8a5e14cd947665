"""What a what-if changes and reaches, worked out from the files: --set parsing against the
definitions, the models reading a definition (directly or through a macro), and names."""

from __future__ import annotations

from pathlib import Path

import pytest

from revops_cli.errors import ConfigError
from revops_cli.whatif import affected, dbt_vars, default_name, parse_sets, unit_tests

DEFS = {"slas": {"stagnation_days": 45, "lead_response_hours": 24}, "reporting_currency": "USD"}


def test_sets_become_nested_overrides_with_yaml_values() -> None:
    sets = ["slas.stagnation_days=30", "slas.lead_response_hours=4", "reporting_currency=EUR"]
    overrides = parse_sets(sets, DEFS)
    assert overrides == {
        "slas": {"stagnation_days": 30, "lead_response_hours": 4},
        "reporting_currency": "EUR",
    }
    assert dbt_vars(overrides).startswith("{revops_overrides: {")
    assert (
        default_name(overrides) == "stagnation_days-30_lead_response_hours-4_reporting_currency-EUR"
    )
    assert parse_sets(["slas.stagnation_days=[1, 2]"], DEFS) == {
        "slas": {"stagnation_days": [1, 2]}
    }


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            "slas.nope=1",
            "no definition slas.nope (under slas: lead_response_hours, stagnation_days)",
        ),
        ("nope=1", "no definition nope (under the top level: reporting_currency, slas)"),
        ("reporting_currency.x=1", "no definition reporting_currency.x"),
        ("slas.stagnation_days", "expected KEY=VALUE"),
        ("slas..x=1", "expected KEY=VALUE"),
        ("slas.stagnation_days=[1", "not YAML"),
    ],
)
def test_a_bad_set_is_refused(value: str, message: str) -> None:
    with pytest.raises(ConfigError, match="--set") as info:
        parse_sets([value], DEFS)
    assert message in str(info.value)


def test_reach_follows_definitions_through_macros_and_refs(tmp_path: Path) -> None:
    (tmp_path / "macros").mkdir()
    (tmp_path / "models").mkdir()
    (tmp_path / "macros" / "m.sql").write_text(
        "{% macro stale_days() %}{{ revops.definition('slas.stagnation_days') }}{% endmacro %}\n"
        "{% macro wrapper() %}{{ stale_days() }}{% endmacro %}\n"
        "{% macro other() %}{{ revops.definition('calendar') }}{% endmacro %}\n"
    )
    models = tmp_path / "models"
    (models / "a.sql").write_text("select {{ revops.wrapper() }} as x")
    (models / "b.sql").write_text("select * from {{ ref('a') }}")
    (models / "c.sql").write_text("select {{ revops.definition('slas') }} as whole")
    (models / "d.sql").write_text("select {{ other() }} from {{ ref('e') }}")
    (models / "e.sql").write_text("select 1")
    (models / "_m.yml").write_text(
        "unit_tests:\n  - {name: pins_a, model: a}\n  - {name: pins_e, model: e}\n"
    )
    reach = affected(tmp_path, {"slas": {"stagnation_days": 30}})
    assert reach.direct == ["a", "c"]
    assert reach.closure == {"a", "b", "c"}
    assert reach.selection == "a+ c+"
    assert unit_tests(tmp_path, reach.closure) == ["a::pins_a"]
    assert affected(tmp_path, {"reporting_currency": "EUR"}).direct == []
