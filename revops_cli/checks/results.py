"""What a check run found, one result per expectation, as plain data."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from revops_cli.checks.gx import to_plain
from revops_cli.checks.suites import ExpectationSpec, Suite

#: pass: met (with ``mostly``, within its tolerance: the observed share says by how much).
#: warn: a warn-severity expectation failed. fail: an error-severity expectation failed.
#: error: the expectation could not run (a missing column, a query error). skipped: the
#: model it reads is not built yet.
STATUSES = ("pass", "warn", "fail", "error", "skipped")
FAILING = frozenset({"fail", "error"})


@dataclass(frozen=True)
class ExpectationResult:
    """One expectation's outcome."""

    suite: str
    expectation: str
    expectation_type: str
    relation: str
    columns: tuple[str, ...]
    severity: str
    dimension: str
    status: str
    success: bool | None
    observed_value: Any = None
    element_count: int | None = None
    unexpected_count: int | None = None
    unexpected_percent: float | None = None
    mostly: float | None = None
    examples: tuple[str, ...] = ()
    message: str | None = None
    where: str | None = None

    @property
    def column(self) -> str:
        return ", ".join(self.columns)

    def as_dict(self) -> dict[str, Any]:
        return {
            "suite": self.suite,
            "expectation": self.expectation,
            "expectation_type": self.expectation_type,
            "relation": self.relation,
            "column": self.column or None,
            "where": self.where,
            "severity": self.severity,
            "dimension": self.dimension,
            "status": self.status,
            "success": self.success,
            "observed_value": self.observed_value,
            "element_count": self.element_count,
            "unexpected_count": self.unexpected_count,
            "unexpected_percent": self.unexpected_percent,
            "mostly": self.mostly,
            "examples": list(self.examples),
            "message": self.message,
        }


@dataclass
class CheckRun:
    """Every result of one `revops check`, with where its outputs went."""

    run_id: str
    run_at: datetime
    results: list[ExpectationResult] = field(default_factory=list)
    seconds: float = 0.0
    docs_index: Path | None = None
    stored_in: str | None = None

    @property
    def failed(self) -> list[ExpectationResult]:
        return [r for r in self.results if r.status in FAILING]

    @property
    def nothing_checked(self) -> bool:
        """No expectation ran: every suite was skipped (its model not built), or none ran."""
        return all(r.status == "skipped" for r in self.results)

    @property
    def ok(self) -> bool:
        """Nothing failed, and something was checked (an unbuilt database is not a pass)."""
        return not self.failed and not self.nothing_checked

    def counts(self) -> Counter[str]:
        return Counter(r.status for r in self.results)

    def suites(self) -> list[str]:
        return list(dict.fromkeys(r.suite for r in self.results))


def skipped(suite: Suite, relation: str, message: str) -> list[ExpectationResult]:
    """Every expectation of a suite whose model is not built."""
    return [
        _result(suite, spec, relation, "skipped", None, message=message)
        for spec in suite.expectations
    ]


def errored(suite: Suite, spec: ExpectationSpec, relation: str, message: str) -> ExpectationResult:
    return _result(suite, spec, relation, "error", False, message=message)


def _result(
    suite: Suite,
    spec: ExpectationSpec,
    relation: str,
    status: str,
    success: bool | None,
    **extra: Any,
) -> ExpectationResult:
    return ExpectationResult(
        suite=suite.name,
        expectation=spec.name,
        expectation_type=spec.type,
        relation=relation,
        columns=spec.columns,
        severity=spec.severity,
        dimension=spec.dimension,
        status=status,
        success=success,
        mostly=spec.mostly,
        where=spec.where,
        **extra,
    )


def from_gx(
    suite: Suite, spec: ExpectationSpec, relation: str, gx_result: Any
) -> ExpectationResult:
    """Read one GX ExpectationValidationResult."""
    info = gx_result.exception_info or {}
    if info.get("raised_exception"):
        message = " ".join(str(info.get("exception_message") or "GX raised an error").split())
        return errored(suite, spec, relation, message[:300])
    res: dict[str, Any] = dict(gx_result.result or {})
    success = bool(gx_result.success)
    unexpected = res.get("unexpected_count")
    percent = res.get("unexpected_percent")
    if "observed_value" in res:
        observed = to_plain(res["observed_value"])
    elif percent is not None:
        # The share of (non-null) rows that met it: comparable with `mostly`.
        observed = round(1 - float(percent) / 100, 6)
    else:
        observed = None
    # A success with unexpected rows passed within `mostly`: observed_value says by how much.
    status = "pass" if success else ("fail" if spec.severity == "error" else "warn")
    return _result(
        suite,
        spec,
        relation,
        status,
        success,
        observed_value=observed,
        element_count=_int(res.get("element_count")),
        unexpected_count=_int(unexpected),
        unexpected_percent=None if percent is None else round(float(percent), 4),
        examples=tuple(_examples(res, suite.key)),
    )


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def _examples(res: dict[str, Any], key: tuple[str, ...]) -> list[str]:
    rows = res.get("partial_unexpected_index_list") or []
    out: list[str] = []
    if key and rows and isinstance(rows[0], dict):
        for row in rows:
            values = [to_plain(row.get(k)) for k in key]
            if len(values) == 1:
                out.append("null" if values[0] is None else str(values[0]))
            else:
                out.append(json.dumps(values, default=str))
    else:
        out = [
            v if isinstance(v, str) else json.dumps(v, default=str)
            for v in (to_plain(x) for x in res.get("partial_unexpected_list") or [])
        ]
    return list(dict.fromkeys(out))[:5]
