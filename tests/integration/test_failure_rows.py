"""A failed data test names the rows it found, not only the test: a missing exchange rate
names the payments it leaves unconverted, their currency and month."""

from __future__ import annotations

import csv
import json
import re
import shutil
from pathlib import Path
from typing import Any

import duckdb
import pytest
from click.testing import CliRunner

from revops_cli.cli import cli

pytestmark = pytest.mark.integration

PROJECT_DIR = Path(__file__).resolve().parents[2]
MONTH = "2025-06-01"


def _project_without_rate(tmp_path: Path, currency: str, month: str) -> Path:
    """A copy of the project whose seeds/currency_rates.csv lacks one (currency, month)."""
    folder = tmp_path / "project"
    folder.mkdir()
    for name in ("dbt_project.yml",):
        shutil.copy(PROJECT_DIR / name, folder / name)
    for name in ("models", "macros", "seeds", "profiles", "metrics", "tests"):
        shutil.copytree(PROJECT_DIR / name, folder / name)
    rates = folder / "seeds" / "currency_rates.csv"
    with rates.open() as f:
        rows = list(csv.reader(f))
    kept = [r for r in rows if not (r[0] == month and r[1] == currency)]
    assert len(kept) == len(rows) - 1
    with rates.open("w", newline="") as f:
        csv.writer(f).writerows(kept)
    return folder


def test_a_missing_rate_names_the_payments_it_leaves_unconverted(
    small_db: tuple[Path, Any], built: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    con = duckdb.connect(str(built[0]), read_only=True)
    try:  # the oracle: the payments a full set of rates converted for that month
        currency, expected = con.execute(
            "select currency_code, count(*) from marts.fct_payments "
            "where attempted_month_start_date = ? and currency_code <> 'USD' "
            "group by 1 order by 2 desc, 1 limit 1",
            [MONTH],
        ).fetchone()  # type: ignore[misc]
        ids = {
            r[0]
            for r in con.execute(
                "select payment_id from marts.fct_payments "
                "where attempted_month_start_date = ? and currency_code = ?",
                [MONTH, currency],
            ).fetchall()
        }
    finally:
        con.close()
    assert expected > 0
    project = _project_without_rate(tmp_path, currency, MONTH)
    db = tmp_path / "revops.duckdb"
    shutil.copy(small_db[0], db)
    result = CliRunner().invoke(
        cli,
        [
            "build",
            *("--project-dir", str(project), "--database", str(db)),
            *("--skip-checks", "--format", "json"),
        ],
        env={"DBT_TARGET_PATH": str(tmp_path / "target")},
    )
    assert result.exit_code == 1, result.output
    failed = {n["name"]: n for n in json.loads(result.stdout)["failed"]}
    # dbt skips what depends on a failed test (fct_invoices reads fct_payments)
    name = next(n for n in failed if n.startswith("revops_has_fx_rate_fct_payments"))
    message = failed[name]["message"]
    assert message.startswith(f"Got {expected} result")
    shown = re.findall(
        rf"payment_id=(\S+), currency_code={currency}, rate_month={MONTH}, "
        "problem=no rate in seeds/currency_rates.csv",
        message,
    )
    assert len(shown) == min(3, expected)
    assert set(shown) <= ids
