"""`revops doctor`: the configured raw schemas checked against the chosen adapters, before
a build. Every finding is one line saying what is wrong and what to do; an ``error`` means
the build cannot work or would serve wrong numbers (a missing table or column, a column of
the wrong type, an empty table), a ``warn`` that a table synced more than 72 hours before
the newest one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from revops_cli import warehouse
from revops_cli.config import ProjectConfig
from revops_cli.contract.sources import (
    ANY,
    BOOLEAN,
    NUMBER,
    SOURCES_VAR,
    TEXT,
    TIMESTAMP,
    ConnectorTable,
    SourceConfig,
)
from revops_cli.project import RAW_CATALOG, Project

#: A sync older than this (against the newest sync of all tables) is stale.
STALE_HOURS = 72
#: The engine's type kinds (warehouse.column_kind) each family accepts.
ACCEPTS: dict[str, tuple[str, ...]] = {
    TEXT: ("text",),
    TIMESTAMP: ("temporal", "text"),
    NUMBER: ("number", "float"),
    BOOLEAN: ("boolean",),
    ANY: ("text", "temporal", "number", "float", "boolean", "other"),
}
EXPECTED = {
    TEXT: "text",
    TIMESTAMP: "a timestamp or ISO 8601 text",
    NUMBER: "a number",
    BOOLEAN: "a boolean",
}


@dataclass(frozen=True)
class Finding:
    status: str  # error | warn | pass
    system: str
    relation: str
    message: str


def _table(
    wh: warehouse.Warehouse,
    source: SourceConfig,
    schema: str,
    table: ConnectorTable,
    found: set[str],
    database: str | None = None,
) -> tuple[list[Finding], datetime | None]:
    assert source.adapter is not None
    relation = f"{schema}.{table.name}"
    qualified = f"{database}.{relation}" if database else relation
    adapter = source.adapter.name

    def finding(status: str, message: str, where: str = relation) -> Finding:
        return Finding(status, source.system, where, message)

    if table.name.lower() not in found:
        status = "error" if table.required else "warn"
        return [
            finding(
                status,
                f"missing: adapter {adapter} reads it; load it into {schema}, or point "
                f"{SOURCES_VAR}.{source.system} at the schema (or adapter) that has it",
            )
        ], None
    actual = {c.lower(): t for c, t in warehouse.columns(wh, schema, table.name)}
    if not actual:  # a case-folding engine: look the table up as it is stored
        actual = {c.lower(): t for c, t in warehouse.columns(wh, schema, table.name.lower())}
    out: list[Finding] = []
    for column in table.columns:
        data_type = actual.get(column.name.lower())
        where = f"{relation}.{column.name}"
        if data_type is None:
            out.append(
                finding(
                    "error",
                    f"missing column: adapter {adapter} reads it ({column.family}); add it to "
                    "the sync (or a view over the table)",
                    where,
                )
            )
        elif warehouse.column_kind(data_type) not in ACCEPTS[column.family]:
            out.append(
                finding(
                    "error",
                    f"is {data_type}, expected {EXPECTED[column.family]}; cast it in the "
                    "loader or in a view the source points at",
                    where,
                )
            )
    if out:
        return out, None
    loaded_at = source.adapter.loaded_at
    _, rows = wh.query(
        f"select count(*), max({loaded_at}) from {qualified}"
        if loaded_at.lower() in actual
        else f"select count(*), null from {qualified}"
    )
    count, last = rows[0]
    if not count:
        return [
            finding(
                "error" if table.required and not table.may_be_empty else "warn",
                "empty: the build would serve zeros from it; check the sync, or set "
                f"{SOURCES_VAR}.{source.system} to none if the company does not use it",
            )
        ], None
    if isinstance(last, datetime) and last.tzinfo is not None:  # Airbyte's is aware: UTC
        last = last.astimezone(UTC).replace(tzinfo=None)
    return [finding("pass", f"{count:,} rows")], last if isinstance(last, datetime) else None


def diagnose(project: Project, config: ProjectConfig) -> list[Finding]:
    """Every table each configured adapter reads: present, with its columns and types,
    not empty, and synced within STALE_HOURS of the newest sync."""
    findings: list[Finding] = []
    loads: list[tuple[Finding, datetime]] = []
    wh = warehouse.connect(project)
    try:
        stored = warehouse.relations(wh)
        for system, source in config.sources.items():
            if source.adapter is None:
                findings.append(Finding("pass", system, "-", "off (none): its metrics are off"))
                continue
            # A source in another database (revops_sources, or the --raw-database file).
            database = source.database or (RAW_CATALOG if project.raw_database else None)
            for schema, tables in source.locations():
                found = {t.lower() for s, t in stored if s.lower() == schema.lower()}
                for table in tables:
                    table_findings, last = _table(wh, source, schema, table, found, database)
                    findings += table_findings
                    if last is not None:
                        loads.append((table_findings[-1], last))
    finally:
        wh.close()
    if loads:
        newest = max(last for _, last in loads)
        for f, last in loads:
            hours = (newest - last).total_seconds() / 3600
            if hours > STALE_HOURS:
                findings.append(
                    Finding(
                        "warn",
                        f.system,
                        f.relation,
                        f"stale: last synced {hours:.0f} hours before the newest table; "
                        "check the connector's schedule",
                    )
                )
    return findings


def ok(findings: list[Finding]) -> bool:
    return not any(f.status == "error" for f in findings)


def rows(findings: list[Finding], verbose: bool = False) -> list[tuple[Any, ...]]:
    """Problems first; passes only with ``verbose``."""
    order = {"error": 0, "warn": 1, "pass": 2}
    return [
        (f.status, f.system, f.relation, f.message)
        for f in sorted(findings, key=lambda f: order[f.status])
        if verbose or f.status != "pass"
    ]
