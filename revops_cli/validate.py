"""One validation pass over every file a user edits: the definitions in dbt_project.yml
(with ``--vars`` merged in), the metric catalog (metrics/*.yml), the expectation suites
(tests/expectations/) and files in those folders that revops would not read.

Each mistake is one line, ``file:line[:column]: what is wrong``, in file order. ``revops
validate`` prints them all; ``revops build`` runs the same pass before dbt and refuses to
start on the first (naming how many more there are).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from revops_cli.errors import ConfigError

#: Files a user may keep beside the ones revops reads (notes, editor and VCS files).
_IGNORED_SUFFIXES = (".md", ".txt")


@dataclass
class Validation:
    """The outcome of one pass: every mistake found, and what was read."""

    problems: list[str] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def raise_first(self) -> None:
        """ConfigError naming the first mistake (and how many more), if any."""
        if self.problems:
            more = len(self.problems) - 1
            hint = f" (and {more} more: run 'revops validate')" if more else ""
            raise ConfigError(f"{self.problems[0]}{hint}")


def validate_project(
    project_dir: Path,
    vars_text: str | None = None,
    *,
    suites: bool = True,
    gx: bool = True,
) -> Validation:
    """Check every file a user edits; nothing stops at the first mistake except a
    dbt_project.yml or ``--vars`` that cannot be read at all (everything else depends on it).

    Args:
        project_dir: the dbt project.
        vars_text: ``--vars``, merged over the definitions as a build would.
        suites: also check the expectation suites (a build with --skip-checks does not).
        gx: check each expectation's arguments with Great Expectations (~3 s of import).
    """
    from revops_cli.config import ProjectConfig
    from revops_cli.definitions import validate_config
    from revops_cli.metrics.catalog import CATALOG_DIR, catalog_files, validate_catalog

    result = Validation()
    try:
        config = ProjectConfig.load(project_dir, vars_text)
    except ConfigError as exc:
        result.problems.append(str(exc))
        return result
    result.files.append(config.path)
    result.problems += [str(p) for p in validate_config(config)]
    result.problems += [str(p) for p in validate_catalog(project_dir, config.overrides)]
    result.files += catalog_files(project_dir)
    result.problems += _unread_files(project_dir / CATALOG_DIR, (".yml", ".yaml"), "metric files")
    if suites:
        _validate_suites(project_dir, config.definitions, gx, result)
    return result


def _unread_files(folder: Path, suffixes: tuple[str, ...], what: str) -> list[str]:
    """Files in ``folder`` revops would silently skip (a metrics/x.yaml, say)."""
    if not folder.is_dir():
        return []
    problems = []
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or path.suffix in _IGNORED_SUFFIXES:
            continue
        if path.is_dir():
            problems.append(
                f"{_shown(path)}: a folder: {what} are read from {_shown(folder)}/ only"
            )
        elif path.suffix not in suffixes:
            wanted = " or ".join(suffixes)
            problems.append(
                f"{_shown(path)}: not read: {what} end in {wanted} (rename it, or move it out)"
            )
    return problems


def _validate_suites(
    project_dir: Path, definitions: dict[str, object], gx: bool, result: Validation
) -> None:
    from revops_cli.checks.runner import SUITES_DIR, unknown_models
    from revops_cli.checks.suites import SuiteError, load_suite
    from revops_cli.metrics.models import load_models

    folder = project_dir / SUITES_DIR
    if not folder.is_dir():
        return
    seeds = project_dir / "seeds"
    known = set(load_models(project_dir)) | {p.stem for p in seeds.glob("*.csv")}
    names: dict[str, Path] = {}
    result.problems += _unread_files(folder, (".yml", ".yaml"), "suite files")
    for path in sorted([*folder.glob("*.yml"), *folder.glob("*.yaml")]):
        result.files.append(path)
        try:
            suite = load_suite(path, variables=definitions, seeds_dir=seeds, validate=gx)
        except SuiteError as exc:
            result.problems.append(f"{_shown(exc.path)}:{exc.line}: {exc.message}")
            continue
        except ConfigError as exc:
            result.problems.append(str(exc))
            continue
        if suite.name in names:
            result.problems.append(
                f"{_shown(path)}:1: suite {suite.name!r} is also defined in "
                f"{_shown(names[suite.name])}"
            )
        names[suite.name] = path
        for name, message in unknown_models(suite, known):
            result.problems.append(f"{_shown(path)}:{_line_of(path, name)}: {message}")


def _line_of(path: Path, name: str) -> int:
    """The first line of ``path`` mentioning ``name`` (1 when none does)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return 1
    pattern = re.compile(rf"\b{re.escape(name)}\b")
    return next((i for i, line in enumerate(lines, 1) if pattern.search(line)), 1)


def _shown(path: Path) -> str:
    """``path`` relative to the working directory when it is below it (as Problem shows)."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)
