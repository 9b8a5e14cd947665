"""The connector adapters: what each maps, from which tables, and what it cannot fill.

Each adapter here has a dbt model per canonical table of its system under
``models/adapters/<name>/``; its sources YAML is generated from the tables declared here.
"""

from __future__ import annotations
