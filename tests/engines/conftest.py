"""The engine lanes' shared bits: seconds per step, printed in pytest's closing summary."""

from __future__ import annotations

import pytest

_TIMINGS = pytest.StashKey[dict[str, float]]()


@pytest.fixture(scope="session")
def lane_timings(request: pytest.FixtureRequest) -> dict[str, float]:
    """Steps record their seconds here; the summary prints them (the README quotes them)."""
    return request.config.stash.setdefault(_TIMINGS, {})


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    timings = terminalreporter.config.stash.get(_TIMINGS, {})
    if timings:
        terminalreporter.section("engine lane timings")
        for step, seconds in timings.items():
            terminalreporter.write_line(f"{seconds:7.1f}s  {step}")
