"""Data-quality gates: expectation suites in YAML, run by Great Expectations, stored as data.

``tests/expectations/*.yml`` hold the suites (schema: revops_cli.checks.suites). ``revops
check`` runs them, and ``revops build`` runs them after a successful dbt build: an ``error``
expectation that fails exits 1; results are appended to data_quality.dq_expectation_results
and GX Data Docs are written under target/gx_data_docs.

The names below are imported on first use, so ``revops --help`` stays fast.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "CheckRun": "results",
    "ExpectationResult": "results",
    "Suite": "suites",
    "SuiteError": "suites",
    "load_suite": "suites",
    "load_suites": "suites",
    "check_json": "report",
    "check_text": "report",
    "write_junit": "report",
    "load_project_suites": "runner",
    "run_checks": "runner",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{_EXPORTS[name]}"), name)
