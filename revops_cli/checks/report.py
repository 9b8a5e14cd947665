"""A check run for people (a table), machines (JSON, CSV) and CI systems (JUnit XML)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from revops_cli.checks.results import STATUSES, CheckRun, ExpectationResult
from revops_cli.errors import one_line
from revops_cli.render import render

if TYPE_CHECKING:
    from revops_cli.dbt_runner import BuildResult

TABLE_COLUMNS = ["status", "suite", "expectation", "column", "unexpected", "%", "examples"]


def check_json(run: CheckRun) -> dict[str, Any]:
    counts = run.counts()
    return {
        "ok": run.ok,
        "nothing_checked": run.nothing_checked,
        "run_id": run.run_id,
        "run_at": run.run_at.isoformat(),
        "seconds": round(run.seconds, 2),
        "counts": {s: counts.get(s, 0) for s in STATUSES},
        "results_table": run.stored_in,
        "data_docs": str(run.docs_index) if run.docs_index else None,
        "results": [r.as_dict() for r in run.results],
    }


def check_text(run: CheckRun, fmt: str = "table") -> str:
    """Every result as JSON or CSV; for people, what needs attention and a verdict."""
    if fmt == "json":
        return json.dumps(check_json(run), indent=2, default=str)
    if fmt == "csv":
        rows = [r.as_dict() for r in run.results]
        columns = list(rows[0]) if rows else ["suite", "expectation", "status"]
        return render(columns, [[_csv(r[c]) for c in columns] for r in rows], "csv")
    parts = []
    attention = [r for r in run.results if r.status in ("fail", "error", "warn")]
    if attention:
        order = {"fail": 0, "error": 1, "warn": 2}
        attention.sort(key=lambda r: order[r.status])
        parts.append(
            render(
                TABLE_COLUMNS,
                [_row(r) for r in attention],
                title="Expectations that need attention (fail/error gate the build, warn reports)",
            )
        )
    skipped = [s for s in run.suites() if all(r.status == "skipped" for r in _of(run, s))]
    if skipped:
        parts.append(f"Skipped (model not built): {', '.join(skipped)}")
    counts = run.counts()
    summary = ", ".join(
        f"{counts[s]} {label}"
        for s, label in (
            ("pass", "passed"),
            ("warn", "warned"),
            ("fail", "failed"),
            ("error", "errored"),
            ("skipped", "skipped"),
        )
        if counts.get(s)
    )
    lines = [
        f"Checks: {len(run.results)} expectations in {len(run.suites())} suites in "
        f"{run.seconds:.1f}s: {summary or 'none'}"
    ]
    if run.stored_in:
        lines.append(f"Results: {run.stored_in} (run_id {run.run_id})")
    if run.docs_index:
        lines.append(f"Data Docs: {run.docs_index}")
    failing = len(run.failed)
    if run.nothing_checked:
        lines.append(
            "Checks FAILED: nothing was checked (no suite's model is built: run revops build)"
        )
    else:
        lines.append(
            "Checks PASSED" if run.ok else f"Checks FAILED ({failing} failing expectations)"
        )
    parts.append("\n".join(lines))
    return "\n\n".join(parts)


def _of(run: CheckRun, suite: str) -> list[ExpectationResult]:
    return [r for r in run.results if r.suite == suite]


def _row(r: ExpectationResult) -> list[Any]:
    if r.status == "error":
        return [r.status.upper(), r.suite, r.expectation, r.column, None, None, r.message or ""]
    percent = None if r.unexpected_percent is None else f"{r.unexpected_percent:.2f}"
    examples = ", ".join(r.examples[:3])
    if r.unexpected_count is None and r.observed_value is not None:
        examples = f"observed {json.dumps(r.observed_value, default=str)}"
    return [
        r.status.upper(),
        r.suite,
        r.expectation,
        r.column,
        r.unexpected_count,
        percent,
        examples,
    ]


def _csv(value: Any) -> Any:
    if isinstance(value, list | dict):
        return json.dumps(value, default=str)
    return value


def write_junit(run: CheckRun | None, path: Path, dbt: BuildResult | None = None) -> Path:
    """One JUnit file for a build: a <testsuite> of dbt's nodes (models, seeds, tests, unit
    tests: one <testcase> each) when ``dbt`` is given, then one per expectation suite, one
    <testcase> per expectation. Warnings go to system-out, in the CLI's words."""
    cases: list[tuple[str, str, str, str, str]] = []  # suite, class, name, status, text
    for n in dbt.nodes if dbt else []:
        text = one_line(n.message or n.status, limit=100_000)
        status = {"success": "pass", "runtime error": "error"}.get(n.status, n.status)
        cases.append(("dbt", f"dbt.{n.resource_type}", n.name, status, text))
    for r in run.results if run else []:
        cases.append((r.suite, f"expectations.{r.suite}", r.expectation, r.status, _describe(r)))
    seconds = (dbt.seconds if dbt else 0.0) + (run.seconds if run else 0.0)
    root = ET.Element(
        "testsuites",
        {
            "name": "revops build" if dbt else "revops expectations",
            **_counts([c[3] for c in cases]),
            "time": f"{seconds:.3f}",
            "timestamp": (run.run_at if run else datetime.now(UTC)).isoformat(timespec="seconds"),
        },
    )
    for suite in dict.fromkeys(c[0] for c in cases):
        mine = [c for c in cases if c[0] == suite]
        node = ET.SubElement(root, "testsuite", {"name": suite, **_counts([c[3] for c in mine])})
        for _, classname, name, status, text in mine:
            case = ET.SubElement(node, "testcase", classname=classname, name=name)
            if status == "fail":
                ET.SubElement(case, "failure", message=text).text = text
            elif status == "error":
                ET.SubElement(case, "error", message=text).text = text
            elif status == "skipped":
                ET.SubElement(case, "skipped", message=text or "skipped")
            elif status == "warn":
                ET.SubElement(case, "system-out").text = f"warning: {text}"
    path.parent.mkdir(parents=True, exist_ok=True)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)
    return path


def _counts(statuses: list[str]) -> dict[str, str]:
    return {
        "tests": str(len(statuses)),
        "failures": str(statuses.count("fail")),
        "errors": str(statuses.count("error")),
        "skipped": str(statuses.count("skipped")),
    }


def _describe(r: ExpectationResult) -> str:
    if r.status == "error":
        return f"{r.relation}: {r.message}"
    where = f" where {r.where}" if r.where else ""
    col = f" column {r.column}" if r.column else ""
    if r.unexpected_count is not None:
        pct = f" ({r.unexpected_percent:.2f}%)" if r.unexpected_percent is not None else ""
        mostly = f", mostly {r.mostly}" if r.mostly is not None else ""
        ex = f"; e.g. {', '.join(r.examples[:3])}" if r.examples else ""
        return (
            f"{r.relation}{col}{where}: {r.unexpected_count} unexpected of "
            f"{r.element_count}{pct}{mostly}{ex}"
        )
    return f"{r.relation}{col}{where}: observed {json.dumps(r.observed_value, default=str)}"


def build_and_checks_text(build_text: str, run: CheckRun | None, fmt: str) -> str:
    """`revops build`'s output: dbt's summary, then the checks (one JSON object for json)."""
    if run is None:
        return build_text
    if fmt == "json":
        summary = json.loads(build_text)
        summary["ok"] = bool(summary.get("ok")) and run.ok
        summary["checks"] = check_json(run)
        return json.dumps(summary, indent=2, default=str)
    return f"{build_text}\n\n{check_text(run, 'table')}"
