"""The injection guard: a filter is one expression over allowed columns, nothing else."""

from __future__ import annotations

import pytest

from revops_cli.metrics.guard import UnsafeExpression, parse_expression

COLUMNS = ["lead_source", "amount", "is_fit", "created_at"]
FUNCTIONS = "abs, ceil, coalesce, floor, greatest, least, length, lower, nullif, round, trim, upper"

HOSTILE = [
    ("1=1; drop table marts.fct_lead_funnel", "must be one expression, got 2 statements"),
    ("lead_source = 'x'; select * from raw_crm.contacts", "must be one expression, got 2"),
    ("drop table marts.fct_lead_funnel", "drop is not allowed"),
    ("delete from marts.fct_lead_funnel", "delete is not allowed"),
    ("insert into t values (1)", "insert is not allowed"),
    ("update t set a = 1", "update is not allowed"),
    ("amount > (select max(amount) from marts.fct_opportunities)", "a subquery is not allowed"),
    ("lead_source in (select lead_source from raw_crm.contacts)", "'in' takes a list of values"),
    ("exists (select 1)", "function exists() is not allowed"),
    ("amount > 1 union select 1", "a subquery is not allowed"),
    (
        "pg_sleep(10) is null",
        f"function pg_sleep() is not allowed (only an expression over "
        f"columns; allowed functions: {FUNCTIONS})",
    ),
    ("read_csv('/etc/passwd') is not null", "function read_csv() is not allowed"),
    ("lead_source = current_user", "function current_user() is not allowed"),
    ("amount > 1 -- and the rest", "comments are not allowed"),
    ("amount /* */ > 1", "comments are not allowed"),
    ("password = 'x'", "unknown column 'password'"),
    ("lead_sorce = 'webinar'", "unknown column 'lead_sorce'; did you mean 'lead_source'?"),
    ("f.amount > 1", "write columns without a table: 'f.amount' -> 'amount'"),
    ("raw_crm.contacts.email = 'x'", "write columns without a table"),
    ("$1 = 1", "placeholder is not allowed"),
    ("amount + 1", "must be a condition (e.g. lead_source = 'webinar'), got 'amount + 1'"),
    ("", "is empty"),
    ("  ", "is empty"),
    ("lead_source = 'x'\x00", "control character '\\x00' is not allowed"),
    ("lead_source = 'x\x1b[2J'", "control character '\\x1b' is not allowed"),
    ("lead_source = 'unterminated", "cannot parse"),
]


@pytest.mark.parametrize(("text", "message"), HOSTILE)
def test_hostile_filters_are_rejected_with_a_clear_message(text: str, message: str) -> None:
    with pytest.raises(UnsafeExpression) as info:
        parse_expression(text, COLUMNS, what="--where", boolean=True)
    assert str(info.value).startswith("--where: ")
    assert message in str(info.value)


def test_a_bare_numeric_column_is_not_a_condition() -> None:
    with pytest.raises(UnsafeExpression, match="must be a condition"):
        parse_expression("amount + 0", COLUMNS)


@pytest.mark.parametrize(
    ("text", "sql"),
    [
        ("lead_source = 'webinar'", "lead_source = 'webinar'"),
        ("is_fit and amount >= 100", "is_fit AND amount >= 100"),
        (
            "lower(lead_source) in ('a', 'b') or not is_fit",
            "LOWER(lead_source) IN ('a', 'b') OR NOT is_fit",
        ),
        ("amount between 1 and 2", "amount BETWEEN 1 AND 2"),
        ("coalesce(lead_source, '') <> ''", "COALESCE(lead_source, '') <> ''"),
        ("created_at >= '2025-01-01'", "created_at >= '2025-01-01'"),
        ("lead_source is not null", "NOT lead_source IS NULL"),
        ("amount::int > 2", "CAST(amount AS INT) > 2"),
    ],
)
def test_plain_conditions_pass(text: str, sql: str) -> None:
    assert parse_expression(text, COLUMNS).sql() == sql


def test_a_value_expression_may_be_arithmetic() -> None:
    tree = parse_expression("amount / 3600.0", COLUMNS, what="expr", boolean=False)
    assert tree.sql() == "amount / 3600.0"
