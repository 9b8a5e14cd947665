"""Great Expectations, kept behind a few functions: the context, expectations, results.

GX is imported late (its import costs ~3 s) and always with analytics off: the context is
ephemeral (in memory), and its only file output is the Data Docs site under target/.
"""

from __future__ import annotations

import logging
import os
import re
import warnings
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any, Protocol

#: GX's own severities, shown in the Data Docs.
GX_SEVERITY = {"error": "critical", "warn": "warning"}
#: How many failing rows a result carries as examples.
EXAMPLES = 5


def _quiet_import() -> Any:
    os.environ["GX_ANALYTICS_ENABLED"] = "false"  # no usage statistics, ever
    # GX imports PySpark when it is installed; its pandas-version warning is not ours.
    warnings.filterwarnings("ignore", "PySpark does not yet fully support pandas")
    import great_expectations as gx

    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    return gx


def context(docs_dir: Path | None) -> Any:
    """An ephemeral GX context: analytics and progress bars off, Data Docs only in docs_dir."""
    gx = _quiet_import()
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    sites: dict[str, Any] = {}
    if docs_dir is not None:
        sites["revops"] = {
            "class_name": "SiteBuilder",
            "store_backend": {
                "class_name": "TupleFilesystemStoreBackend",
                "base_directory": str(docs_dir),
            },
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        }
    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
        data_docs_sites=sites,
        progress_bars=ProgressBarsConfig(globally=False),
        analytics_enabled=False,
    )
    return gx.get_context(project_config=config, mode="ephemeral")


class ExpectationLike(Protocol):
    """What build_expectation reads of an expectation (checks.suites.ExpectationSpec is
    one): declared here so that this module, which suites imports, does not import suites."""

    @property
    def type(self) -> str: ...

    @property
    def kwargs(self) -> Mapping[str, Any]: ...

    @property
    def severity(self) -> str: ...

    @property
    def description(self) -> str | None: ...


def build_expectation(spec: ExpectationLike, meta: Mapping[str, Any]) -> Any:
    """The GX expectation object for a spec; GX checks the arguments here."""
    _quiet_import()
    from great_expectations.expectations.expectation_configuration import (
        ExpectationConfiguration,
    )
    from great_expectations.expectations.metadata_types import FailureSeverity

    config = ExpectationConfiguration(
        type=spec.type,
        kwargs=dict(spec.kwargs),
        meta=dict(meta),
        description=spec.description,
        severity=FailureSeverity(GX_SEVERITY[spec.severity]),
    )
    return config.to_domain_obj()


def gx_errors() -> tuple[type[Exception], ...]:
    """The exceptions GX raises for an unknown expectation or wrong arguments."""
    _quiet_import()
    import pydantic.v1
    from great_expectations.exceptions.exceptions import (
        GreatExpectationsError,
        InvalidExpectationKwargsError,
    )

    return (
        GreatExpectationsError,
        InvalidExpectationKwargsError,
        pydantic.v1.ValidationError,
        pydantic.ValidationError,
        TypeError,
        ValueError,
    )


@cache
def known_expectation_types() -> tuple[str, ...]:
    _quiet_import()
    from great_expectations.expectations.registry import list_registered_expectation_implementations

    return tuple(sorted(list_registered_expectation_implementations()))


def result_format(key: tuple[str, ...]) -> dict[str, Any]:
    """SUMMARY results with a few failing rows, named by the suite's key columns."""
    fmt: dict[str, Any] = {"result_format": "SUMMARY", "partial_unexpected_count": EXAMPLES}
    if key:
        fmt["unexpected_index_column_names"] = list(key)
    return fmt


def to_plain(value: Any) -> Any:
    """numpy/pandas scalars and timestamps as plain JSON-able Python values."""
    if isinstance(value, float) and value != value:  # NaN: pandas' missing value
        return None
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Mapping):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_plain(v) for v in value]
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    if hasattr(value, "item"):
        try:
            return to_plain(value.item())
        except (TypeError, ValueError):
            pass
    return str(value)


#: An e-mail address as it appears in text (a top-level domain of letters, so version
#: strings such as bootstrap@1.1.0 in the pages' assets are not taken for one).
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}\b")
REDACTED = "[e-mail redacted]"


def redact_docs(folder: Path) -> int:
    """Replace every e-mail address in the Data Docs pages under ``folder`` (GX samples the
    unexpected values of an expectation, an e-mail column's included); returns how many
    pages changed."""
    changed = 0
    for page in folder.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        clean = EMAIL.sub(REDACTED, text)
        if clean != text:
            page.write_text(clean, encoding="utf-8")
            changed += 1
    return changed
