"""The raw contract is written once (revops_cli/contract); the dbt files derived from it agree."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from revops_cli.contract import RAW_TABLES, REJECTION_REASONS, SYSTEMS
from revops_cli.contract.generate import generated_files

PROJECT_DIR = Path(__file__).resolve().parents[2]


def _sources() -> dict[str, dict[str, list[str]]]:
    out: dict[str, dict[str, list[str]]] = {}
    for path in (PROJECT_DIR / "models" / "staging").glob("*/_*__sources.yml"):
        for source in yaml.safe_load(path.read_text())["sources"]:
            out[source["name"]] = {
                t["name"]: [c["name"] for c in t.get("columns", [])] for t in source["tables"]
            }
    return out


def test_sources_declare_every_raw_table_and_column_in_order() -> None:
    sources = _sources()
    assert set(sources) == set(SYSTEMS)
    for table in RAW_TABLES:
        assert sources[table.system].get(table.name) == table.column_names, table.qualified_name
    assert sum(len(t) for t in sources.values()) == len(RAW_TABLES)


def test_every_source_column_is_documented() -> None:
    for path in (PROJECT_DIR / "models" / "staging").glob("*/_*__sources.yml"):
        for source in yaml.safe_load(path.read_text())["sources"]:
            for table in source["tables"]:
                assert table.get("description"), table["name"]
                for column in table["columns"]:
                    assert column.get("description"), f"{table['name']}.{column['name']}"


def test_staging_tables_macro_lists_the_contract() -> None:
    text = (PROJECT_DIR / "macros" / "staging" / "staging_tables.sql").read_text()
    listed = re.findall(r"'system': '(\w+)', 'table': '(\w+)', 'key': '(\w+)'", text)
    assert listed == [(t.system, t.name, t.primary_key) for t in RAW_TABLES]


def test_generated_contract_files_are_current() -> None:
    """`revops contract --check`: sources YAML and macros equal what the contract generates."""
    stale = [str(g.path) for g in generated_files(PROJECT_DIR) if not g.current]
    assert stale == [], "run `revops contract --write`"


def test_every_raw_table_has_base_and_stg_models() -> None:
    for t in RAW_TABLES:
        folder = PROJECT_DIR / "models" / "staging" / t.system
        assert (folder / f"base_{t.system}__{t.name}.sql").is_file()
        assert (folder / f"stg_{t.system}__{t.name}.sql").is_file()


def test_base_models_only_use_known_rejection_reasons() -> None:
    for path in (PROJECT_DIR / "models" / "staging").glob("*/base_*.sql"):
        reasons = set(re.findall(r"then '(\w+)'", path.read_text()))
        assert reasons, path.name
        assert reasons <= set(REJECTION_REASONS), (path.name, reasons - set(REJECTION_REASONS))
