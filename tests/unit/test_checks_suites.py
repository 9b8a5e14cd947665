"""The suite loader: good YAML in, specs out; every kind of mistake reported as file:line."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from revops_cli.checks.runner import load_project_suites
from revops_cli.checks.suites import SuiteError, load_suite
from revops_cli.errors import ConfigError
from revops_cli.project import Project

PROJECT_DIR = Path(__file__).resolve().parents[2]
VARIABLES = {"data_quality": {"lead_source_completeness_min": 0.95}}


def write(tmp_path: Path, text: str, name: str = "contacts.yml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip())
    return path


def load(path: Path, validate: bool = True) -> object:
    return load_suite(path, variables=VARIABLES, seeds_dir=PROJECT_DIR / "seeds", validate=validate)


GOOD = """
    # a comment
    model: stg_crm__contacts
    key: contact_id
    expectations:
      - name: email_is_valid
        expect: expect_column_values_to_match_regex
        column: email
        regex: '@'
        mostly: 0.99
      - expect: expect_column_values_to_not_be_null
        column: lead_source
        mostly: {var: data_quality.lead_source_completeness_min}
        severity: warn
        where: created_at > '2025-01-01'
      - expect: expect_column_values_to_be_in_set
        column: currency_code
        value_set: {seed: currencies, column: currency_code}
"""


def test_a_good_suite_loads_with_defaults_and_references(tmp_path: Path) -> None:
    suite = load_suite(write(tmp_path, GOOD), variables=VARIABLES, seeds_dir=PROJECT_DIR / "seeds")
    assert suite.name == "contacts"  # the file name
    assert suite.model == "stg_crm__contacts" and suite.query is None
    assert suite.key == ("contact_id",)
    first, second, third = suite.expectations
    assert (first.name, first.severity, first.dimension, first.line) == (
        "email_is_valid",
        "error",
        "validity",
        5,
    )
    assert first.mostly == 0.99 and first.columns == ("email",)
    assert second.name == "column_values_to_not_be_null(lead_source)"
    assert (second.severity, second.dimension, second.mostly) == ("warn", "completeness", 0.95)
    assert second.where == "created_at > '2025-01-01'"
    assert {"USD", "EUR", "GBP"} <= set(third.kwargs["value_set"])


def test_the_shipped_suites_all_load() -> None:
    project = Project.resolve(project_dir=PROJECT_DIR)
    suites = load_project_suites(project)
    names = {s.name for s in suites}
    assert {"stg_crm__contacts", "reconciliation", "raw_sources", "fct_mrr"} <= names
    contacts = next(s for s in suites if s.name == "stg_crm__contacts")
    lead = next(e for e in contacts.expectations if e.name == "lead_source_present")
    assert lead.mostly == 0.95  # from vars.revops.data_quality in dbt_project.yml


def test_what_if_overrides_reach_the_thresholds() -> None:
    # revops_overrides, as `revops build --vars` takes it, moves the suites as it moves dbt.
    project = Project.resolve(project_dir=PROJECT_DIR)
    suites = load_project_suites(
        project,
        dbt_vars="{revops_overrides: {data_quality: {lead_source_completeness_min: 0.5}}}",
    )
    contacts = next(s for s in suites if s.name == "stg_crm__contacts")
    assert next(e for e in contacts.expectations if e.name == "lead_source_present").mostly == 0.5


def test_the_whole_definitions_var_is_refused_as_build_refuses_it() -> None:
    project = Project.resolve(project_dir=PROJECT_DIR)
    with pytest.raises(ConfigError, match="revops_overrides"):
        load_project_suites(
            project, dbt_vars="{revops: {data_quality: {lead_source_completeness_min: 0.5}}}"
        )


MISTAKES = [
    pytest.param(
        """
        model: x
        expectations:
          - expect: expect_column_values_to_not_be_null
            column: [a
        """,
        4,
        "not valid YAML",
        id="yaml-syntax",
    ),
    pytest.param(
        """
        model: x
        modle: y
        expectations: []
        """,
        2,
        "unknown suite key 'modle'",
        id="unknown-key",
    ),
    pytest.param(
        """
        model: x
        query: select 1
        expectations:
          - expect: expect_table_row_count_to_equal
            value: 1
        """,
        1,
        "exactly one of 'model' or 'query'",
        id="model-and-query",
    ),
    pytest.param(
        """
        model: x
        expectations:
          - column: a
        """,
        3,
        "'expect' names a GX expectation",
        id="no-expect",
    ),
    pytest.param(
        """
        model: x
        expectations:
          - expect: expect_column_values_to_not_be_null
            column: a
          - expect: expect_column_values_to_be_betwen
            column: a
            min_value: 0
        """,
        5,
        "did you mean 'expect_column_values_to_be_between'",
        id="unknown-expectation",
    ),
    pytest.param(
        """
        model: x
        expectations:
          - expect: expect_column_values_to_be_between
            column: a
            min_vale: 0
        """,
        3,
        "min_vale: extra fields not permitted",
        id="wrong-argument",
    ),
    pytest.param(
        """
        model: x
        expectations:
          - expect: expect_column_values_to_not_be_null
            column: a
            mostly: 1.5
        """,
        3,
        "mostly",
        id="mostly-out-of-range",
    ),
    pytest.param(
        """
        model: x
        expectations:
          - expect: expect_column_values_to_not_be_null
            column: a
            severity: fatal
        """,
        5,
        "'severity' is error or warn",
        id="severity",
    ),
    pytest.param(
        """
        model: x
        expectations:
          - expect: expect_column_values_to_not_be_null
            column: a
            mostly: {var: data_quality.nope}
        """,
        5,
        "vars.revops.data_quality.nope is not set",
        id="missing-var",
    ),
    pytest.param(
        """
        model: x
        expectations:
          - expect: expect_column_values_to_be_in_set
            column: a
            value_set: {seed: currencies, column: code}
        """,
        5,
        "seed 'currencies' has no column 'code'",
        id="seed-column",
    ),
    pytest.param(
        """
        model: x
        expectations:
          - expect: expect_column_values_to_not_be_null
            column: a
            where: "a = = 1"
        """,
        5,
        "'where' is not a SQL condition",
        id="where",
    ),
    pytest.param(
        """
        query: |
          select a,
            from
          where
        expectations:
          - expect: expect_table_row_count_to_equal
            value: 1
        """,
        4,
        "'query': not valid SQL: Expected table name but got 'where'",
        id="query-sql",
    ),
    pytest.param(
        """
        query: |
          select * from {{ ref('x') }
        expectations:
          - expect: expect_table_row_count_to_equal
            value: 1
        """,
        2,
        "'query': Jinja",
        id="query-jinja",
    ),
    pytest.param(
        """
        model: x
        model: y
        expectations: []
        """,
        2,
        "duplicate key 'model'",
        id="duplicate-key",
    ),
    pytest.param(
        """
        model: x
        expectations:
          - name: same
            expect: expect_column_values_to_not_be_null
            column: a
          - name: same
            expect: expect_column_values_to_not_be_null
            column: b
        """,
        6,
        "expectation name 'same' is used twice (line 3)",
        id="duplicate-name",
    ),
    pytest.param(
        """
        model: x
        expectations: {}
        """,
        2,
        "'expectations' is a list",
        id="expectations-not-a-list",
    ),
]


@pytest.mark.parametrize(("text", "line", "message"), MISTAKES)
def test_each_mistake_is_reported_at_its_line(
    tmp_path: Path, text: str, line: int, message: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(SuiteError) as caught:
        load(path)
    assert caught.value.line == line, str(caught.value)
    assert message in caught.value.message, str(caught.value)
    assert str(caught.value).startswith(f"{path}:{line}: ")
