"""What the metrics may read: the dbt models, their documented columns and their schemas.

Read from the models' YAML docs (marts have enforced contracts, so the documented columns
are the built ones) and the +schema folder configs in dbt_project.yml, so that validating
or querying a metric never has to start dbt. When a dbt manifest exists (``dbt parse`` or
any build), its source lineage is used for ``revops metrics show``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from revops_cli.config import read_project_file
from revops_cli.project import target_dir
from revops_cli.yamlpos import read_text

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


#: Grains a time column can hold, finest first (``config: {meta: {time_grain: week}}`` on
#: a column in the model's YAML; a date or timestamp column without one holds days).
TIME_GRAINS = ("day", "week", "month")


@dataclass(frozen=True)
class Model:
    """One dbt model the catalog may reference."""

    name: str
    schema: str
    path: Path
    columns: dict[str, str] = field(default_factory=dict)
    #: Time columns whose values are the starts of weeks or months, by column.
    time_grains: dict[str, str] = field(default_factory=dict)
    #: Columns with a ``unique`` test: one row per value (a conversion's entity that is
    #: unique needs no join between its steps).
    unique_columns: set[str] = field(default_factory=set)
    #: Source systems the model cannot be built without (``config: {meta: {requires_systems:
    #: [billing]}}`` in its YAML); with one of them off (revops_sources), its metrics are off.
    systems: tuple[str, ...] = ()

    def time_grain(self, column: str) -> str:
        """The grain of a time column's values: day unless the YAML says week or month."""
        return self.time_grains.get(column, "day")


def _schema_for(config: dict[str, Any], parts: list[str], default: str) -> str:
    schema = default
    node: Any = config
    for part in parts:
        if not isinstance(node, dict) or part not in node:
            break
        node = node[part]
        if isinstance(node, dict) and isinstance(node.get("+schema"), str):
            schema = node["+schema"]
    return schema


def load_models(project_dir: Path) -> dict[str, Model]:
    """Every model with a .sql file under models/, with its documented columns."""
    project = read_project_file(project_dir)[2]
    name = str(project.get("name", "revops"))
    config = (project.get("models") or {}).get(name) or {}
    root = project_dir / "models"
    models: dict[str, Model] = {}
    for sql in sorted(root.rglob("*.sql")):
        parts = list(sql.relative_to(root).parent.parts)
        models[sql.stem] = Model(sql.stem, _schema_for(config, parts, "main"), sql)
    for doc in sorted(root.rglob("*.yml")):
        try:
            data = yaml.load(read_text(doc), Loader=_LOADER) or {}
        except yaml.YAMLError:
            continue
        for entry in data.get("models") or [] if isinstance(data, dict) else []:
            model = models.get(str(entry.get("name")))
            if model is None:
                continue
            model_meta = (entry.get("config") or {}).get("meta") or entry.get("meta") or {}
            systems = model_meta.get("requires_systems") if isinstance(model_meta, dict) else None
            if systems:
                model = models[model.name] = replace(model, systems=tuple(map(str, systems)))
            for column in entry.get("columns") or []:
                name = str(column["name"])
                model.columns[name] = str(column.get("data_type") or "")
                meta = (column.get("config") or {}).get("meta") or column.get("meta") or {}
                grain = meta.get("time_grain") if isinstance(meta, dict) else None
                if grain is not None:
                    model.time_grains[name] = str(grain)
                tests = column.get("data_tests") or column.get("tests") or []
                if "unique" in tests:
                    model.unique_columns.add(name)
    return models


def manifest_path(project_dir: Path) -> Path:
    """Where dbt writes its manifest (DBT_TARGET_PATH, else target/)."""
    return target_dir(project_dir) / "manifest.json"


def source_lineage(project_dir: Path, models: list[str]) -> dict[str, list[str]] | None:
    """For each model, the raw source tables it is built from (None without a manifest)."""
    path = manifest_path(project_dir)
    if not path.is_file():
        return None
    manifest = json.loads(path.read_text())
    nodes = {**manifest.get("nodes", {}), **manifest.get("sources", {})}
    by_name = {
        n["name"]: uid for uid, n in manifest.get("nodes", {}).items() if uid.startswith("model.")
    }
    out: dict[str, list[str]] = {}
    for model in models:
        seen: set[str] = set()
        found: set[str] = set()
        stack = [by_name[model]] if model in by_name else []
        while stack:
            uid = stack.pop()
            if uid in seen:
                continue
            seen.add(uid)
            if uid.startswith("source."):
                src = nodes[uid]
                found.add(f"{src['schema']}.{src['name']}")
                continue
            stack.extend(nodes.get(uid, {}).get("depends_on", {}).get("nodes", []))
        out[model] = sorted(found)
    return out
