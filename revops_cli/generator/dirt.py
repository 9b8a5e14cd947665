"""The dirt real source systems carry, injected after the clean business is written.

Hard dirt (what staging must reject) is added as extra rows copied from real ones with one
defect each, so the business the ground truth describes is untouched and every injected row
has exactly one rejection reason. Rows are picked by a seeded hash, not at random, so a seed
always dirties the same rows whatever the machine.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from revops_cli.contract import TABLES_BY_NAME

#: (table, rejection reason, column the defect is in) for every kind of junk row.
HARD_DIRT: tuple[tuple[str, str, str], ...] = (
    ("crm.contacts", "missing_key", "contact_id"),
    ("crm.contacts", "superseded", "contact_id"),
    ("crm.contacts", "unparseable_date", "created_at"),
    ("crm.lifecycle_events", "unparseable_date", "occurred_at"),
    ("crm.lifecycle_events", "orphan_foreign_key", "contact_id"),
    ("crm.activities", "missing_key", "activity_id"),
    ("crm.activities", "orphan_foreign_key", "contact_id"),
    ("crm.opportunities", "unknown_currency", "currency_code"),
    ("crm.opportunities", "negative_amount", "amount"),
    ("crm.opportunities", "orphan_foreign_key", "account_id"),
    ("crm.opportunity_stage_history", "orphan_foreign_key", "opportunity_id"),
    ("marketing.ad_spend", "negative_amount", "spend_amount"),
    ("marketing.ad_spend", "unknown_currency", "currency_code"),
    ("marketing.touches", "missing_key", "touch_id"),
    ("marketing.touches", "unparseable_date", "occurred_at"),
    ("billing.subscriptions", "unparseable_date", "started_at"),
    ("billing.subscription_items", "unknown_currency", "currency_code"),
    ("billing.subscription_items", "negative_amount", "unit_amount"),
    ("billing.invoices", "superseded", "invoice_id"),
    ("billing.invoices", "unparseable_date", "issued_at"),
    ("billing.invoices", "negative_amount", "amount_due"),
    ("billing.invoices", "unknown_currency", "currency_code"),
    ("billing.payments", "zero_amount", "amount"),
    ("billing.payments", "orphan_foreign_key", "invoice_id"),
    ("billing.payments", "unparseable_date", "attempted_at"),
    ("support.tickets", "missing_key", "ticket_id"),
    ("support.tickets", "unparseable_date", "opened_at"),
    ("product.usage_daily", "orphan_foreign_key", "customer_id"),
)

BAD_DATES = ("31/02/2025", "N/A", "not a date", "2025.02.30", "TBD", "13/13/13")
BAD_CURRENCIES = ("XXX", "EURO", "US$", "ZZZ", "DOLLAR")
#: Junk rows per kind: this share of the table, at least MIN_JUNK (one: a small business's
#: tables carry a little dirt too, not a fixed handful that would be a large share of them).
JUNK_RATE = 0.002
MIN_JUNK = 1


@dataclass(frozen=True)
class Injected:
    table: str
    kind: str
    rows: int


def _defect(kind: str, column: str) -> str:
    """The SQL expression that replaces ``column`` in a copied row (``_n`` numbers copies)."""
    if kind == "missing_key":
        return "null"
    if kind == "superseded":
        return column
    if kind == "unparseable_date":
        cases = " ".join(f"when {i} then '{v}'" for i, v in enumerate(BAD_DATES))
        return f"case _n % {len(BAD_DATES)} {cases} end"
    if kind == "unknown_currency":
        cases = " ".join(f"when {i} then '{v}'" for i, v in enumerate(BAD_CURRENCIES))
        return f"case _n % {len(BAD_CURRENCIES)} {cases} end"
    if kind == "negative_amount":
        return f"-abs({column}) - 1"
    if kind == "zero_amount":
        return "0"
    if kind == "orphan_foreign_key":
        return "'ZZ' || lpad(cast(_n as varchar), 8, '0')"
    raise ValueError(f"unknown dirt kind {kind!r}")


def inject_hard_dirt(con: duckdb.DuckDBPyConnection, seed: int) -> list[Injected]:
    """Append junk rows to the raw tables; returns how many of each kind."""
    injected: list[Injected] = []
    by_table: dict[str, list[tuple[str, str]]] = {}
    for key, kind, column in HARD_DIRT:
        by_table.setdefault(key, []).append((kind, column))
    for key, kinds in by_table.items():
        table = TABLES_BY_NAME[key]
        (total,) = con.execute(f"select count(*) from {table.qualified_name}").fetchone()  # type: ignore[misc]
        per_kind = max(MIN_JUNK, int(total * JUNK_RATE))
        pk = table.primary_key
        # One seeded ordering of the clean rows; each kind takes its own slice of it.
        con.execute(
            f"""create or replace temp table _pick as
            select *, row_number() over (order by hash({pk} || '{seed}'), {pk}) - 1 as _n
            from {table.qualified_name}
            qualify _n < {per_kind * len(kinds)}"""
        )
        for k, (kind, column) in enumerate(kinds):
            exprs = []
            for col in table.column_names:
                if col == column:
                    exprs.append(f"{_defect(kind, column)} as {col}")
                elif col == pk and kind not in ("missing_key", "superseded"):
                    exprs.append(f"{pk} || '-X{k}' as {col}")
                elif col == "_loaded_at" and kind == "superseded":
                    # An older load of the same record: staging keeps the latest.
                    exprs.append("_loaded_at - interval 1 day as _loaded_at")
                else:
                    exprs.append(col)
            con.execute(
                f"insert into {table.qualified_name} select {', '.join(exprs)} from _pick "
                f"where _n >= {k * per_kind} and _n < {(k + 1) * per_kind}"
            )
            injected.append(Injected(key, kind, per_kind))
    con.execute("drop table if exists _pick")
    return injected
