"""Month arithmetic on dates, shared by the read commands (no wall clock, no time zone)."""

from __future__ import annotations

import calendar
from datetime import date


def month_start(day: date, months: int = 0) -> date:
    """The first day of the month ``months`` after ``day``'s (negative: before)."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def add_months(day: date, months: int) -> date:
    """``day`` moved by ``months``, on the same day of the month or the month's last."""
    first = month_start(day, months)
    last = calendar.monthrange(first.year, first.month)[1]
    return first.replace(day=min(day.day, last))
