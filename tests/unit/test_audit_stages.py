"""The maturity audit's scoring, by hand: thresholds in both directions, the next step, and
the company's stage as the lowest measured criterion's."""

from __future__ import annotations

from datetime import date

import pytest

from revops_cli.audit import CRITERIA, STAGES, Audit, Criterion, Finding, shown

SHARE = Criterion("share", "q", "share", (0.5, 0.75, 0.9, 0.98), "do it")
DAYS = Criterion("days", "q", "days", (30, 15, 7, 3), "be quick")


@pytest.mark.parametrize(
    ("criterion", "value", "stage"),
    [
        (SHARE, 0.49, 1),
        (SHARE, 0.5, 2),  # a threshold met is a stage reached
        (SHARE, 0.8, 3),
        (SHARE, 0.97, 4),
        (SHARE, 1.0, 5),
        (DAYS, 45, 1),
        (DAYS, 30, 2),
        (DAYS, 10, 3),
        (DAYS, 7, 4),
        (DAYS, 0.5, 5),
    ],
)
def test_stage_is_one_plus_the_thresholds_met(
    criterion: Criterion, value: float, stage: int
) -> None:
    assert criterion.stage(value) == stage


def test_next_step_names_the_next_threshold() -> None:
    assert Finding(SHARE, 0.8, "q").next_step == "at least 90.0% for stage 4 (managed): do it"
    assert Finding(DAYS, 20, "q").next_step == "at most 15.0 days for stage 3 (defined): be quick"
    assert Finding(DAYS, 1, "q").next_step == "keep it there"
    assert Finding(SHARE, None, "q", "not measured: x").next_step == "not measured: x"


def test_company_stage_is_the_lowest_measured() -> None:
    findings = [Finding(SHARE, 1.0, ""), Finding(DAYS, 10, ""), Finding(SHARE, None, "", "n/a")]
    assert Audit(date(2025, 1, 1), date(2026, 1, 1), date(2025, 12, 31), findings).stage == 3
    assert Audit(date(2025, 1, 1), date(2026, 1, 1), date(2025, 12, 31), []).stage is None


def test_criteria_are_named_once_with_thresholds_in_order() -> None:
    names = [c.name for c in CRITERIA]
    assert len(names) == len(set(names)) == 11
    for c in CRITERIA:
        levels = list(c.levels) if c.higher_is_better else list(reversed(c.levels))
        assert levels == sorted(levels) and len(set(levels)) == 4, c.name
    assert set(STAGES) == {1, 2, 3, 4, 5}
    assert shown(0.931, "share") == "93.1%" and shown(1.75, "days") == "1.8 days"
