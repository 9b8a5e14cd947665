"""No definition value reaches SQL as a hand-quoted literal: a value a user writes (a
lifecycle status, a currency, a stage) goes through revops.string_literal, which escapes it
for the target's dialect. Every '{{ ... }}' left in the SQL is named here, each holding a
constant of the project (or a value the definitions' schema restricts to a fixed set)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

#: Expressions quoted by hand in SQL, each reviewed: none holds free text from a user.
REVIEWED = {
    "movement",  # fct_mrr: the fixed movement types
    "staged.system",  # the contract's system and table names
    "staged.table",
    "system",
    "table",
    "name",  # fct_marketing_performance: the fixed funnel stage names
    "model",  # fct_attribution: the fixed attribution models
    "kind",  # connector adapters: fixed activity kinds
    "field",  # connector adapters: fixed field names
    "key",  # connector adapters: fixed JSON keys of a connector's payload
    "revops._jsonpath(path)",  # connector adapters: fixed JSON paths
    "bounds[-1]",  # collections.aging_buckets: integers (schema)
    "1 if loop.first else loop.previtem + 1",
    "revops._iso_timestamp_regex()",
    "revops._iso_timestamp_regex(offset_required=true)",
    "revops._iso_date_regex()",
    'v | replace("\'", "\'\'")',  # sql_list: escaped
    'path | replace("\'", "\'\'")',  # the --raw-database path: escaped
}


def test_every_hand_quoted_sql_literal_is_a_reviewed_constant() -> None:
    found: dict[str, list[str]] = {}
    for path in [*ROOT.glob("models/**/*.sql"), *ROOT.glob("macros/**/*.sql")]:
        for expr in re.findall(r"'\{\{-?\s*(.*?)\s*-?\}\}", path.read_text()):
            found.setdefault(expr, []).append(str(path.relative_to(ROOT)))
    assert len(found) > 10  # the scan finds what it should
    unreviewed = {e: files for e, files in found.items() if e not in REVIEWED}
    assert unreviewed == {}, "quote these with revops.string_literal(...)"
