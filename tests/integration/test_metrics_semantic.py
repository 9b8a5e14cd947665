"""The dbt Semantic Layer export: dbt parses the project with it included."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from revops_cli.cli import cli
from revops_cli.metrics.catalog import load_catalog

pytestmark = pytest.mark.integration

PROJECT = Path(__file__).resolve().parents[2]


def test_dbt_parse_accepts_the_export(tmp_path: Path) -> None:
    copy = tmp_path / "project"
    copy.mkdir()
    for name in ("dbt_project.yml", "models", "macros", "seeds", "profiles", "analyses"):
        source = PROJECT / name
        if source.is_dir():
            shutil.copytree(source, copy / name)
        elif source.is_file():
            shutil.copy(source, copy / name)
    shutil.copytree(PROJECT / "tests" / "dbt", copy / "tests" / "dbt")
    out = copy / "models" / "semantic"
    result = CliRunner().invoke(
        cli, ["metrics", "export", "--semantic-layer", str(out), "--project-dir", str(PROJECT)]
    )
    assert result.exit_code == 0, result.output
    dbt = Path(sys.executable).with_name("dbt")
    env = {
        **os.environ,
        "REVOPS_DUCKDB_PATH": str(tmp_path / "parse.duckdb"),
        "DBT_LOG_PATH": str(tmp_path / "logs"),
    }
    run = subprocess.run(
        [str(dbt), "parse", "--profiles-dir", "profiles", "--target-path", str(tmp_path / "t")],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    manifest = json.loads((tmp_path / "t" / "manifest.json").read_text())
    exported = {m["name"]: m for m in manifest["metrics"].values()}
    catalog = load_catalog(PROJECT)
    skipped = (out / "metrics.yml").read_text().split("metrics:\n", 1)[0]
    for name, metric in catalog.metrics.items():
        if f"#   {name}:" in skipped:
            continue
        # A multi-step funnel on one row per lead is exported as a ratio of two counts.
        want = "ratio" if name == "mql_to_won_funnel" else metric.type
        assert exported[name]["type"] == want, name
        assert exported[name]["label"] == metric.label
    assert {m["type"] for m in exported.values()} == {
        "simple", "ratio", "derived", "cumulative", "conversion"
    }  # fmt: skip
    # What MetricFlow cannot express is listed with its reason: snapshots, cohort rates,
    # offsets of whole periods, period_days, fiscal grain-to-date.
    ours = {n for n in exported if n in catalog.metrics}
    helpers = set(exported) - ours
    assert helpers == {"mql_to_won_funnel_cohort", "mql_to_won_funnel_converted"}
    assert len(ours) >= len(catalog.metrics) - 15  # 6 snapshots among them
    assert skipped.count("#   ") == len(catalog.metrics) - len(ours)
