"""`revops monitor` on the built business: a rule that fires opens one alert, a second run
keeps it (no duplicate), a rule that stops firing resolves it, and the webhook hears of the
opening and the resolution once each (after retrying a server error). The domain conditions
(stagnating deals, accounts turning worse, receivables aging, a conversion below its
trailing average) fire exactly where the marts say they hold."""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Iterator
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml
from click.testing import CliRunner

from revops_cli.cli import cli

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
RULE = "      - {when: change_below, threshold: -0.3, severity: warn}\n"


@pytest.fixture()
def hook() -> Iterator[dict[str, Any]]:
    """A webhook on 127.0.0.1 that answers 500 to its first request, then 200."""
    seen: dict[str, Any] = {"bodies": [], "script": [500]}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            seen["bodies"].append(json.loads(body))
            self.send_response(seen["script"].pop(0) if seen["script"] else 200)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    seen["url"] = f"http://127.0.0.1:{httpd.server_address[1]}/hook"
    yield seen
    httpd.shutdown()
    httpd.server_close()


def _project(tmp_path: Path, rule: str) -> Path:
    """A copy of the project whose leads metric carries ``rule`` instead of its own."""
    project = tmp_path / "project"
    project.mkdir(exist_ok=True)
    shutil.copy(ROOT / "dbt_project.yml", project / "dbt_project.yml")
    for folder in ("models", "seeds", "profiles", "macros"):
        if not (project / folder).exists():
            shutil.copytree(ROOT / folder, project / folder)
    shutil.rmtree(project / "metrics", ignore_errors=True)
    shutil.copytree(ROOT / "metrics", project / "metrics")
    funnel = project / "metrics" / "funnel.yml"
    text = funnel.read_text()
    assert text.count(RULE) == 1
    funnel.write_text(text.replace(RULE, rule))
    return project


def _alerts(db: Path) -> list[tuple[Any, ...]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(
            "select rule_id, rule, first_seen_at, last_seen_at, resolved_at, notified "
            "from revops_meta.alerts where metric = 'leads' order by first_seen_at"
        ).fetchall()
    finally:
        con.close()


def test_an_alert_opens_once_stays_open_and_resolves(
    built: tuple[Path, dict[str, Any]], tmp_path: Path, hook: dict[str, Any]
) -> None:
    db = tmp_path / "revops.duckdb"
    shutil.copy(built[0], db)
    con = duckdb.connect(str(db), read_only=True)
    try:  # the oracle: the last closed month's leads, counted from the mart
        (as_of,) = con.execute("select last_closed_date from marts.dim_as_of").fetchone()  # type: ignore[misc]
    finally:
        con.close()

    def run(rule: str) -> tuple[int, list[dict[str, Any]]]:
        project = _project(tmp_path, rule)
        args = ["monitor", "--project-dir", str(project), "--database", str(db)]
        result = CliRunner().invoke(cli, [*args, "--webhook", hook["url"], "--format", "json"])
        assert result.exit_code in (0, 1), result.output
        rows = [r for r in json.loads(result.stdout) if r["metric"] == "leads"]
        return result.exit_code, rows

    # leads > 0 in the last closed month: true whenever it had a lead
    code, rows = run("      - {when: above, threshold: 0, severity: error}\n")
    assert code == 1  # an error alert is open
    assert [(r["status"], r["severity"], r["rule"]) for r in rows] == [("new", "error", "above 0")]
    assert rows[0]["value"] > 0
    assert rows[0]["period_start"] <= as_of.isoformat()
    first = _alerts(db)
    assert len(first) == 1 and first[0][4] is None and first[0][5] == "open"
    opened = [b["text"] for b in hook["bodies"]]
    assert len(opened) == 2 and opened[0] == opened[1]  # a 500, then delivered
    assert "[error] leads above 0" in opened[1]

    code, rows = run("      - {when: above, threshold: 0, severity: error}\n")
    assert [r["status"] for r in rows] == ["open"]
    second = _alerts(db)
    assert len(second) == 1 and second[0][2] == first[0][2]  # same alert, first seen kept
    assert second[0][3] >= first[0][3]
    assert len(hook["bodies"]) == 2  # nothing new to tell

    # the same rule, its threshold raised past any month: it stops firing
    code, rows = run("      - {when: above, threshold: 1000000000, severity: error}\n")
    assert [r["status"] for r in rows] == ["resolved"]
    third = _alerts(db)
    assert len(third) == 1 and third[0][4] is not None and third[0][5] == "resolved"
    assert "[resolved] leads" in hook["bodies"][-1]["text"]
    assert len(hook["bodies"]) == 3


def test_domain_conditions_fire_when_they_hold(
    built: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    """Stagnating deals, accounts turning worse, receivables past 30 days and a conversion
    below its trailing average: each read value equals the marts' (plain SQL), and each rule
    fires exactly when its condition holds there."""
    db = tmp_path / "revops.duckdb"
    shutil.copy(built[0], db)
    result = CliRunner().invoke(
        cli, ["monitor", "--database", str(db), "--all", "--format", "json"]
    )
    assert result.exit_code in (0, 1), result.output
    read = {(r["metric"], r["rule"].split()[0]): r for r in json.loads(result.stdout)}
    con = duckdb.connect(str(db), read_only=True)
    try:
        (as_of,) = con.execute("select last_closed_date from marts.dim_as_of").fetchone()  # type: ignore[misc]
        stagnant = con.execute(
            "select count(*) from marts.fct_opportunities where is_open and is_stagnant"
        ).fetchone()[0]  # type: ignore[index]
        worse_row = read[("accounts_turned_worse", "above")]
        month = date.fromisoformat(worse_row["period_start"])
        nxt = (month + timedelta(days=32)).replace(day=1)
        worse = con.execute(
            "select count(distinct account_id) from marts.fct_account_health "
            "where week_start_date >= ? and week_start_date < ? and ("
            "(previous_health_colour = 'green' and health_colour in ('yellow', 'red')) "
            "or (previous_health_colour = 'yellow' and health_colour = 'red'))",
            [month, nxt],
        ).fetchone()[0]  # type: ignore[index]
        overdue = con.execute(
            "select coalesce(sum(outstanding_reporting), 0) from marts.fct_invoices "
            "where days_past_due > 30"
        ).fetchone()[0]  # type: ignore[index]
    finally:
        con.close()
    with (ROOT / "dbt_project.yml").open() as fh:
        limit = yaml.safe_load(fh)["vars"]["revops"]["collections"]["ar_over_30_days_max"]
    checks = {
        ("stagnant_deals", "above"): (stagnant, stagnant > 0),
        ("accounts_turned_worse", "above"): (worse, worse > 0),
        ("ar_over_30_days", "above"): (float(overdue), float(overdue) > limit),
    }
    for key, (value, holds) in checks.items():
        row = read[key]
        assert row["value"] == pytest.approx(float(value), abs=0.01), (key, row)
        assert (row["status"] != "ok") is holds, (key, row)
    # The conversion: its mature month against the average of the three before, from `query`.
    trailing = read[("sal_to_sql", "trailing_below")]
    start = date.fromisoformat(trailing["period_start"])
    query = CliRunner().invoke(
        cli, ["query", "sal_to_sql", "--database", str(db), "--format", "json"]
    )
    series = json.loads(query.stdout)
    i = [r["period_start"] for r in series].index(start.isoformat())
    before = [r["sal_to_sql"] for r in series[max(0, i - 3) : i] if r["sal_to_sql"] is not None]
    average = sum(before) / len(before)
    assert trailing["value"] == pytest.approx(series[i]["sal_to_sql"])
    assert f"trailing average {average * 100:.1f}%" in trailing["message"]
    assert (trailing["status"] != "ok") is (trailing["value"] - average < -0.1)
    assert start.isoformat() <= as_of.isoformat()
