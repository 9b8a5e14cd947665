"""`revops report` opened in real headless Chromium (Debian's, installed here when absent)
with the network off: no console errors or warnings, no request leaves the file, every chart
drawn (an SVG with marks), the KPI tiles equal to `revops query`, the leaks to `revops leaks`
and the open alerts to `revops monitor`. A screenshot is left in target/report/ to look at."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from revops_cli.cli import cli

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "target" / "report"


def _chromium() -> str:
    """Debian's chromium: installed (apt-get, as root) when this machine lacks it."""
    found = shutil.which("chromium")
    if found is None and hasattr(os, "geteuid") and os.geteuid() == 0:
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        for cmd in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "chromium"]):
            subprocess.run(cmd, check=False, env=env, capture_output=True, timeout=900)
        found = shutil.which("chromium")
    if found is None:
        pytest.fail("chromium is not installed and could not be (apt-get install -y chromium)")
    return found


@pytest.fixture(scope="module")
def business(built: tuple[Path, dict[str, Any]], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the session's business with the monitor run once (open alerts to show)."""
    db = tmp_path_factory.mktemp("report") / "revops.duckdb"
    shutil.copy(built[0], db)
    result = CliRunner().invoke(cli, ["monitor", "--database", str(db), "--format", "json"])
    assert result.exit_code in (0, 1), result.output  # 1: an error alert is open
    return db


@pytest.fixture(scope="module")
def page(business: Path) -> Iterator[dict[str, Any]]:
    from playwright.sync_api import sync_playwright

    out = SHOTS / "report.html"
    result = CliRunner().invoke(cli, ["report", "--database", str(business), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "Wrote " in result.output
    messages: list[tuple[str, str]] = []
    requests: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=_chromium(), args=["--no-sandbox"])
        try:
            context = browser.new_context(offline=True, viewport={"width": 1280, "height": 900})
            tab = context.new_page()
            tab.on("console", lambda m: messages.append((m.type, m.text)))
            tab.on("pageerror", lambda e: messages.append(("pageerror", str(e))))
            tab.on("request", lambda r: requests.append(r.url))
            tab.goto(out.as_uri())
            tab.wait_for_selector(
                "body[data-charts-rendered], body[data-charts-failed]", timeout=30_000
            )
            tab.screenshot(path=str(SHOTS / "report.png"), full_page=True)
            yield {
                "rendered": tab.evaluate("document.body.dataset.chartsRendered"),
                "failed": tab.evaluate("document.body.dataset.chartsFailed"),
                "charts": tab.evaluate(
                    """[...document.querySelectorAll('.chart')].map(c => ({
                        title: c.dataset.title,
                        svg: c.querySelectorAll('svg').length,
                        marks: c.querySelectorAll('svg g[class*="mark-"] > *').length}))"""
                ),
                "tiles": tab.evaluate(
                    """[...document.querySelectorAll('.tile')].map(t => ({
                        metric: t.dataset.metric, value: t.dataset.value,
                        shown: t.querySelector('.value').textContent}))"""
                ),
                "tables": tab.evaluate(
                    """[...document.querySelectorAll('h3')].filter(h =>
                        h.nextElementSibling && h.nextElementSibling.tagName === 'TABLE')
                        .map(h => ({title: h.textContent,
                        rows: [...h.nextElementSibling.querySelectorAll('tbody tr')].map(
                            r => [...r.cells].map(c => c.textContent))}))"""
                ),
                "sections": tab.evaluate(
                    "[...document.querySelectorAll('section')].map(s => s.id)"
                ),
                "messages": messages,
                "requests": requests,
            }
        finally:
            browser.close()


def test_opens_offline_without_errors(page: dict[str, Any]) -> None:
    assert page["failed"] is None
    assert [m for m in page["messages"] if m[0] in ("error", "warning", "pageerror")] == []
    assert [u for u in page["requests"] if not u.startswith("file:")] == []
    assert page["sections"] == [
        "executive",
        "marketing",
        "sales",
        "finance",
        "customer_success",
        "data_quality",
        "audit",
    ]
    assert (SHOTS / "report.png").stat().st_size > 50_000


def test_every_chart_is_drawn(page: dict[str, Any]) -> None:
    charts = page["charts"]
    assert int(page["rendered"]) == len(charts) >= 12
    empty = [c["title"] for c in charts if c["svg"] != 1 or c["marks"] == 0]
    assert empty == []
    titles = " | ".join(c["title"] for c in charts)
    for expected in ("Funnel", "MRR movements", "Bookings vs invoiced vs collected", "AR aging"):
        assert expected in titles
    for expected in ("Health distribution", "Top leaks", "Rejected raw rows by reason"):
        assert expected in titles


def test_kpi_tiles_equal_revops_query(page: dict[str, Any], business: Path) -> None:
    import duckdb

    con = duckdb.connect(str(business), read_only=True)
    try:
        (as_of,) = con.execute("select last_closed_date from marts.dim_as_of").fetchone()  # type: ignore[misc]
    finally:
        con.close()
    # The last closed month by hand: the as-of's own when it is the month's last day.
    nxt = date(as_of.year + as_of.month // 12, as_of.month % 12 + 1, 1)
    end = nxt if (nxt - as_of).days == 1 else as_of.replace(day=1)
    start = date(end.year - (end.month == 1), (end.month - 2) % 12 + 1, 1)
    tiles = page["tiles"]
    assert len(tiles) >= 8
    names = [t["metric"] for t in tiles]
    result = CliRunner().invoke(
        cli,
        [
            *("query", *names, "--database", str(business), "--format", "json"),
            *("--start", start.isoformat(), "--end", end.isoformat()),
        ],
    )
    assert result.exit_code == 0, result.output
    (row,) = json.loads(result.stdout)
    for tile in tiles:
        expected = row[tile["metric"]]
        if expected is None:
            assert tile["value"] == "" and tile["shown"] == "-", tile
        else:
            assert float(tile["value"]) == pytest.approx(float(expected), rel=1e-9), tile
            assert tile["shown"].strip() != "-"


def test_leaks_and_alerts_equal_their_commands(page: dict[str, Any], business: Path) -> None:
    tables = {t["title"].split(" (")[0]: t["rows"] for t in page["tables"]}
    result = CliRunner().invoke(cli, ["leaks", "--database", str(business), "--format", "json"])
    assert result.exit_code == 0, result.output
    leaks = json.loads(result.stdout)
    shown = tables["How each leak is estimated"]
    assert [r[0] for r in shown] == [r["leak"] for r in leaks]
    assert [float(r[2].replace(",", "")) for r in shown] == [
        pytest.approx(r["amount"], abs=0.005) for r in leaks
    ]
    monitor = CliRunner().invoke(cli, ["monitor", "--database", str(business), "--format", "json"])
    assert monitor.exit_code in (0, 1), monitor.output
    open_alerts = [a for a in json.loads(monitor.stdout) if a["status"] in ("new", "open")]
    assert len(tables.get("Open alerts", [])) == len(open_alerts)
    statuses = {r[2] for r in tables["Source freshness and volume"]}
    assert statuses <= {"pass", "warn", "fail", "error", "skipped"}  # the words `revops check` uses


def test_the_audit_section_equals_revops_audit(page: dict[str, Any], business: Path) -> None:
    result = CliRunner().invoke(cli, ["audit", "--database", str(business), "--format", "json"])
    assert result.exit_code == 0, result.output
    criteria = json.loads(result.stdout)
    (title, rows), *_ = [
        (t["title"], t["rows"]) for t in page["tables"] if t["title"].startswith("RevOps maturity")
    ]
    shown = [(r[0], r[2]) for r in rows]
    assert shown == [
        (c["criterion"], "-" if c["stage"] is None else f"{c['stage']} {c['stage_name']}")
        for c in criteria
    ]
    lowest = min(c["stage"] for c in criteria if c["stage"] is not None)
    assert title.startswith(f"RevOps maturity: stage {lowest} of 5")


def test_a_window_picks_the_months_and_a_bad_one_is_one_line(
    business: Path, tmp_path: Path
) -> None:
    out = tmp_path / "window.html"
    args = ["report", "--database", str(business), "--out", str(out)]
    result = CliRunner().invoke(cli, [*args, "--start", "2025-03-01", "--end", "2025-06-01"])
    assert result.exit_code == 0, result.output
    page = out.read_text()
    assert "Revenue operations report: May 2025" in page  # the window's last month
    assert "Top leaks, Mar 2025 to May 2025" in page
    result = CliRunner().invoke(cli, [*args, "--start", "2031-01-01"])
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and "no closed month starts in" in result.output


def test_without_a_monitor_run_the_report_says_so(
    built: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    out = tmp_path / "plain.html"
    result = CliRunner().invoke(cli, ["report", "--database", str(built[0]), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "Open alerts: none recorded (run `revops monitor`" in out.read_text()
