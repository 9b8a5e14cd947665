"""Small pure parts of the leak scan and the report: the generator's knobs, the default
window of `revops leaks`, the order of aging buckets, the report's changes and targets."""

from __future__ import annotations

from datetime import date

import pytest

from revops_cli.errors import ConfigError
from revops_cli.generator.context import parse_knobs
from revops_cli.leaks import default_window
from revops_cli.report import _bucket_order, _change


def test_knobs_parse_and_refuse() -> None:
    assert parse_knobs([]) == {}
    assert parse_knobs(["broken_invoicing=0.3"]) == {"broken_invoicing": 0.3}
    for bad in ("broken_invoicing", "nope=0.1", "broken_invoicing=2", "broken_invoicing=x"):
        with pytest.raises(ConfigError, match="--knob"):
            parse_knobs([bad])


@pytest.mark.parametrize(
    ("as_of", "window"),
    [
        (date(2026, 6, 30), (date(2025, 7, 1), date(2026, 7, 1))),  # June is closed
        (date(2026, 6, 29), (date(2025, 6, 1), date(2026, 6, 1))),  # June is not
        (date(2026, 1, 31), (date(2025, 2, 1), date(2026, 2, 1))),
        (date(2025, 12, 31), (date(2025, 1, 1), date(2026, 1, 1))),
    ],
)
def test_default_window_is_twelve_closed_months(as_of: date, window: tuple[date, date]) -> None:
    assert default_window(as_of) == window


def test_aging_buckets_in_days_order() -> None:
    buckets = ["90+", "31-60", "current", "1-30", "61-90"]
    assert sorted(buckets, key=_bucket_order) == ["current", "1-30", "31-60", "61-90", "90+"]


def test_changes_are_points_for_rates_and_relative_otherwise() -> None:
    assert _change(0.25, 0.2, "percent") == "+5.0 pp vs previous month"
    assert _change(110, 100, "currency") == "+10.0% vs previous month"
    assert _change(5, 0, "count") == ""
    assert _change(None, 1, "count") == ""


def test_every_knob_parses_and_keeps_its_own_stream() -> None:
    from revops_cli.generator.context import KNOBS

    assert parse_knobs([f"{k}=0.5" for k in KNOBS]) == dict.fromkeys(KNOBS, 0.5)
    # A knob's random stream is salted by its place in KNOBS: new knobs go last, so the
    # data an existing knob makes does not change when one is added.
    assert next(iter(KNOBS)) == "broken_invoicing"


def test_month_arithmetic() -> None:
    from revops_cli.periods import add_months, month_start

    assert month_start(date(2025, 12, 31), 1) == date(2026, 1, 1)
    assert month_start(date(2026, 1, 15), -13) == date(2024, 12, 1)
    assert add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2025, 11, 30), 3) == date(2026, 2, 28)
