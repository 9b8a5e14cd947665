"""Options of `revops check` that `revops build` shares, defined once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


class AsOf(click.ParamType):  # type: ignore[type-arg]
    """``now`` or an ISO date/timestamp; naive times are UTC."""

    name = "now|TIMESTAMP"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, datetime) or value is None:
            return value
        text = str(value).strip()
        if text.lower() == "now":
            return datetime.now(UTC).replace(tzinfo=None)
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            self.fail(f"{text!r} is not 'now' or an ISO date/timestamp", param, ctx)
        if parsed.tzinfo is not None:
            parsed = parsed.astimezone(UTC).replace(tzinfo=None)
        return parsed


def check_options(func: F) -> F:
    """--junit-xml and --as-of."""
    options = [
        click.option(
            "--junit-xml",
            type=click.Path(dir_okay=False, path_type=Path),
            help="Also write the expectation results as JUnit XML, for CI systems.",
        ),
        click.option(
            "--as-of",
            type=AsOf(),
            envvar="REVOPS_AS_OF",
            help="Measure source freshness against this time ('now' or ISO). "
            "Default: the newest _loaded_at in the raw data.",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func
