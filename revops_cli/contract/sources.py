"""Where each system's raw tables come from: the source adapters and their configuration.

A company chooses, per system, in ``dbt_project.yml``::

    vars:
      revops_sources:
        crm: {adapter: fivetran_hubspot, schema: hubspot}
        billing: {adapter: fivetran_stripe, schema: stripe}
        support: none
        ...

``revops`` reads the canonical contract (``tables.RAW_TABLES``) from ``raw_<system>``;
another adapter maps the tables a connector lands onto that contract (a dbt model per
canonical table under ``models/adapters/<adapter>/``); ``none`` says the company does not
have the system: its canonical tables are empty and the metrics that need it are off.

A system left out keeps the default (``revops`` from ``raw_<system>``). dbt's ``--vars``
replaces ``revops_sources`` whole, so a run that changes one system restates the others
or accepts their defaults.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from revops_cli.contract.tables import RAW_TABLES, SYSTEMS, RawTable
from revops_cli.errors import ConfigError

#: The var holding the choice of adapters.
SOURCES_VAR = "revops_sources"
#: The adapter reading revops' own contract, and the choice "this system is absent".
CANONICAL = "revops"
NONE = "none"
#: Systems that cannot be absent: the funnel starts in the CRM.
REQUIRED_SYSTEMS: tuple[str, ...] = ("crm",)

#: Column type families ``revops doctor`` checks a connector's columns against.
TEXT, TIMESTAMP, NUMBER, BOOLEAN, ANY = "text", "timestamp", "number", "boolean", "any"


@dataclass(frozen=True)
class ConnectorColumn:
    name: str
    family: str
    description: str = ""


@dataclass(frozen=True)
class ConnectorTable:
    """A table the connector lands, with the columns the adapter reads."""

    name: str
    description: str
    columns: tuple[ConnectorColumn, ...]
    #: the adapter cannot work without it (optional ones fill less when missing).
    required: bool = True
    #: a company may have no rows in it (teams, form submissions): not a doctor error.
    may_be_empty: bool = False

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @classmethod
    def landed(
        cls,
        loaded_at: ConnectorColumn,
        name: str,
        description: str,
        *columns: tuple[str, str] | tuple[str, str, str],
        may_be_empty: bool = False,
    ) -> ConnectorTable:
        """A table as a loader lands it: the columns an adapter reads (name, family and an
        optional description), then the loader's own ``loaded_at`` column."""
        cols = tuple(ConnectorColumn(*c) for c in columns)
        return cls(name, description, (*cols, loaded_at), may_be_empty=may_be_empty)


@dataclass(frozen=True)
class AdapterPart:
    """One connector of an adapter that combines several, each in its own schema (the ad
    platforms: Google Ads, LinkedIn Ads, Meta Ads)."""

    name: str
    title: str
    default_schema: str
    tables: tuple[ConnectorTable, ...]


@dataclass(frozen=True)
class Adapter:
    """How one system's connector tables become the canonical contract."""

    name: str
    system: str
    title: str
    #: where the connector writes by default (its schema when none is configured).
    default_schema: str
    #: the loader's sync timestamp, read for freshness (``_loaded_at`` in the contract).
    loaded_at: str
    tables: tuple[ConnectorTable, ...]
    #: canonical tables the adapter fills; the system's others are empty.
    provides: tuple[str, ...]
    #: what the mapping cannot fill, and what follows from it (README, `revops doctor`).
    gaps: tuple[str, ...] = ()
    #: the connector's soft-delete flag; rows with it set are excluded and counted.
    deleted_flag: str | None = None
    references: tuple[str, ...] = field(default=())
    #: several connectors in one adapter, each in its own schema: ``schema`` in the
    #: configuration is then a mapping of part to schema (the parts listed are on).
    parts: tuple[AdapterPart, ...] = ()

    @property
    def is_canonical(self) -> bool:
        return self.name == CANONICAL


def _family(raw_type: str, is_date: bool) -> str:
    if is_date:
        return TIMESTAMP
    upper = raw_type.upper()
    if upper.startswith(("DECIMAL", "INTEGER", "BIGINT", "DOUBLE")):
        return NUMBER
    if upper == "BOOLEAN":
        return BOOLEAN
    if upper == "TIMESTAMP":
        return TIMESTAMP
    return TEXT


def _canonical_table(table: RawTable) -> ConnectorTable:
    return ConnectorTable(
        table.name,
        table.description,
        tuple(
            ConnectorColumn(c.name, _family(c.type, c.name in table.date_columns), c.description)
            for c in table.columns
        ),
    )


def canonical_adapter(system: str) -> Adapter:
    """The adapter reading revops' own contract for a system."""
    tables = [t for t in RAW_TABLES if t.system == system]
    return Adapter(
        name=CANONICAL,
        system=system,
        title=f"revops' own contract (raw_{system})",
        default_schema=f"raw_{system}",
        loaded_at="_loaded_at",
        tables=tuple(_canonical_table(t) for t in tables),
        provides=tuple(t.name for t in tables),
    )


#: Connector adapters by name (revops_cli.contract.connectors registers them).
CONNECTORS: dict[str, Adapter] = {}


def register(adapter: Adapter) -> Adapter:
    CONNECTORS[adapter.name] = adapter
    return adapter


def adapters_for(system: str) -> list[str]:
    """The adapter names a system accepts, canonical first, ``none`` last where allowed."""
    from revops_cli.contract import connectors  # noqa: F401 - registers the connectors

    names = [CANONICAL, *sorted(a.name for a in CONNECTORS.values() if a.system == system)]
    return names if system in REQUIRED_SYSTEMS else [*names, NONE]


@dataclass(frozen=True)
class SourceConfig:
    """One system's source: its adapter (None when the system is absent) and location."""

    system: str
    adapter: Adapter | None
    schema: str | None
    database: str | None
    #: for an adapter with parts: the parts that are on, with their schemas.
    part_schemas: dict[str, str] = field(default_factory=dict)

    @property
    def is_on(self) -> bool:
        return self.adapter is not None

    def locations(self) -> list[tuple[str, tuple[ConnectorTable, ...]]]:
        """Where the adapter reads: (schema, its tables), one per part that is on."""
        if self.adapter is None:
            return []
        if self.adapter.parts:
            return [
                (self.part_schemas[p.name], p.tables)
                for p in self.adapter.parts
                if p.name in self.part_schemas
            ]
        return [(self.schema or self.adapter.default_schema, self.adapter.tables)]

    @property
    def adapter_name(self) -> str:
        return self.adapter.name if self.adapter else NONE


def resolve_sources(variables: Mapping[str, Any]) -> dict[str, SourceConfig]:  # noqa: C901
    """Every system's source from the vars (``revops_sources``), checked: an unknown
    system or adapter, or an adapter of another system, is a ConfigError naming the key."""
    from revops_cli.contract import connectors  # noqa: F401 - registers the connectors

    given = variables.get(SOURCES_VAR) or {}
    if not isinstance(given, Mapping):
        raise ConfigError(f"{SOURCES_VAR} must be a mapping of system to adapter")
    unknown = sorted(set(given) - set(SYSTEMS))
    if unknown:
        raise ConfigError(
            f"{SOURCES_VAR}.{unknown[0]}: not a system (one of: {', '.join(SYSTEMS)})"
        )
    out: dict[str, SourceConfig] = {}
    for system in SYSTEMS:
        entry = given.get(system)
        if entry is None:
            entry = {}
        elif isinstance(entry, str):
            entry = {"adapter": entry}
        elif not isinstance(entry, Mapping):
            raise ConfigError(
                f"{SOURCES_VAR}.{system}: expected an adapter name or a mapping "
                "{adapter, schema, database}"
            )
        extra = sorted(set(entry) - {"adapter", "schema", "database"})
        if extra:
            raise ConfigError(
                f"{SOURCES_VAR}.{system}.{extra[0]}: unknown key (adapter, schema, database)"
            )
        name = str(entry.get("adapter") or CANONICAL)
        allowed = adapters_for(system)
        if name not in allowed:
            raise ConfigError(
                f"{SOURCES_VAR}.{system}.adapter: {name!r} is not an adapter for {system} "
                f"(one of: {', '.join(allowed)})"
            )
        adapter = (
            None
            if name == NONE
            else canonical_adapter(system)
            if name == CANONICAL
            else CONNECTORS[name]
        )
        parts = _part_schemas(system, adapter, entry.get("schema"))
        for key in ("schema", "database"):
            value = entry.get(key)
            if key == "schema" and parts:
                continue
            if value is not None and (not isinstance(value, str) or not value.strip()):
                raise ConfigError(f"{SOURCES_VAR}.{system}.{key}: expected a name")
        if adapter is None:
            out[system] = SourceConfig(system, None, None, None)
            continue
        out[system] = SourceConfig(
            system,
            adapter,
            None if parts else entry.get("schema") or adapter.default_schema,
            entry.get("database"),
            parts,
        )
    if out["product"].is_on and not out["billing"].is_on:
        raise ConfigError(
            f"{SOURCES_VAR}.product: product usage is keyed by billing customer; "
            "with billing: none, set product: none too"
        )
    return out


def _part_schemas(system: str, adapter: Adapter | None, given: Any) -> dict[str, str]:
    """An adapter with parts: the parts on and their schemas (all, at their defaults, when
    ``schema`` is not given); a ConfigError for an unknown part or a schema that is not a
    name."""
    if adapter is None or not adapter.parts:
        return {}
    known = {p.name: p.default_schema for p in adapter.parts}
    if given is None:
        return known
    where = f"{SOURCES_VAR}.{system}.schema"
    if not isinstance(given, Mapping) or not given:
        raise ConfigError(
            f"{where}: {adapter.name} combines several connectors: a mapping of each one "
            f"the company uses to its schema ({', '.join(known)})"
        )
    out: dict[str, str] = {}
    for part, schema in given.items():
        if part not in known:
            raise ConfigError(f"{where}.{part}: not a part of {adapter.name} ({', '.join(known)})")
        if schema is None:
            continue
        if not isinstance(schema, str) or not schema.strip():
            raise ConfigError(f"{where}.{part}: expected a schema name")
        out[str(part)] = schema
    if not out:
        raise ConfigError(f"{where}: name at least one of {', '.join(known)}")
    return out


def systems_off(variables: Mapping[str, Any]) -> list[str]:
    """The systems configured as absent."""
    return [s for s, c in resolve_sources(variables).items() if not c.is_on]
