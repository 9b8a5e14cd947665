"""Options shared by several commands, defined once and stacked as decorators."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from revops_cli.render import FORMATS

F = TypeVar("F", bound=Callable[..., Any])


def project_options(func: F) -> F:
    """--project-dir, --profiles-dir, --target, --database and --raw-database."""
    options = [
        click.option(
            "--project-dir",
            type=click.Path(file_okay=False, path_type=Path),
            help="The revops dbt project (default: the nearest dbt_project.yml above cwd).",
        ),
        click.option(
            "--profiles-dir",
            type=click.Path(file_okay=False, path_type=Path),
            envvar="DBT_PROFILES_DIR",
            help="Folder with profiles.yml (default: the project's profiles/).",
        ),
        click.option("--target", "-t", help="dbt target (default: the profile's, duckdb)."),
        click.option(
            "--database",
            type=click.Path(dir_okay=False, path_type=Path),
            envvar="REVOPS_DUCKDB_PATH",
            help="The embedded DuckDB file (default: revops.duckdb in the project).",
        ),
        click.option(
            "--raw-database",
            type=click.Path(dir_okay=False, path_type=Path),
            envvar="REVOPS_RAW_DATABASE",
            help="Keep the raw tables in this DuckDB file, attached read-only, instead of "
            "in --database (which then holds only what revops builds).",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def format_option(func: F) -> F:
    """--format table|json|csv."""
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(FORMATS),
        default="table",
        show_default=True,
        help="Output for people (table) or machines.",
    )(func)


def generator_options(func: F) -> F:
    """--seed, --scale, --start, --months."""
    options = [
        click.option(
            "--seed",
            type=int,
            default=42,
            show_default=True,
            help="Random seed: the same seed gives the same data.",
        ),
        click.option(
            "--scale",
            type=float,
            default=1.0,
            show_default=True,
            help="Size: 1 = 5,000 leads; 200 = 1M leads.",
        ),
        click.option(
            "--start",
            type=click.DateTime(formats=["%Y-%m-%d"]),
            default="2025-01-01",
            show_default=True,
            help="First day of the simulated history.",
        ),
        click.option(
            "--months",
            type=click.IntRange(3, 60),
            default=18,
            show_default=True,
            help="Months of history.",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def grain_option(func: F) -> F:
    """--grain: the period a metric is read by, one of the catalog's grains."""
    from revops_cli.metrics.request import GRAINS

    return click.option(
        "--grain",
        type=click.Choice(GRAINS),
        default="month",
        show_default=True,
        help="The period grain.",
    )(func)


def dialect_option(func: F) -> F:
    """--dialect: the SQL dialect to write (a dbt adapter type)."""
    from revops_cli.metrics.request import DIALECTS

    return click.option(
        "--dialect",
        type=click.Choice(sorted(DIALECTS)),
        default="duckdb",
        show_default=True,
        help="The SQL dialect.",
    )(func)
