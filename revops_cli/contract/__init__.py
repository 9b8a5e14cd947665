"""The canonical raw contract and the source adapters that fill it.

``tables`` declares the 17 raw tables staging reads (columns, keys, hard rules);
``sources`` says where each system's tables come from (revops' own contract, a
connector's tables through an adapter, or nothing); ``generate`` writes the dbt files
derived from both (sources YAML, staging helper lists).
"""

from __future__ import annotations

from revops_cli.contract.tables import (
    LOADED_AT,
    RAW_TABLES,
    REJECTION_REASONS,
    SYSTEMS,
    TABLES_BY_NAME,
    Column,
    RawTable,
    ddl,
)

__all__ = [
    "LOADED_AT",
    "RAW_TABLES",
    "REJECTION_REASONS",
    "SYSTEMS",
    "TABLES_BY_NAME",
    "Column",
    "RawTable",
    "ddl",
]
