"""Write-audit-publish on DuckDB: a build that fails its gate, warns, or is killed halfway
leaves the published database (its bytes, and what `revops query` answers) unchanged; a
build that passes replaces it and is recorded in revops_meta.runs."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import duckdb
import pytest
from click.testing import CliRunner

from revops_cli.cli import cli

pytestmark = pytest.mark.integration

QUERY = ["query", "leads", "mqls", "bookings", "--grain", "month", "--format", "csv"]
#: A subscription status the contract does not know: staging keeps it, a dbt test fails.
PAUSED = """insert into raw_billing.subscriptions
    select * replace ('S-PAUSED' as subscription_id, 'paused' as status)
    from raw_billing.subscriptions limit 1"""


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def answers(db: Path) -> str:
    result = CliRunner().invoke(cli, [*QUERY, "--database", str(db)])
    assert result.exit_code == 0, result.output
    return result.stdout


def published(tmp_path: Path, built: tuple[Path, dict[str, Any]], *sql: str) -> Path:
    """A copy of the built (published) database, with ``sql`` applied to its raw data."""
    db = tmp_path / "revops.duckdb"
    shutil.copy(built[0], db)
    if sql:
        con = duckdb.connect(str(db))
        for statement in sql:
            con.execute(statement)
        con.close()
    return db


def runs(db: Path) -> list[dict[str, Any]]:
    log = db.parent / ".revops-build" / f"{db.name}.runs.jsonl"
    return [json.loads(line) for line in log.read_text().splitlines()]


def build(db: Path, *args: str) -> Any:
    return CliRunner().invoke(cli, ["build", "--database", str(db), "--format", "json", *args])


def test_a_build_failing_its_gate_leaves_the_published_build_untouched(
    built: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    db = published(tmp_path, built, PAUSED)
    before, answered = digest(db), answers(db)
    result = build(db, "--select", "stg_billing__subscriptions", "--skip-checks")
    assert result.exit_code == 1, result.output
    summary = json.loads(result.stdout)
    assert summary["publish"] == {
        "mode": "swap",
        "published": False,
        "run_id": runs(db)[-1]["run_id"],
        "status": "blocked",
        "reason": "1 failing test(s), model(s) or expectation(s)",
    }
    assert digest(db) == before
    assert answers(db) == answered
    # The blocked build is kept for inspection: the failing row is in its staging.
    shadow = duckdb.connect(str(db.parent / ".revops-build" / db.name), read_only=True)
    (paused,) = shadow.execute(
        "select count(*) from staging.stg_billing__subscriptions where status = 'paused'"
    ).fetchone()  # type: ignore[misc]
    shadow.close()
    assert paused == 1

    # An emergency publish goes through, and says so; the exit code still says it failed.
    result = build(db, "--select", "stg_billing__subscriptions", "--skip-checks", "--force-publish")
    assert result.exit_code == 1, result.output
    assert json.loads(result.stdout)["publish"]["status"] == "published"
    assert runs(db)[-1]["reason"].startswith("forced despite 1 failing")
    assert digest(db) != before


def test_a_build_that_warns_is_published_only_when_asked(
    built: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    # A lead source outside the taxonomy: a warn-severity expectation, not an error.
    db = published(
        tmp_path,
        built,
        "update raw_crm.contacts set lead_source = 'carrier_pigeon' where hash(contact_id) % 5 = 0",
    )
    before, answered = digest(db), answers(db)
    result = build(db, "--select", "stg_crm__contacts")
    assert result.exit_code == 1, result.output
    summary = json.loads(result.stdout)
    assert summary["ok"] is True  # nothing failed ...
    assert summary["publish"]["status"] == "blocked"  # ... but it warned
    assert "warning" in summary["publish"]["reason"]
    assert digest(db) == before and answers(db) == answered

    result = build(db, "--select", "stg_crm__contacts", "--publish-on-warn")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["publish"]["status"] == "published"
    # The published file names its own build, and keeps the history of the runs.
    con = duckdb.connect(str(db), read_only=True)
    table = con.execute(
        "select run_id, status, selection from revops_meta.runs order by started_at, run_id"
    ).fetchall()
    con.close()
    logged = runs(db)
    assert [r[0] for r in table][-2:] == [r["run_id"] for r in logged]
    assert [(r[1], r[2]) for r in table][-2:] == [
        ("blocked", "stg_crm__contacts"),
        ("published", "stg_crm__contacts"),
    ]
    query = CliRunner().invoke(cli, [*QUERY, "--database", str(db)])
    assert f"Read build {logged[-1]['run_id']}" in query.stderr


CTRL_C_AWARE = (
    "import signal; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "from revops_cli.cli import main; main()"
)


def _start_build(db: Path, tmp_path: Path) -> tuple[subprocess.Popen[bytes], Path]:
    err = tmp_path / "build.err"
    proc = subprocess.Popen(
        [
            # Ctrl-C as a terminal delivers it: a process started in the background of a
            # script (as CI may start this one) inherits SIGINT ignored; restore Python's.
            *(sys.executable, "-c", CTRL_C_AWARE),
            *("build", "--database", str(db), "--skip-checks"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=err.open("wb"),
        env={**os.environ, "DBT_TARGET_PATH": str(tmp_path / "target")},
        start_new_session=True,
    )
    # Wait until dbt is well into the build (the progress log's second tenth).
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and proc.poll() is None:
        if err.read_text().count("nodes done") >= 2:
            return proc, err
        time.sleep(0.2)
    proc.kill()
    raise AssertionError(f"the build never got going: {err.read_text()[-2000:]}")


@pytest.mark.parametrize("how", ["SIGKILL", "SIGINT"])
def test_a_build_killed_halfway_leaves_the_published_build_untouched(
    built: tuple[Path, dict[str, Any]], tmp_path: Path, how: str
) -> None:
    db = published(tmp_path, built)
    before, answered = digest(db), answers(db)
    proc, err = _start_build(db, tmp_path)
    os.killpg(proc.pid, getattr(signal, how))
    code = proc.wait(timeout=120)
    if how == "SIGKILL":
        assert code == -signal.SIGKILL
    else:
        assert code == 2, err.read_text()
        last = err.read_text().strip().splitlines()[-1]
        assert "interrupted" in last and "the last good build is still published" in last, last
        assert runs(db)[-1]["status"] == "failed"
    assert digest(db) == before
    assert answers(db) == answered
    # The lock died with the process: a rebuild runs and publishes.
    result = build(db, "--skip-checks")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["publish"]["status"] == "published"
    assert answers(db) == answered  # same raw data, same numbers


def test_a_second_build_of_the_same_database_is_refused_naming_the_first(
    built: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    db = published(tmp_path, built)
    folder = db.parent / ".revops-build"
    folder.mkdir()
    with (folder / f"{db.name}.lock").open("a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        lock.write("4242")
        lock.flush()
        result = build(db)
    assert result.exit_code == 2
    assert result.stderr.startswith(
        f"Error: another revops build (PID 4242) is building {db}: wait for it to finish"
    )
