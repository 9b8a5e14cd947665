"""One exception hierarchy; the CLI turns each into one sentence and an exit code."""

from __future__ import annotations

#: Exit codes, documented in the README and in `revops --help`.
EXIT_OK = 0
EXIT_CHECKS_FAILED = 1
EXIT_USAGE = 2


class RevopsError(Exception):
    """Base class: a problem the user can act on, reported without a traceback."""

    exit_code: int = EXIT_USAGE


class ConfigError(RevopsError):
    """The project, profile, definitions or an option is wrong or missing."""


class DatabaseError(RevopsError):
    """The warehouse could not be reached or a query against it failed."""


class DbtError(RevopsError):
    """dbt could not run (a compile or parse error, a missing profile)."""


class BuildFailed(RevopsError):
    """dbt ran, but a model failed or a test did not pass."""

    exit_code = EXIT_CHECKS_FAILED


def one_line(exc: BaseException | str, limit: int = 400) -> str:
    """An error's text on one line, cut to ``limit`` characters (an ellipsis marks a cut)."""
    text = " ".join(str(exc).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
