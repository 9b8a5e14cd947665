"""The `revops` command line: thin click commands over the modules.

Exit codes: 0 ok, 1 checks failed (a dbt test or model failed), 2 usage or configuration
error. Errors are one sentence on stderr, never a traceback (REVOPS_DEBUG=1 shows one).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from revops_cli import __version__
from revops_cli.checks.options import check_options
from revops_cli.errors import EXIT_CHECKS_FAILED, EXIT_OK, EXIT_USAGE, RevopsError
from revops_cli.params import (
    dialect_option,
    format_option,
    generator_options,
    grain_option,
    project_options,
)
from revops_cli.project import Project


class RevopsGroup(click.Group):
    """Turns every RevopsError (and any surprise) into one line and an exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except RevopsError as exc:
            click.echo(f"Error: {exc}", err=True)
            ctx.exit(exc.exit_code)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except Exception as exc:  # a bug: still no traceback for the user
            if os.environ.get("REVOPS_DEBUG"):
                raise
            click.echo(
                f"Error: unexpected {type(exc).__name__}: {exc} "
                "(set REVOPS_DEBUG=1 for the traceback)",
                err=True,
            )
            ctx.exit(EXIT_USAGE)


@click.group(cls=RevopsGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="revops")
def cli() -> None:
    """revops: one revenue funnel from CRM, marketing, billing and support data.

    \b
    Examples:
      revops demo                      # generate demo data, build, print the funnel
      revops generate --scale 10       # 50,000 leads into revops.duckdb
      revops build                     # dbt build + summary; exit 1 if a test fails

    Exit codes: 0 ok, 1 checks failed, 2 usage or configuration error.
    """


def _project(
    project_dir: Path | None,
    profiles_dir: Path | None,
    target: str | None,
    database: Path | None,
    raw_database: Path | None,
) -> Project:
    return Project.resolve(project_dir, profiles_dir, target, database, raw_database)


@cli.command()
@project_options
@generator_options
@click.option(
    "--as",
    "shapes",
    metavar="ADAPTERS",
    help="Also write the business as these connectors land it (comma-separated, e.g. "
    "fivetran_hubspot,fivetran_stripe), in their schemas.",
)
@click.option(
    "--knob",
    "knobs",
    metavar="NAME=SHARE",
    multiple=True,
    help="Make a leak on purpose (repeatable): broken_invoicing=0.3 leaves 30% of won "
    "customers never invoiced; missing_loss_reasons, broken_account_matching weaken what "
    "`revops audit` scores. The rest of the business stays the same.",
)
def generate(
    project_dir: Path | None,
    profiles_dir: Path | None,
    target: str | None,
    database: Path | None,
    raw_database: Path | None,
    seed: int,
    scale: float,
    start: datetime,
    months: int,
    shapes: str | None,
    knobs: tuple[str, ...],
) -> None:
    """Generate a simulated business's raw tables (and its ground truth) into DuckDB.

    The same --seed always gives the same data. Existing raw and truth tables in the
    file are replaced; built models are left alone until the next build. With --as, the
    same business is also written in each connector's own shape (schema hubspot, stripe),
    to build with revops_sources pointing at those adapters. With --raw-database, all of it
    goes into that file instead, and builds read it from there.

    \b
    Examples:
      revops generate --seed 7 --scale 20 --database /tmp/big.duckdb
      revops generate --as fivetran_hubspot,fivetran_stripe
      revops generate --knob broken_invoicing=0.3   # then: revops build; revops leaks
    """
    from revops_cli import generator
    from revops_cli.generator.context import parse_knobs
    from revops_cli.generator.shapes import parse_shapes

    names = parse_shapes(shapes)
    leaks = parse_knobs(knobs)
    project = _project(project_dir, profiles_dir, target, database, raw_database)
    result = generator.generate(
        project.generated_database,
        project.project_dir,
        seed=seed,
        scale=scale,
        start=start.date(),
        months=months,
        progress=scale >= 20,
        shapes=names,
        knobs=leaks,
    )
    click.echo(_generated_text(result))


def _generated_text(result: Any) -> str:
    from revops_cli.render import render

    rejected: dict[str, int] = {}
    for i in result.injected:
        rejected[i.table] = rejected.get(i.table, 0) + i.rows
    rows = [(t, n, rejected.get(t, 0)) for t, n in result.raw_rows.items()]
    table = render(["raw table", "rows", "dirty rows to reject"], rows)
    knobs = "".join(f", knob {k}={v:g}" for k, v in sorted(result.knobs.items()))
    return (
        f"Generated {result.leads:,} leads, {result.start} to {result.end} (exclusive), "
        f"seed {result.seed}{knobs}, in {result.seconds:.1f}s -> {result.database}\n{table}"
    )


@cli.command()
@project_options
@click.option("--select", "-s", help="dbt selection, e.g. 'staging' or '+fct_mrr'.")
@click.option("--full-refresh", is_flag=True, help="Rebuild incremental models from scratch.")
@click.option("--vars", "dbt_vars", help="Override definitions, as dbt --vars YAML.")
@click.option("--skip-checks", is_flag=True, help="Do not run the expectation suites after dbt.")
@click.option(
    "--publish-on-warn", is_flag=True, help="Publish a build whose only problems are warnings."
)
@click.option(
    "--force-publish", is_flag=True, help="Publish even when the gate fails (emergencies)."
)
@click.option("--verbose", "-v", is_flag=True, help="Print every node as it finishes.")
@check_options
@format_option
def build(
    project_dir: Path | None,
    profiles_dir: Path | None,
    target: str | None,
    database: Path | None,
    raw_database: Path | None,
    select: str | None,
    full_refresh: bool,
    dbt_vars: str | None,
    skip_checks: bool,
    publish_on_warn: bool,
    force_publish: bool,
    verbose: bool,
    junit_xml: Path | None,
    as_of: datetime | None,
    fmt: str,
) -> None:
    """Build the project: seeds, models and tests in one dbt invocation, the expectation
    suites (tests/expectations) on the result, then publish it when they pass.

    On DuckDB the build writes a shadow copy of the database (.revops-build/ beside it),
    on PostgreSQL shadow schemas (*__revops_build), and publishes them only when no model,
    test or error-severity expectation fails and nothing warns (--publish-on-warn lets
    warnings through; --force-publish anything). A failed, blocked or interrupted build
    leaves the last published build untouched; every run is recorded in revops_meta.runs.
    Progress goes to stderr (one live line on a terminal; failures as they happen, and
    every node with --verbose), the summary to stdout, in every format. Exits 1 when
    something failed or the build was not published.

    \b
    Example:
      revops build --select staging --format json --junit-xml target/expectations.xml
    """
    from revops_cli.build import build as run_build
    from revops_cli.checks import write_junit
    from revops_cli.checks.report import build_and_checks_text
    from revops_cli.progress import BuildProgress
    from revops_cli.summary import build_summary_text, publication_line

    project = _project(project_dir, profiles_dir, target, database, raw_database)
    with BuildProgress(verbose=verbose) as progress:
        summary = run_build(
            project,
            select=select,
            full_refresh=full_refresh,
            dbt_vars=dbt_vars,
            progress=progress,
            checks=not skip_checks,
            as_of=as_of,
            publish_on_warn=publish_on_warn,
            force_publish=force_publish,
        )
    if junit_xml:
        write_junit(summary.checks, junit_xml, dbt=summary.dbt)
    text = build_and_checks_text(build_summary_text(summary, fmt), summary.checks, fmt)
    if fmt != "json":
        text += f"\n\n{publication_line(summary)}"
    click.echo(text)
    if not summary.exit_ok:
        sys.exit(EXIT_CHECKS_FAILED)


@cli.command()
@project_options
@click.option(
    "--suite", "suites", multiple=True, help="Run only these suites (names or globs, repeatable)."
)
@click.option("--vars", "dbt_vars", help="Override definitions, as dbt --vars YAML.")
@check_options
@format_option
def check(
    project_dir: Path | None,
    profiles_dir: Path | None,
    target: str | None,
    database: Path | None,
    raw_database: Path | None,
    suites: tuple[str, ...],
    dbt_vars: str | None,
    junit_xml: Path | None,
    as_of: datetime | None,
    fmt: str,
) -> None:
    """Run the data-quality expectation suites (tests/expectations/*.yml) on the built data.

    Prints what failed or warned with example keys, appends every result to
    data_quality.dq_expectation_results and writes GX Data Docs under target/. Exits 1
    when an error-severity expectation fails or nothing was checked; suites whose model is
    not built are skipped; a suite naming no model or seed of the project exits 2.

    \b
    Examples:
      revops check
      revops check --suite 'stg_crm__*' --format json --junit-xml target/expectations.xml
    """
    from revops_cli.checks import check_text, run_checks, write_junit
    from revops_cli.publish import describe, published_run

    project = _project(project_dir, profiles_dir, target, database, raw_database)
    run = run_checks(project, select=list(suites) or None, dbt_vars=dbt_vars, as_of=as_of)
    if junit_xml:
        write_junit(run, junit_xml)
    click.echo(check_text(run, fmt))
    if (build := published_run(project)) is not None:
        click.echo(f"Read {describe(build)}", err=fmt != "table")
    if not run.ok:
        sys.exit(EXIT_CHECKS_FAILED)


@cli.command()
@project_options
@click.option("--vars", "dbt_vars", help="Check these revops_sources instead, as dbt --vars YAML.")
@click.option("--verbose", "-v", is_flag=True, help="Also list the tables that pass.")
@format_option
def doctor(
    project_dir: Path | None,
    profiles_dir: Path | None,
    target: str | None,
    database: Path | None,
    raw_database: Path | None,
    dbt_vars: str | None,
    verbose: bool,
    fmt: str,
) -> None:
    """Check the raw schemas against the source adapters before a build.

    For each system revops_sources turns on (dbt_project.yml), every table its adapter
    reads: present, with the columns it reads in usable types, not empty, and synced within
    72 hours of the newest table. One line per problem with what to do. Exits 2 when the
    build cannot work (a missing table or column, a wrong type), 0 otherwise.

    \b
    Examples:
      revops doctor
      revops doctor --vars '{revops_sources: {crm: {adapter: revops, schema: raw_crm}}}'
    """
    from revops_cli import doctor as doc
    from revops_cli.config import ProjectConfig
    from revops_cli.render import render

    project = _project(project_dir, profiles_dir, target, database, raw_database)
    config = ProjectConfig.load(project.project_dir, dbt_vars)
    findings = doc.diagnose(project, config)
    columns = ["status", "system", "relation", "message"]
    if fmt == "table":
        errors = sum(f.status == "error" for f in findings)
        warns = sum(f.status == "warn" for f in findings)
        shown = doc.rows(findings, verbose)
        if shown:
            click.echo(render(columns, shown))
        click.echo(
            f"{len(findings)} checks: {errors} error(s), {warns} warning(s); "
            + ("the build can run" if not errors else "fix the errors before a build")
        )
    else:
        click.echo(render(columns, doc.rows(findings, verbose=True), fmt))
    if not doc.ok(findings):
        sys.exit(EXIT_USAGE)


@cli.command()
@project_options
@generator_options
def demo(
    project_dir: Path | None,
    profiles_dir: Path | None,
    target: str | None,
    database: Path | None,
    raw_database: Path | None,
    seed: int,
    scale: float,
    start: datetime,
    months: int,
) -> None:
    """Generate demo data, build everything, print the funnel and write the report: the whole
    job, end to end.

    \b
    Example:
      revops demo --scale 2
    """
    from revops_cli import generator
    from revops_cli.build import build as run_build
    from revops_cli.summary import build_summary_text, funnel_text, publication_line

    project = _project(project_dir, profiles_dir, target, database, raw_database)
    click.echo("1/3 generating demo data ...")
    result = generator.generate(
        project.generated_database,
        project.project_dir,
        seed=seed,
        scale=scale,
        start=start.date(),
        months=months,
        progress=scale >= 20,
    )
    click.echo(_generated_text(result))
    click.echo("\n2/3 building (dbt build: seeds, models, tests) ...")
    from revops_cli.progress import BuildProgress

    with BuildProgress() as progress:
        summary = run_build(project, progress=progress)
    click.echo(build_summary_text(summary, "table"))
    click.echo(publication_line(summary))
    if not summary.exit_ok:
        sys.exit(EXIT_CHECKS_FAILED)
    click.echo("\n3/3 the funnel, from the staged data")
    click.echo(funnel_text(project))
    from revops_cli.config import ProjectConfig
    from revops_cli.metrics.api import MetricStore
    from revops_cli.project import target_dir
    from revops_cli.report import report, write

    unit = ProjectConfig.load(project.project_dir).definitions.get("reporting_currency", "")
    out = target_dir(project.project_dir) / "report.html"
    with MetricStore(project) as store:
        write(report(store, str(unit)), out)
    click.echo(f"\nThe report: {out} (open it in a browser; `revops leaks`, `revops monitor`)")


@cli.group()
def definitions() -> None:
    """The shared lifecycle definitions (vars.revops in dbt_project.yml).

    \b
    Examples:
      revops definitions show
      revops definitions validate
    """


@definitions.command("show")
@click.option(
    "--project-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="The revops dbt project (default: the nearest dbt_project.yml above cwd).",
)
@click.option(
    "--vars", "dbt_vars", help="What-if overrides, as for build: '{revops_overrides: {...}}'."
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["yaml", "json"]),
    default="yaml",
    show_default=True,
    help="Output format.",
)
def definitions_show(project_dir: Path | None, dbt_vars: str | None, fmt: str) -> None:
    """Print the definitions in force, with any what-if overrides merged in.

    \b
    Example:
      revops definitions show --vars '{revops_overrides: {slas: {lead_response_hours: 4}}}'
    """
    import json

    import yaml

    from revops_cli.config import ProjectConfig
    from revops_cli.definitions import check_config
    from revops_cli.project import find_project_dir

    config = ProjectConfig.load(project_dir or find_project_dir(), dbt_vars)
    check_config(config)
    data = config.definitions
    if fmt == "json":
        click.echo(json.dumps(data, indent=2, default=str))
    else:
        click.echo(yaml.safe_dump({"revops": data}, sort_keys=False).rstrip())


@cli.command()
@click.option(
    "--project-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="The revops dbt project (default: the nearest dbt_project.yml above cwd).",
)
@click.option("--vars", "dbt_vars", help="Validate with these what-if overrides merged in.")
def validate(project_dir: Path | None, dbt_vars: str | None) -> None:
    """Check every file you edit in one pass: the definitions (dbt_project.yml and --vars),
    metrics/*.yml and the expectation suites, and files revops would not read.

    Every mistake as file:line:column with what was expected; exits 2 when anything is
    wrong. `revops build` runs the same pass before dbt.

    \b
    Example:
      revops validate
      revops validate --vars '{revops_overrides: {reporting_currency: EUR}}'
    """
    from revops_cli.project import find_project_dir
    from revops_cli.validate import validate_project

    root = project_dir or find_project_dir()
    result = validate_project(root, dbt_vars)
    for problem in result.problems:
        click.echo(problem, err=True)
    if result.problems:
        click.echo(f"{len(result.problems)} mistake(s) in the project's files", err=True)
        sys.exit(EXIT_USAGE)
    click.echo(f"{len(result.files)} files are valid (definitions, metrics, suites)")


@definitions.command("validate")
@click.option(
    "--project-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="The revops dbt project (default: the nearest dbt_project.yml above cwd).",
)
@click.option("--vars", "dbt_vars", help="Validate with these what-if overrides merged in.")
def definitions_validate(project_dir: Path | None, dbt_vars: str | None) -> None:
    """Check the definitions against their schema; every mistake as file:line:column.

    Exits 2 when anything is wrong.

    \b
    Example:
      revops definitions validate
    """
    from revops_cli.definitions import validate_definitions
    from revops_cli.project import find_project_dir

    root = project_dir or find_project_dir()
    problems = validate_definitions(root, vars_text=dbt_vars)
    for problem in problems:
        click.echo(str(problem), err=True)
    if problems:
        sys.exit(EXIT_USAGE)
    click.echo(f"{root / 'dbt_project.yml'}: definitions are valid")


_DATE = click.DateTime(formats=["%Y-%m-%d"])


def _window_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """--start/--end of a window of whole months (leaks, audit, diff)."""
    command = click.option(
        "--end", type=_DATE, help="Month after the window (default: after the last closed)."
    )(command)
    return click.option(
        "--start", type=_DATE, help="First month of the window (default: a year back)."
    )(command)


@cli.command()
@project_options
@click.argument("metric_names", nargs=-1, required=True)
@grain_option
@click.option("--by", "dimensions", multiple=True, help="Slice by this dimension (repeatable).")
@click.option(
    "--where",
    help="A condition on any dimension every metric allows, e.g. \"lead_source = 'webinar'\".",
)
@click.option("--start", type=_DATE, help="First period to show (its start date, inclusive).")
@click.option("--end", type=_DATE, help="Show periods starting before this date.")
@click.option("--parts", is_flag=True, help="Add each ratio's numerator and denominator.")
@click.option(
    "--vars", "dbt_vars", help="What-if definitions, as for build: '{revops_overrides: …}'."
)
@click.option("--sql", "show_sql", is_flag=True, help="Print the SQL instead of running it.")
@format_option
def query(
    project_dir: Path | None,
    profiles_dir: Path | None,
    target: str | None,
    database: Path | None,
    raw_database: Path | None,
    metric_names: tuple[str, ...],
    grain: str,
    dimensions: tuple[str, ...],
    where: str | None,
    start: datetime | None,
    end: datetime | None,
    parts: bool,
    dbt_vars: str | None,
    show_sql: bool,
    fmt: str,
) -> None:
    """Query metrics from the catalog (metrics/*.yml) on the built warehouse, without dbt.

    Periods run from the first with data to the data's as-of (dim_as_of); one that runs
    past it is marked partial. Flows read 0 in an empty period; balances are read at the
    period's last (or first) snapshot, empty when the period has none; snapshots appear
    in the as-of period only. Percentages print as %, money with its currency.

    \b
    Examples:
      revops query mqls mql_to_sql --grain quarter --by lead_source
      revops query bookings --grain fiscal_year --format csv
      revops query leads --where "channel_group = 'paid'" --start 2025-01-01
    """
    from revops_cli.metrics.api import MetricStore
    from revops_cli.metrics.request import Request
    from revops_cli.publish import describe
    from revops_cli.render import metric_table

    project = _project(project_dir, profiles_dir, target, database, raw_database)
    overrides = None
    if dbt_vars:
        from revops_cli.config import ProjectConfig
        from revops_cli.definitions import check_config

        config = ProjectConfig.load(project.project_dir, dbt_vars)
        check_config(config)
        overrides = config.overrides
    request = Request(
        metric_names,
        grain=grain,
        dimensions=dimensions,
        where=where,
        start=start.date() if start else None,
        end=end.date() if end else None,
        parts=parts,
    )
    with MetricStore(project, overrides) as store:
        if show_sql:
            click.echo(store.compile(request).sql)
            return
        result = store.run(request)
        run = store.published_run()  # on the connection that answered
    formats = {name: (m.format, m.unit) for name, m in result.metrics.items()}
    click.echo(metric_table(result.columns, result.rows, formats, fmt))
    # Which build answered: under the table, or on stderr where stdout is data.
    if run is not None:
        click.echo(f"Read {describe(run)}", err=fmt != "table")
    _DONE["fast_exit"] = True


@cli.command()
@project_options
@grain_option
@click.option(
    "--period",
    type=_DATE,
    help="A day in the period to show (default: the last closed period of the grain).",
)
@format_option
def funnel(
    project_dir: Path | None,
    profiles_dir: Path | None,
    target: str | None,
    database: Path | None,
    raw_database: Path | None,
    grain: str,
    period: datetime | None,
    fmt: str,
) -> None:
    """The funnel of one period on the built data, from first touch to retained revenue.

    Each step's count and money and its conversion to the next, from the metric catalog
    (what `revops query` gives), against the previous period and the trailing average of
    the three before. A conversion cohort whose window has not closed by the data's as-of is
    marked maturing ("so far"), and its change is not shown.

    \b
    Examples:
      revops funnel
      revops funnel --grain quarter --period 2026-01-01 --format json
    """
    from revops_cli.funnel import funnel as read_funnel
    from revops_cli.funnel import funnel_text

    project = _project(project_dir, profiles_dir, target, database, raw_database)
    day = period.date() if period else None
    _read_and_show(project, lambda store: read_funnel(store, grain, day), funnel_text, fmt)


def _read_and_show(
    project: Project,
    read: Callable[[Any], Any],
    text: Callable[[Any, str, str | None], str],
    fmt: str,
) -> None:
    """Read through one MetricStore, print the result (money in the reporting currency),
    then which build answered: under a table, or on stderr where stdout is data."""
    from revops_cli.config import ProjectConfig
    from revops_cli.metrics.api import MetricStore
    from revops_cli.publish import describe

    with MetricStore(project) as store:
        result = read(store)
        run = store.published_run()
    unit = ProjectConfig.load(project.project_dir).definitions.get("reporting_currency")
    click.echo(text(result, fmt, unit))
    if run is not None:
        click.echo(f"Read {describe(run)}", err=fmt != "table")


@cli.command()
@project_options
@_window_options
@format_option
def leaks(
    project_dir: Path | None,
    profiles_dir: Path | None,
    target: str | None,
    database: Path | None,
    raw_database: Path | None,
    start: datetime | None,
    end: datetime | None,
    fmt: str,
) -> None:
    """Where revenue leaks: the steps ranked by money lost, each with how it was estimated.

    Deals won but never invoiced, invoices unpaid past due, failed payments not recovered,
    churned and contracted ARR: catalog metrics (what `revops query` gives) over the months
    starting in [--start, --end), by default the last twelve closed by the data's as-of,
    each drilled down to its largest owners, sources and accounts.

    \b
    Examples:
      revops leaks
      revops leaks --start 2025-01-01 --end 2026-01-01 --format json
    """
    from revops_cli.leaks import leaks as read_leaks
    from revops_cli.leaks import leaks_text

    project = _project(project_dir, profiles_dir, target, database, raw_database)
    first, stop = (start.date() if start else None), (end.date() if end else None)
    _read_and_show(project, lambda store: read_leaks(store, first, stop), leaks_text, fmt)


@cli.command()
@project_options
@_window_options
@format_option
def audit(
    project_dir: Path | None,
    profiles_dir: Path | None,
    target: str | None,
    database: Path | None,
    raw_database: Path | None,
    start: datetime | None,
    end: datetime | None,
    fmt: str,
) -> None:
    """How mature revenue operations are: five stages, scored from the built data.

    Each criterion (lifecycle causes, loss and rejection reasons, one account key across
    systems, duplicates, contact decay, rejected rows, days from signature to invoice and to
    cash, forecast accuracy, alerts in use) is one number with the query behind it
    (--format json), its stage from 1 (ad hoc) to 5 (optimized), and the next step. The
    company's stage is the lowest criterion's. Window: the months starting in
    [--start, --end), by default the last twelve closed by the data's as-of.

    \b
    Examples:
      revops audit
      revops audit --format json > audit.json
    """
    from revops_cli.audit import audit as read_audit
    from revops_cli.audit import audit_text

    project = _project(project_dir, profiles_dir, target, database, raw_database)
    first, stop = (start.date() if start else None), (end.date() if end else None)
    _read_and_show(project, lambda store: read_audit(store, first, stop), audit_text, fmt)


@cli.command()
@project_options
@click.option(
    "--set",
    "sets",
    metavar="KEY=VALUE",
    multiple=True,
    help="A definition to change (repeatable): its dotted path in vars.revops, a YAML value.",
)
@click.option("--name", help="The scenario's name (default: from what it sets).")
@click.option("--skip-checks", is_flag=True, help="Do not run the expectation suites.")
@format_option
def whatif(
    project_dir: Path | None,
    profiles_dir: Path | None,
    target: str | None,
    database: Path | None,
    raw_database: Path | None,
    sets: tuple[str, ...],
    name: str | None,
    skip_checks: bool,
    fmt: str,
) -> None:
    """Change definitions in a sandbox and print what moves against the baseline.

    Copies the built database to whatif/<name>/ beside it (the baseline is only read),
    rebuilds there the models that read the changed definitions and everything downstream,
    records the run (overrides, selection, git commit, time) in the scenario's
    revops_meta.runs after the baseline's, and prints the key metrics of both and the leads
    whose lifecycle stage changed. dbt unit tests pin the baseline's rules: the ones of the
    rebuilt models are skipped and named. A test or expectation failing in the scenario is
    listed (the sandbox is published anyway) and makes the exit code 1.

    \b
    Examples:
      revops whatif --set lifecycle.mql.qualifying_actions.min_score=80
      revops whatif --set slas.stagnation_days.proposal=45 --set slas.lead_response_hours=4
    """
    from revops_cli.config import ProjectConfig
    from revops_cli.progress import BuildProgress
    from revops_cli.whatif import whatif as run_whatif
    from revops_cli.whatif import whatif_text

    project = _project(project_dir, profiles_dir, target, database, raw_database)
    with BuildProgress() as progress:
        result = run_whatif(project, sets, name, progress, checks=not skip_checks)
    unit = ProjectConfig.load(project.project_dir).definitions.get("reporting_currency")
    click.echo(whatif_text(result, fmt, unit))
    if result.diff is None or result.failures:
        sys.exit(EXIT_CHECKS_FAILED)


@cli.command()
@project_options
@click.argument("baseline", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("scenario", type=click.Path(dir_okay=False, path_type=Path))
@_window_options
@format_option
def diff(
    project_dir: Path | None,
    profiles_dir: Path | None,
    target: str | None,
    database: Path | None,
    raw_database: Path | None,
    baseline: Path,
    scenario: Path,
    start: datetime | None,
    end: datetime | None,
    fmt: str,
) -> None:
    """Compare two builds: key metrics over a window and the leads whose stage changed.

    BASELINE and SCENARIO are built revops DuckDB files (e.g. revops.duckdb and
    whatif/<name>/revops.duckdb). Counts and amounts are summed over the months starting in
    [--start, --end), by default the baseline's last twelve closed; rates are summed
    numerators over summed denominators.

    \b
    Example:
      revops diff revops.duckdb whatif/min_score-80/revops.duckdb --format json
    """
    from revops_cli.config import ProjectConfig
    from revops_cli.whatif import diff as read_diff
    from revops_cli.whatif import diff_text

    project = _project(project_dir, profiles_dir, target, database, raw_database)
    first, stop = (start.date() if start else None), (end.date() if end else None)
    result = read_diff(project, baseline, scenario, first, stop)
    unit = ProjectConfig.load(project.project_dir).definitions.get("reporting_currency")
    click.echo(diff_text(result, fmt, unit))


@cli.command()
@project_options
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("target/report.html"),
    show_default=True,
    help="The HTML file to write (its folder is created).",
)
@click.option("--start", type=_DATE, help="First month shown (default: a year back).")
@click.option(
    "--end", type=_DATE, help="Month after the last shown (default: after the last closed)."
)
def report(
    project_dir: Path | None,
    profiles_dir: Path | None,
    target: str | None,
    database: Path | None,
    raw_database: Path | None,
    out: Path,
    start: datetime | None,
    end: datetime | None,
) -> None:
    """Write the revenue report: one HTML file that opens offline in any browser.

    An executive view first (KPI tiles of the last closed month against the previous and
    the target, the funnel, the top leaks, the open alerts), then marketing, sales, finance
    (MRR waterfall, bookings vs invoiced vs collected, AR aging), customer success (health
    distribution), data quality (rejected rows by reason, the last check's expectations,
    source freshness) and the maturity audit (`revops audit`). The numbers are catalog
    metrics, as `revops query` gives them, and the audit's; the charts are Vega-Lite, their
    JavaScript inlined: nothing is fetched when it opens.

    \b
    Examples:
      revops report
      revops report --out /tmp/revenue.html --database /tmp/big.duckdb
      revops report --start 2025-07-01 --end 2026-01-01   # six months; tiles on December
    """
    from revops_cli.config import ProjectConfig
    from revops_cli.metrics.api import MetricStore
    from revops_cli.report import report as read_report
    from revops_cli.report import write

    project = _project(project_dir, profiles_dir, target, database, raw_database)
    unit = ProjectConfig.load(project.project_dir).definitions.get("reporting_currency", "")
    with MetricStore(project) as store:
        result = read_report(
            store, str(unit), start.date() if start else None, end.date() if end else None
        )
    size = write(result, out)
    click.echo(
        f"Wrote {out} ({size / 1e6:.1f} MB, {result.charts} charts; data as of "
        f"{result.as_of.isoformat()}): open it in a browser, no network needed"
    )


@cli.command()
@project_options
@click.option(
    "--webhook",
    envvar="REVOPS_ALERT_WEBHOOK",
    help="POST alerts that opened or resolved to this URL (Slack-compatible JSON).",
)
@click.option("--all", "show_all", is_flag=True, help="Also list the rules that did not fire.")
@format_option
def monitor(
    project_dir: Path | None,
    profiles_dir: Path | None,
    target: str | None,
    database: Path | None,
    raw_database: Path | None,
    webhook: str | None,
    show_all: bool,
    fmt: str,
) -> None:
    """Evaluate every metric's alerts: and target: on the built data and remember them.

    Each rule reads its metric in the last closed period of its grain (a conversion: the
    last whose cohort window has closed). Alerts live in revops_meta.alerts with first
    seen, last seen and resolved: a rule that still fires is the same alert, one that
    stops resolves it. --webhook hears of each alert when it opens and when it resolves
    (5 s timeout, 3 attempts). Exits 1 when an error-severity alert is open or the webhook
    could not be reached.

    \b
    Examples:
      revops monitor
      revops monitor --webhook https://hooks.slack.com/services/... --format json
    """
    from revops_cli import monitor as mon
    from revops_cli import warehouse
    from revops_cli.errors import ConfigError
    from revops_cli.metrics.api import MetricStore
    from revops_cli.render import render

    project = _project(project_dir, profiles_dir, target, database, raw_database)
    if project.target_type() not in ("duckdb", "postgres"):
        raise ConfigError("revops monitor keeps its alerts on DuckDB and PostgreSQL targets")
    with MetricStore(project) as store:
        readings = mon.evaluate(store)
    wh = warehouse.connect(project, read_only=False)  # after the store let go of the file
    try:
        alerts = mon.record(wh, readings)
        delivered: tuple[bool, str] | None = None
        pending = mon.to_notify(alerts)
        if webhook and pending:
            delivered = mon.deliver(webhook, mon.payload(pending))
            if delivered[0]:
                mon.mark_notified(wh, pending)
    finally:
        wh.close()
    columns = ["status", "severity", "metric", "rule", "grain", "period_start", "value"]
    columns += ["threshold", "message", "first_seen_at", "last_seen_at"]
    rows = [[a.status, *(a.row[c] for c in columns[1:])] for a in alerts]
    if show_all:
        listed = {a.row["rule_id"] for a in alerts}
        for r in readings:
            if r.rule.rule_id not in listed:
                status = f"skipped: {r.skipped}" if r.skipped else "ok"
                rule = r.rule
                shown = [rule.severity, rule.metric, rule.text, rule.grain, r.period_start]
                rows.append([status, *shown, r.value, rule.threshold, r.message, None, None])
    click.echo(render(columns, rows, fmt, title=None if fmt != "table" else "Alerts"))
    opened = sum(a.status != "resolved" for a in alerts)
    click.echo(
        f"{opened} open ({mon.open_errors(alerts)} error), "
        f"{len(alerts) - opened} resolved by this run; {len(readings)} rules read",
        err=fmt != "table",
    )
    if delivered is not None:
        click.echo(f"Webhook: {delivered[1]}", err=True)
    if mon.open_errors(alerts) or (delivered is not None and not delivered[0]):
        sys.exit(EXIT_CHECKS_FAILED)


@cli.group()
def metrics() -> None:
    """The metric catalog (metrics/*.yml): every KPI defined once.

    \b
    Examples:
      revops metrics list
      revops metrics show mql_to_sql
      revops metrics compile --check
    """


@metrics.command("list")
@click.option("--project-dir", type=click.Path(file_okay=False, path_type=Path))
@format_option
def metrics_list(project_dir: Path | None, fmt: str) -> None:
    """List every metric: name, type, owner, format, dimensions, the source systems it
    needs and whether they are on (revops_sources), label.

    \b
    Example:
      revops metrics list --format csv
    """
    from revops_cli.config import ProjectConfig
    from revops_cli.metrics.catalog import load_catalog
    from revops_cli.metrics.describe import LIST_COLUMNS, catalog_rows
    from revops_cli.project import find_project_dir
    from revops_cli.render import render

    root = project_dir or find_project_dir()
    off = [s for s, c in ProjectConfig.load(root).sources.items() if not c.is_on]
    click.echo(render(LIST_COLUMNS, catalog_rows(load_catalog(root), off), fmt))


@metrics.command("show")
@click.option("--project-dir", type=click.Path(file_okay=False, path_type=Path))
@dialect_option
@click.argument("name")
def metrics_show(project_dir: Path | None, dialect: str, name: str) -> None:
    """Show a metric's definition, lineage (marts and raw sources) and SQL.

    \b
    Example:
      revops metrics show mql_to_sql --dialect snowflake
    """
    from revops_cli.metrics.catalog import load_catalog
    from revops_cli.metrics.compiler import dialect_for
    from revops_cli.metrics.describe import show_text
    from revops_cli.project import find_project_dir

    catalog = load_catalog(project_dir or find_project_dir())
    click.echo(show_text(catalog, catalog.get(name), dialect_for(dialect)))


@metrics.command("compile")
@click.option("--project-dir", type=click.Path(file_okay=False, path_type=Path))
@click.argument("names", nargs=-1)
@grain_option
@click.option("--by", "dimensions", multiple=True, help="Slice by this dimension (repeatable).")
@dialect_option
@click.option("--write", is_flag=True, help="Write the generated models/metrics/ files.")
@click.option("--check", is_flag=True, help="Exit 1 if models/metrics/ drifted from the YAML.")
def metrics_compile(
    project_dir: Path | None,
    names: tuple[str, ...],
    grain: str,
    dimensions: tuple[str, ...],
    dialect: str,
    write: bool,
    check: bool,
) -> None:
    """Print metrics' SQL, or (--write/--check) the generated dbt models for BI tools.

    \b
    Examples:
      revops metrics compile mql_to_sql --grain quarter --dialect bigquery
      revops metrics compile --write     # regenerate models/metrics/ from metrics/*.yml
      revops metrics compile --check     # CI: exit 1 when they differ
    """
    from revops_cli.errors import ConfigError
    from revops_cli.metrics.catalog import load_catalog
    from revops_cli.metrics.compiler import compile_query, dialect_for
    from revops_cli.metrics.generate import generated_files
    from revops_cli.metrics.request import Request
    from revops_cli.project import find_project_dir

    root = project_dir or find_project_dir()
    if write or check:
        if names or (write and check):
            raise ConfigError("--write and --check take no metric names and not each other")
        _sync_generated(
            root,
            generated_files(root),
            write=write,
            source="metrics/*.yml",
            command="revops metrics compile --write",
        )
        return
    if not names:
        raise ConfigError("name a metric to compile, or pass --write or --check")
    catalog = load_catalog(root)
    request = Request(names, grain=grain, dimensions=dimensions)
    click.echo(compile_query(catalog, request, dialect_for(dialect)))


def _sync_generated(
    root: Path, files: list[Any], *, write: bool, source: str, command: str
) -> None:
    """--write: write the generated files that differ; --check: exit 1 naming them."""
    from revops_cli.generated import write as write_files

    if write:
        changed = write_files(files)
        for g in changed:
            click.echo(f"{'removed' if not g.text else 'wrote'} {g.path.relative_to(root)}")
        click.echo(f"{len(changed)} generated file(s) changed")
        return
    stale = [g for g in files if not g.current]
    for g in stale:
        click.echo(f"{g.path.relative_to(root)} drifted from {source}", err=True)
    if stale:
        click.echo(f"run '{command}' and commit the result", err=True)
        sys.exit(EXIT_CHECKS_FAILED)
    click.echo(f"the generated files match {source}")


@cli.command()
@click.option("--project-dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--write", is_flag=True, help="Write the files generated from the contract.")
@click.option("--check", is_flag=True, help="Exit 1 if they drifted from the contract.")
def contract(project_dir: Path | None, write: bool, check: bool) -> None:
    """Generate the dbt files the raw contract and the source adapters define.

    The canonical raw tables (revops_cli/contract/tables.py) and the connector adapters
    (revops_cli/contract/connectors.py) are written once; the dbt sources YAML of each
    system and adapter and the staging helper lists are generated from them.

    \b
    Examples:
      revops contract --write     # regenerate after changing the contract or an adapter
      revops contract --check     # CI: exit 1 when a generated file differs
    """
    from revops_cli.contract.generate import generated_files
    from revops_cli.errors import ConfigError
    from revops_cli.project import find_project_dir

    if write == check:
        raise ConfigError("pass one of --write or --check")
    root = project_dir or find_project_dir()
    _sync_generated(
        root,
        generated_files(root),
        write=write,
        source="revops_cli/contract",
        command="revops contract --write",
    )


@metrics.command("validate")
@click.option("--project-dir", type=click.Path(file_okay=False, path_type=Path))
def metrics_validate(project_dir: Path | None) -> None:
    """Check metrics/*.yml: schema, names, models and columns; every mistake as file:line:column.

    Exits 2 when anything is wrong.

    \b
    Example:
      revops metrics validate
    """
    from revops_cli.metrics.catalog import catalog_files, validate_catalog
    from revops_cli.project import find_project_dir

    root = project_dir or find_project_dir()
    problems = validate_catalog(root)
    for problem in problems:
        click.echo(str(problem), err=True)
    if problems:
        sys.exit(EXIT_USAGE)
    click.echo(f"{len(catalog_files(root))} metric files are valid")


@metrics.command("export")
@click.option("--project-dir", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--semantic-layer",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write the dbt Semantic Layer YAML into.",
)
def metrics_export(project_dir: Path | None, out_dir: Path) -> None:
    """Write the catalog as dbt Semantic Layer YAML (semantic_models + metrics).

    \b
    Example:
      revops metrics export --semantic-layer models/semantic
    """
    from revops_cli.metrics.catalog import load_catalog
    from revops_cli.metrics.semantic import write_semantic_layer
    from revops_cli.project import find_project_dir

    catalog = load_catalog(project_dir or find_project_dir())
    for path in write_semantic_layer(catalog, out_dir):
        click.echo(f"wrote {path}")


#: Set by a read command once its output is written: the process may end without the
#: interpreter's teardown (unloading DuckDB and the rest costs a cold `revops query` about
#: 0.1 s). Only the console script acts on it, never CliRunner.
_DONE = {"fast_exit": False}


def main() -> None:
    """Console-script entry point."""
    try:
        cli(prog_name="revops")
    except SystemExit as exc:
        if exc.code in (EXIT_OK, None) and _DONE["fast_exit"]:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(0)
        raise


if __name__ == "__main__":  # pragma: no cover
    main()
