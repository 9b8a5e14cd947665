"""`revops whatif` and `revops diff` on a real build: the baseline file is byte-for-byte the
same after a scenario; raising the MQL score threshold lowers MQLs and never raises them (no
lead gains an MQL; the MQLs so far never exceed the baseline's at any month's end); the leads
that lose their MQL are ones the raw events say only a score between the old and the new
threshold qualified (worked out here from raw_crm, with the thresholds read from
dbt_project.yml); the scenario's runs table holds both builds."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml
from click.testing import CliRunner

from revops_cli.cli import cli

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
SET = "lifecycle.mql.qualifying_actions.min_score=80"


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def scenario(
    built: tuple[Path, dict[str, Any]], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    base = tmp_path_factory.mktemp("baseline") / built[0].name
    shutil.copy(built[0], base)
    before = _sha(base)
    result = CliRunner().invoke(
        cli, ["whatif", "--database", str(base), "--set", SET, "--format", "json"]
    )
    out = json.loads(result.stdout)
    # A redefinition may break an invariant (here: some SQLs now come before their MQL):
    # the scenario is published anyway, the failures listed, and the exit code says so.
    assert result.exit_code == (1 if out["failures"] else 0), result.output
    return {"base": base, "before": before, "out": out, "db": Path(out["scenario"])}


def _monthly(db: Path, metric: str) -> dict[str, float]:
    result = CliRunner().invoke(cli, ["query", metric, "--database", str(db), "--format", "json"])
    assert result.exit_code == 0, result.output
    return {r["period_start"]: float(r[metric] or 0) for r in json.loads(result.stdout)}


def test_the_baseline_is_untouched_and_the_scenario_lives_beside_it(
    scenario: dict[str, Any],
) -> None:
    assert _sha(scenario["base"]) == scenario["before"]
    assert scenario["db"] == scenario["base"].parent / "whatif" / "min_score-80" / "revops.duckdb"
    out = scenario["out"]
    assert out["status"] == "published"
    assert "int_leads_lifecycle+" in out["selection"].split()
    assert "int_leads_lifecycle" in out["rebuilt_models"]
    assert "dim_date" not in out["rebuilt_models"]  # nothing upstream of the change
    # the unit tests that pin the baseline's MQL rule are named as skipped
    assert (
        "int_leads_lifecycle::lifecycle_what_if_higher_score_threshold"
        in (out["skipped_unit_tests"])
    )


def test_raising_min_score_lowers_mqls_and_never_raises_them(scenario: dict[str, Any]) -> None:
    base, after = _monthly(scenario["base"], "mqls"), _monthly(scenario["db"], "mqls")
    assert set(base) == set(after)
    # A stricter rule can only take a lead's MQL away or move it later (a later form
    # qualifies it): a month's count may rise, the MQLs so far at any month's end may not.
    months = sorted(base)
    so_far = [
        (sum(base[m] for m in months[: i + 1]), sum(after[m] for m in months[: i + 1]))
        for i in range(len(months))
    ]
    assert all(a <= b for b, a in so_far), so_far
    assert so_far[-1][1] < so_far[-1][0]
    rows = {r["metric"]: r for r in scenario["out"]["diff"]["metrics"]}
    assert rows["mqls"]["change"] < 0 and rows["leads"]["change"] == 0
    stages = {s["stage"]: s for s in scenario["out"]["diff"]["leads"]}
    assert stages["mql"]["gained"] == [] and stages["mql"]["lost"]


def test_the_leads_losing_mql_are_those_only_a_score_below_80_qualified(
    scenario: dict[str, Any],
) -> None:
    config = yaml.safe_load((ROOT / "dbt_project.yml").read_text())
    actions = config["vars"]["revops"]["lifecycle"]["mql"]["qualifying_actions"]
    con = duckdb.connect(str(scenario["base"]), read_only=True)
    try:
        # MQLs of the baseline that a score qualified, whose raw events hold no score of 80
        # or more and no qualifying form or page at all: only those can lose their MQL.
        only_low_score = {
            r[0]
            for r in con.execute(
                f"""
                select f.lead_id from marts.fct_lead_funnel as f
                where f.mql_cause like '%score_changed%'
                    and not exists (
                        select 1 from raw_crm.lifecycle_events as e
                        where e.contact_id = f.lead_id and not coalesce(e._deleted, false)
                            and ((e.event_type = 'score_changed' and e.score >= 80)
                            or (e.event_type = 'form_submitted'
                                and e.event_detail in {tuple(actions["forms"])})
                            or (e.event_type = 'page_viewed'
                                and e.event_detail in ('{actions["pages"][0]}')))
                    )
                """
            ).fetchall()
        }
    finally:
        con.close()
    assert actions["min_score"] < 80
    lost = set(next(s for s in scenario["out"]["diff"]["leads"] if s["stage"] == "mql")["lost"])
    assert lost and lost <= only_low_score, sorted(lost - only_low_score)[:5]
    assert len(lost) >= 0.9 * len(only_low_score)


def test_the_scenarios_runs_table_records_both_builds(scenario: dict[str, Any]) -> None:
    con = duckdb.connect(str(scenario["db"]), read_only=True)
    try:
        runs = con.execute(
            "select run_id, status, vars, selection, git_commit, started_at "
            "from revops_meta.runs order by started_at"
        ).fetchall()
    finally:
        con.close()
    assert len(runs) >= 2
    baseline_run, scenario_run = runs[-2], runs[-1]
    assert baseline_run[1] == scenario_run[1] == "published"
    assert baseline_run[2] is None  # the baseline ran without overrides
    assert "min_score: 80" in scenario_run[2]
    assert scenario_run[0] == scenario["out"]["run_id"]
    assert scenario_run[3] == scenario["out"]["selection"]


def test_diff_compares_any_two_builds_and_refuses_bad_input(scenario: dict[str, Any]) -> None:
    args = ["diff", str(scenario["base"]), str(scenario["db"])]
    result = CliRunner().invoke(cli, [*args, "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["metrics"] == scenario["out"]["diff"]["metrics"]
    same = CliRunner().invoke(cli, ["diff", str(scenario["base"]), str(scenario["base"])])
    assert same.exit_code == 0, same.output
    assert "mql                     0           0" in same.output
    for bad, message in (
        (["diff", str(scenario["base"]), "/nonexistent/x.duckdb"], "does not exist"),
        (["whatif", "--database", str(scenario["base"]), "--set", "lifecycle.nope=1"], "nope"),
        (["whatif", "--database", str(scenario["base"])], "--set KEY=VALUE"),
        (
            ["whatif", "--database", str(scenario["base"]), "--set", "slas.stagnation_days=30"],
            "valid dictionary",
        ),
    ):
        result = CliRunner().invoke(cli, bad)
        assert result.exit_code == 2 and result.output.count("\n") == 1, result.output
        assert message in result.output
    # a value the schema refuses is said before anything is copied
    assert not (scenario["base"].parent / "whatif" / "stagnation_days-30").exists()
