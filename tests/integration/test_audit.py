"""`revops audit` on generated data: a business generated with knobs that drop loss reasons
and break account matching scores lower on exactly those two criteria than the same
business without them, by the amounts the raw data (the generator's output) says; the other
criteria keep their stage. The alerts criterion counts the rules of metrics/*.yml (read here
from the YAML) once `revops monitor` has run."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml
from click.testing import CliRunner

from revops_cli.cli import cli
from revops_cli.generator import generate
from revops_cli.leaks import default_window

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
SMALL = {"seed": 7, "scale": 0.3, "months": 12}  # tests/conftest.py's business
KNOBS = {"missing_loss_reasons": 0.6, "broken_account_matching": 0.5}
AFFECTED = {"loss_reasons", "account_key"}


def _audit(db: Path, *args: str) -> dict[str, dict[str, Any]]:
    result = CliRunner().invoke(cli, ["audit", "--database", str(db), "--format", "json", *args])
    assert result.exit_code == 0, result.output
    return {c["criterion"]: c for c in json.loads(result.stdout)}


@pytest.fixture(scope="module")
def knobbed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("knobbed") / "revops.duckdb"
    generate(db, ROOT, knobs=KNOBS, **SMALL)  # type: ignore[arg-type]
    result = CliRunner().invoke(cli, ["build", "--database", str(db), "--skip-checks"])
    assert result.exit_code == 0, result.output
    return db


def _raw(db: Path, sql: str) -> Any:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchone()
    finally:
        con.close()


def test_knobs_lower_their_criteria_and_no_other(
    built: tuple[Path, dict[str, Any]], knobbed: Path
) -> None:
    base, broken = _audit(built[0]), _audit(knobbed)
    assert list(base) == list(broken)
    for name in AFFECTED:
        assert broken[name]["stage"] < base[name]["stage"], (name, base[name], broken[name])
    assert {n: broken[n]["stage"] for n in base if n not in AFFECTED} == {
        n: base[n]["stage"] for n in base if n not in AFFECTED
    }
    assert _raw(knobbed, "select knobs from truth.run")[0] == json.dumps(KNOBS, sort_keys=True)


def test_loss_reasons_equal_the_raw_share(knobbed: Path) -> None:
    criteria = _audit(knobbed)
    as_of = _raw(knobbed, "select last_closed_date from marts.dim_as_of")[0]
    start, end = default_window(as_of)  # the last twelve closed months (unit-tested)
    with_reason, lost = _raw(
        knobbed,
        "select count(loss_reason_code), count(*) from raw_crm.opportunities "
        "where stage_name = 'closed_lost' and not coalesce(_deleted, false) "
        f"and try_cast(closed_at as timestamp) >= '{start}' "
        f"and try_cast(closed_at as timestamp) < '{end}'",
    )
    assert lost > 50
    assert criteria["loss_reasons"]["value"] == pytest.approx(with_reason / lost, abs=0.03)
    assert criteria["loss_reasons"]["value"] < 0.6  # 0.6 of the lost deals lose their reason


def test_account_key_loses_exactly_the_unmatchable_customers(
    built: tuple[Path, dict[str, Any]], knobbed: Path
) -> None:
    unmatchable, customers = _raw(
        knobbed,
        "select count(*) filter (where email like '%-billing.example'), count(*) "
        "from raw_billing.customers",
    )
    assert customers > 20 and 0.25 < unmatchable / customers < 0.75
    base = _audit(built[0])["account_key"]["value"]
    broken = _audit(knobbed)["account_key"]["value"]
    # The same customers, those made unmatchable no longer matched: at least as low as the
    # base minus them, at most both the base and 1 minus them (equal when the base is 1).
    share = unmatchable / customers
    assert base - share - 1e-4 <= broken <= min(base, 1 - share) + 1e-4
    if base == 1:
        assert broken == pytest.approx(1 - share, abs=1e-4)


def test_alerts_count_once_the_monitor_ran(knobbed: Path, tmp_path: Path) -> None:
    db = tmp_path / "monitored.duckdb"
    shutil.copy(knobbed, db)
    before = _audit(db)["alerts_in_use"]
    assert (before["value"], before["stage"]) == (0, 1)
    assert "never evaluated" in before["next_step"]
    monitor = CliRunner().invoke(cli, ["monitor", "--database", str(db), "--format", "json"])
    assert monitor.exit_code in (0, 1), monitor.output
    rules = 0
    for path in sorted((ROOT / "metrics").glob("*.yml")):
        for metric in yaml.safe_load(path.read_text()).get("metrics", []):
            rules += len(metric.get("alerts", [])) + ("target" in metric)
    after = _audit(db)["alerts_in_use"]
    assert after["value"] == rules and after["stage"] == 5


def test_table_names_the_lowest_stage_and_a_bad_window_is_one_line(knobbed: Path) -> None:
    criteria = _audit(knobbed)
    lowest = min(c["stage"] for c in criteria.values() if c["stage"] is not None)
    result = CliRunner().invoke(cli, ["audit", "--database", str(knobbed)])
    assert result.exit_code == 0, result.output
    assert f": stage {lowest} (" in result.output.splitlines()[0]
    for c in criteria.values():
        if c["criterion"] == "contact_decay":  # nothing in the data to measure it by
            assert c["stage"] is None and c["next_step"].startswith("not measured: ")
            continue
        assert c["query"].lower().lstrip().startswith(("select", "with")), c
    bad = CliRunner().invoke(cli, ["audit", "--database", str(knobbed), "--start", "2031-01-01"])
    assert bad.exit_code == 2 and bad.output.count("\n") == 1, bad.output
