"""The connector adapters: what each maps, from which tables, and what it cannot fill.

Each adapter registers here (one module per connector family) and has a dbt model per
canonical table of its system under ``models/adapters/<name>/`` (``<name>__<table>.sql``);
its sources YAML is generated from the tables declared here (``revops contract --write``),
and ``revops doctor`` checks a warehouse against them. Values whose vocabulary differs per
company (deal stages, lead statuses, teams, forms, lead sources, countries) go through
``seeds/source_value_map.csv``.

Table and column names follow the connectors' documentation and the public dbt packages
built on them (fivetran/dbt_hubspot, fivetran/dbt_stripe, ...); each adapter's
``references`` name them and its ``gaps`` say what a mapping cannot fill.
"""

from __future__ import annotations

from revops_cli.contract.connectors import (
    airbyte,  # noqa: F401 - registers its adapters
    fivetran,  # noqa: F401 - registers its adapters
    fivetran_ads,  # noqa: F401
    fivetran_salesforce,  # noqa: F401
    fivetran_zendesk,  # noqa: F401
)
