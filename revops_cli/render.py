"""Tables, JSON and CSV for every read command."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

FORMATS = ("table", "json", "csv")


def _cell(value: Any) -> str:
    if isinstance(value, _Shown):
        return str(value)
    if value is None:
        return ""
    if isinstance(value, float | Decimal):
        return f"{value:,.2f}" if abs(value) >= 1 or value == 0 else f"{value:.3f}"  # type: ignore[operator]
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def render(
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    fmt: str = "table",
    title: str | None = None,
) -> str:
    """Rows as an aligned text table, a JSON array of objects, or CSV."""
    if fmt == "json":
        return json.dumps(
            [dict(zip(columns, r, strict=True)) for r in rows], default=_json_default, indent=2
        )
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(
            [
                [
                    "" if v is None else _json_default(v) if isinstance(v, Decimal | date) else v
                    for v in r
                ]
                for r in rows
            ]
        )
        return buf.getvalue().rstrip("\n")
    cells = [[_cell(v) for v in r] for r in rows]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
    numeric = [
        all(isinstance(r[i], int | float | Decimal | _Shown) or r[i] is None for r in rows)
        and rows != []
        for i in range(len(columns))
    ]

    def line(values: Sequence[str]) -> str:
        return "  ".join(
            v.rjust(w) if num else v.ljust(w)
            for v, w, num in zip(values, widths, numeric, strict=True)
        ).rstrip()

    out = [title] if title else []
    out += [line(columns), line(["-" * w for w in widths])]
    out += [line(r) for r in cells]
    return "\n".join(out)


def _metric_cell(value: Any, fmt: str) -> str:
    if value is None:
        return ""
    if fmt == "percent":
        return f"{float(value) * 100:,.1f}%"
    if fmt == "count":
        return f"{int(value):,}" if float(value) == int(value) else f"{float(value):,.2f}"
    if fmt in ("days", "hours"):
        return f"{float(value):,.1f}"
    return f"{float(value):,.2f}"


def metric_table(  # noqa: C901
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    formats: dict[str, tuple[str, str | None]],
    fmt: str = "table",
) -> str:
    """Metric rows for people: each metric as its format says (percent as %, counts
    whole, money with its currency in the header), the partial-period flag only when a
    period is partial. JSON and CSV keep the raw values (and every column)."""
    if fmt != "table":
        return render(columns, rows, fmt)
    keep = list(range(len(columns)))
    if "is_partial_period" in columns:
        i = columns.index("is_partial_period")
        if not any(r[i] for r in rows):
            keep.remove(i)
    heads: list[str] = []
    for i in keep:
        name = columns[i]
        base = name.rsplit("__", 1)[0] if name.endswith(("__numerator", "__denominator")) else name
        shown, unit = formats.get(base, ("", None))
        if name == "is_partial_period":
            heads.append("partial")
        elif unit and shown != "percent" and name == base:
            heads.append(f"{name} ({unit})")
        else:
            heads.append(name)
    cells: list[list[Any]] = []
    for r in rows:
        line: list[Any] = []
        for i in keep:
            name, value = columns[i], r[i]
            if name == "is_partial_period":
                line.append("partial" if value else "")
            elif name in formats:
                line.append(_Shown(_metric_cell(value, formats[name][0])))
            elif name.endswith(("__numerator", "__denominator")):
                line.append(_Shown(_metric_cell(value, "count")))
            else:
                line.append(value)
        cells.append(line)
    return render(heads, cells)


class _Shown(str):
    """A value already formatted: shown as it is, aligned right as a number."""


def metric_value(value: Any, fmt: str, suffix: str = "") -> str:
    """One metric value as a table shows it (its format: %, counts whole, money to the
    cent), aligned right; ``suffix`` follows a value that is there."""
    text = _metric_cell(value, fmt)
    return _Shown(f"{text}{suffix}" if text else text)


def number_text(text: str) -> str:
    """Text a table aligns right, as a number."""
    return _Shown(text)
