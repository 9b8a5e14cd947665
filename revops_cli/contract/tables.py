"""The canonical raw contract: the tables a loader (or the demo generator) lands.

One schema per source system (``raw_crm``, ``raw_marketing``, ``raw_billing``,
``raw_support``, ``raw_product``), like most loaders write them. Timestamps and dates
may arrive as text (the demo writes text, the way CSV exports deliver them, so that an
unparseable value is rejected by staging instead of failing the load) or typed, as
connectors land them. Every table carries ``_loaded_at``, the loader's UTC timestamp, for
source freshness. A company's own connector tables reach this shape through a source
adapter (``revops_cli.contract.sources``, ``models/adapters/``).

The hard rules staging applies (``rules``) are declared here next to the columns, so
the generator's injected dirt, the staging models and the tests share one description.
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: Rejection reasons, in the order staging applies them (the first that matches wins).
REJECTION_REASONS: tuple[str, ...] = (
    "missing_key",
    "missing_load_time",
    "deleted_in_source",
    "superseded",
    "unparseable_date",
    "date_after_load",
    "unknown_currency",
    "amount_out_of_range",
    "negative_amount",
    "zero_amount",
    "value_out_of_range",
    "orphan_foreign_key",
)


@dataclass(frozen=True)
class Column:
    """One raw column: name, DuckDB type and a one-line description."""

    name: str
    type: str
    description: str


@dataclass(frozen=True)
class RawTable:
    """A raw table and the hard rules staging enforces on it."""

    system: str
    name: str
    description: str
    primary_key: str
    columns: tuple[Column, ...]
    #: text columns holding timestamps or dates; a non-empty value that does not parse
    #: is ``unparseable_date``.
    date_columns: tuple[str, ...] = ()
    #: the column holding an ISO 4217 code that must be in ``seeds/currencies.csv``.
    currency_column: str | None = None
    #: money columns that may not be negative.
    amount_columns: tuple[str, ...] = ()
    #: money columns that may not be zero either.
    positive_amount_columns: tuple[str, ...] = ()
    #: foreign keys that must resolve to an accepted parent row: column -> parent table.
    foreign_keys: dict[str, str] = field(default_factory=dict)
    #: foreign keys that may not be null either (a row about no one is an orphan too).
    required_foreign_keys: tuple[str, ...] = ()

    @property
    def schema(self) -> str:
        return f"raw_{self.system}"

    @property
    def qualified_name(self) -> str:
        return f"{self.schema}.{self.name}"

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def accepted_model(self) -> str:
        """The model holding the rows the marts read: staging's, then validation's when
        the table has foreign keys (models/intermediate/validation)."""
        if self.foreign_keys:
            return f"int_{self.system}__{self.name}_validated"
        return f"stg_{self.system}__{self.name}"


LOADED_AT = Column("_loaded_at", "TIMESTAMP", "When the loader wrote the row (UTC).")
DELETED = Column(
    "_deleted",
    "BOOLEAN",
    "The source system deleted the row (a soft delete); staging rejects it as "
    "deleted_in_source. Null is false.",
)


def _t(
    system: str,
    name: str,
    description: str,
    primary_key: str,
    columns: list[tuple[str, str, str]],
    **rules: object,
) -> RawTable:
    cols = (*tuple(Column(n, t, d) for n, t, d in columns), LOADED_AT, DELETED)
    return RawTable(system, name, description, primary_key, cols, **rules)  # type: ignore[arg-type]


RAW_TABLES: tuple[RawTable, ...] = (
    # --- CRM ------------------------------------------------------------------------
    _t(
        "crm",
        "users",
        "CRM users: SDRs, account executives, customer success and marketing.",
        "user_id",
        [
            ("user_id", "VARCHAR", "CRM user id."),
            ("full_name", "VARCHAR", "Display name."),
            ("email", "VARCHAR", "Work email."),
            ("team", "VARCHAR", "sdr | ae | cs | marketing."),
            ("role", "VARCHAR", "Job role within the team."),
            ("manager_id", "VARCHAR", "user_id of the manager, if any."),
            ("monthly_quota_amount", "DECIMAL(18,2)", "Monthly bookings quota (AEs)."),
            ("quota_currency", "VARCHAR", "Currency of the quota."),
            ("is_active", "BOOLEAN", "Still employed."),
            ("created_at", "VARCHAR", "When the user was created (ISO 8601 text)."),
        ],
        date_columns=("created_at",),
        currency_column="quota_currency",
        amount_columns=("monthly_quota_amount",),
    ),
    _t(
        "crm",
        "accounts",
        "CRM accounts (companies), created when a lead converts.",
        "account_id",
        [
            ("account_id", "VARCHAR", "CRM account id."),
            ("account_name", "VARCHAR", "Company name."),
            ("website_domain", "VARCHAR", "Company web domain."),
            ("industry", "VARCHAR", "Industry."),
            ("employee_count", "INTEGER", "Company size in employees."),
            ("country_code", "VARCHAR", "ISO 3166 alpha-2 country."),
            ("owner_id", "VARCHAR", "Owning user_id."),
            ("billing_customer_id", "VARCHAR", "External id in billing, when sales filled it."),
            ("created_at", "VARCHAR", "When the account was created (ISO 8601 text)."),
        ],
        date_columns=("created_at",),
        foreign_keys={"owner_id": "crm.users"},
    ),
    _t(
        "crm",
        "contacts",
        "CRM leads and contacts, one row per CRM record (people may be duplicated).",
        "contact_id",
        [
            ("contact_id", "VARCHAR", "CRM contact/lead id."),
            ("account_id", "VARCHAR", "Account, once the lead converted."),
            ("email", "VARCHAR", "Email as typed (case and whitespace vary)."),
            ("first_name", "VARCHAR", "First name."),
            ("last_name", "VARCHAR", "Last name."),
            ("job_title", "VARCHAR", "Job title as typed."),
            ("seniority", "VARCHAR", "individual | manager | director | vp | c_level."),
            ("company_name", "VARCHAR", "Company as typed on the form."),
            ("company_size", "INTEGER", "Employees at the company (enrichment)."),
            ("industry", "VARCHAR", "Industry (enrichment)."),
            ("country_code", "VARCHAR", "ISO 3166 alpha-2 country."),
            ("lead_source", "VARCHAR", "Channel that brought the lead; may be missing."),
            ("owner_id", "VARCHAR", "Owning user_id (SDR)."),
            ("created_at", "VARCHAR", "When the lead was created (ISO 8601 text, local offset)."),
        ],
        date_columns=("created_at",),
    ),
    _t(
        "crm",
        "lifecycle_events",
        "Lifecycle events: form fills, page views, score changes, sales status changes.",
        "event_id",
        [
            ("event_id", "VARCHAR", "Event id."),
            ("contact_id", "VARCHAR", "The lead the event is about."),
            (
                "event_type",
                "VARCHAR",
                "form_submitted | page_viewed | score_changed | status_changed.",
            ),
            (
                "event_detail",
                "VARCHAR",
                "Form name, page, or new status (sales_accepted, sales_rejected, sales_qualified).",
            ),
            ("score", "INTEGER", "New lead score, for score_changed."),
            ("reason", "VARCHAR", "Rejection reason category, for sales_rejected."),
            ("user_id", "VARCHAR", "User who changed the status, if any."),
            ("occurred_at", "VARCHAR", "When it happened (ISO 8601 text, local offset)."),
        ],
        date_columns=("occurred_at",),
        foreign_keys={"contact_id": "crm.contacts"},
        required_foreign_keys=("contact_id",),
    ),
    _t(
        "crm",
        "activities",
        "Sales activities: emails, calls and meetings.",
        "activity_id",
        [
            ("activity_id", "VARCHAR", "Activity id."),
            ("contact_id", "VARCHAR", "Contact the activity was with."),
            ("account_id", "VARCHAR", "Account, if known."),
            ("opportunity_id", "VARCHAR", "Opportunity, if logged against one."),
            ("user_id", "VARCHAR", "User who did it."),
            ("activity_type", "VARCHAR", "email | call | meeting."),
            ("direction", "VARCHAR", "outbound | inbound."),
            ("outcome", "VARCHAR", "Outcome as logged."),
            ("occurred_at", "VARCHAR", "When it happened (ISO 8601 text)."),
        ],
        date_columns=("occurred_at",),
        foreign_keys={"contact_id": "crm.contacts"},
    ),
    _t(
        "crm",
        "opportunities",
        "Opportunities (deals), current state.",
        "opportunity_id",
        [
            ("opportunity_id", "VARCHAR", "Opportunity id."),
            ("account_id", "VARCHAR", "Account."),
            ("primary_contact_id", "VARCHAR", "Contact the deal came from."),
            ("owner_id", "VARCHAR", "Owning AE."),
            ("opportunity_name", "VARCHAR", "Name."),
            ("stage_name", "VARCHAR", "Current stage."),
            ("amount", "DECIMAL(18,2)", "Annual contract value in currency_code."),
            ("currency_code", "VARCHAR", "ISO 4217 currency."),
            ("lead_source", "VARCHAR", "Lead source copied from the contact."),
            ("created_at", "VARCHAR", "When it was created (ISO 8601 text)."),
            ("expected_close_date", "VARCHAR", "Expected close date (ISO date text)."),
            ("closed_at", "VARCHAR", "When it closed, if closed (ISO 8601 text)."),
            ("is_closed", "BOOLEAN", "Closed won or lost."),
            ("is_won", "BOOLEAN", "Closed won."),
            ("loss_reason_code", "VARCHAR", "Loss reason code, for lost deals (may be missing)."),
        ],
        date_columns=("created_at", "expected_close_date", "closed_at"),
        currency_column="currency_code",
        amount_columns=("amount",),
        foreign_keys={"account_id": "crm.accounts", "owner_id": "crm.users"},
    ),
    _t(
        "crm",
        "opportunity_stage_history",
        "Every stage an opportunity entered, with when.",
        "history_id",
        [
            ("history_id", "VARCHAR", "History row id."),
            ("opportunity_id", "VARCHAR", "Opportunity."),
            ("stage_name", "VARCHAR", "Stage entered."),
            ("changed_by_user_id", "VARCHAR", "User who moved it."),
            ("entered_at", "VARCHAR", "When the stage was entered (ISO 8601 text)."),
        ],
        date_columns=("entered_at",),
        foreign_keys={"opportunity_id": "crm.opportunities"},
    ),
    # --- Marketing ------------------------------------------------------------------
    _t(
        "marketing",
        "campaigns",
        "Marketing campaigns with their UTM parameters.",
        "campaign_id",
        [
            ("campaign_id", "VARCHAR", "Campaign id."),
            ("campaign_name", "VARCHAR", "Name."),
            ("channel", "VARCHAR", "Marketing channel."),
            ("utm_source", "VARCHAR", "utm_source used by the campaign."),
            ("utm_medium", "VARCHAR", "utm_medium used by the campaign."),
            ("utm_campaign", "VARCHAR", "utm_campaign used by the campaign (unique)."),
            ("budget_amount", "DECIMAL(18,2)", "Planned budget."),
            ("currency_code", "VARCHAR", "Budget currency."),
            ("started_on", "VARCHAR", "First day (ISO date text)."),
            ("ended_on", "VARCHAR", "Last day (ISO date text)."),
        ],
        date_columns=("started_on", "ended_on"),
        currency_column="currency_code",
        amount_columns=("budget_amount",),
    ),
    _t(
        "marketing",
        "ad_spend",
        "Daily spend per campaign.",
        "spend_id",
        [
            ("spend_id", "VARCHAR", "Row id (campaign and day)."),
            ("campaign_id", "VARCHAR", "Campaign."),
            ("spend_date", "VARCHAR", "Day (ISO date text)."),
            ("spend_amount", "DECIMAL(18,2)", "Spend that day."),
            ("currency_code", "VARCHAR", "Spend currency."),
            ("impressions", "INTEGER", "Ad impressions."),
            ("clicks", "INTEGER", "Ad clicks."),
        ],
        date_columns=("spend_date",),
        currency_column="currency_code",
        amount_columns=("spend_amount",),
        foreign_keys={"campaign_id": "marketing.campaigns"},
    ),
    _t(
        "marketing",
        "touches",
        "Marketing touches of known people: ad clicks, visits, form fills, webinars.",
        "touch_id",
        [
            ("touch_id", "VARCHAR", "Touch id."),
            ("contact_id", "VARCHAR", "CRM contact the touch was matched to."),
            ("touch_type", "VARCHAR", "ad_click | page_view | form_fill | email_click | webinar."),
            ("utm_source", "VARCHAR", "utm_source."),
            ("utm_medium", "VARCHAR", "utm_medium."),
            ("utm_campaign", "VARCHAR", "utm_campaign (joins to campaigns)."),
            ("occurred_at", "VARCHAR", "When it happened (ISO 8601 text, UTC)."),
        ],
        date_columns=("occurred_at",),
        foreign_keys={"contact_id": "crm.contacts"},
    ),
    # --- Billing --------------------------------------------------------------------
    _t(
        "billing",
        "customers",
        "Billing customers.",
        "customer_id",
        [
            ("customer_id", "VARCHAR", "Billing customer id."),
            ("customer_name", "VARCHAR", "Name."),
            ("email", "VARCHAR", "Billing email."),
            ("crm_account_id", "VARCHAR", "CRM account id, when finance filled it."),
            ("currency_code", "VARCHAR", "Default currency."),
            ("country_code", "VARCHAR", "ISO 3166 alpha-2 country."),
            ("created_at", "VARCHAR", "When created (ISO 8601 text, UTC)."),
        ],
        date_columns=("created_at",),
        currency_column="currency_code",
    ),
    _t(
        "billing",
        "subscriptions",
        "Subscriptions.",
        "subscription_id",
        [
            ("subscription_id", "VARCHAR", "Subscription id."),
            ("customer_id", "VARCHAR", "Customer."),
            ("status", "VARCHAR", "active | canceled."),
            ("billing_interval", "VARCHAR", "month | year."),
            ("currency_code", "VARCHAR", "Currency."),
            ("started_at", "VARCHAR", "Start (ISO 8601 text, UTC)."),
            ("cancel_requested_at", "VARCHAR", "When the customer asked to cancel, if they did."),
            ("ended_at", "VARCHAR", "When it ended, if it did."),
        ],
        date_columns=("started_at", "cancel_requested_at", "ended_at"),
        currency_column="currency_code",
        foreign_keys={"customer_id": "billing.customers"},
    ),
    _t(
        "billing",
        "subscription_items",
        "Priced items of a subscription; a price or quantity change ends one item and "
        "starts another.",
        "subscription_item_id",
        [
            ("subscription_item_id", "VARCHAR", "Item id."),
            ("subscription_id", "VARCHAR", "Subscription."),
            ("plan_code", "VARCHAR", "Plan."),
            ("unit_amount", "DECIMAL(18,2)", "Price per unit per billing interval."),
            ("quantity", "INTEGER", "Units (seats)."),
            ("currency_code", "VARCHAR", "Currency."),
            ("started_at", "VARCHAR", "Start (ISO 8601 text, UTC)."),
            ("ended_at", "VARCHAR", "End, if ended (ISO 8601 text, UTC)."),
        ],
        date_columns=("started_at", "ended_at"),
        currency_column="currency_code",
        amount_columns=("unit_amount",),
        foreign_keys={"subscription_id": "billing.subscriptions"},
    ),
    _t(
        "billing",
        "invoices",
        "Invoices.",
        "invoice_id",
        [
            ("invoice_id", "VARCHAR", "Invoice id."),
            ("customer_id", "VARCHAR", "Customer."),
            ("subscription_id", "VARCHAR", "Subscription billed."),
            ("invoice_number", "VARCHAR", "Human-facing number."),
            ("status", "VARCHAR", "open | paid | uncollectible | void."),
            ("currency_code", "VARCHAR", "Currency."),
            ("amount_due", "DECIMAL(18,2)", "Total due."),
            ("period_start", "VARCHAR", "Service period start (ISO date text)."),
            ("period_end", "VARCHAR", "Service period end (ISO date text)."),
            ("issued_at", "VARCHAR", "When issued (ISO 8601 text, UTC)."),
            ("due_at", "VARCHAR", "When due (ISO 8601 text, UTC)."),
            ("paid_at", "VARCHAR", "When paid in full, if it was."),
        ],
        date_columns=("period_start", "period_end", "issued_at", "due_at", "paid_at"),
        currency_column="currency_code",
        amount_columns=("amount_due",),
        foreign_keys={"customer_id": "billing.customers"},
    ),
    _t(
        "billing",
        "payments",
        "Payment attempts: succeeded, failed or later refunded.",
        "payment_id",
        [
            ("payment_id", "VARCHAR", "Payment id."),
            ("invoice_id", "VARCHAR", "Invoice paid."),
            ("customer_id", "VARCHAR", "Customer."),
            ("amount", "DECIMAL(18,2)", "Amount attempted."),
            ("currency_code", "VARCHAR", "Currency."),
            ("status", "VARCHAR", "succeeded | failed | refunded."),
            ("failure_code", "VARCHAR", "Why it failed, for failed attempts."),
            ("attempted_at", "VARCHAR", "When attempted (ISO 8601 text, UTC)."),
            ("refunded_at", "VARCHAR", "When refunded, for refunded payments."),
        ],
        date_columns=("attempted_at", "refunded_at"),
        currency_column="currency_code",
        amount_columns=("amount",),
        positive_amount_columns=("amount",),
        foreign_keys={"invoice_id": "billing.invoices"},
    ),
    # --- Support and product --------------------------------------------------------
    _t(
        "support",
        "tickets",
        "Support tickets.",
        "ticket_id",
        [
            ("ticket_id", "VARCHAR", "Ticket id."),
            ("requester_email", "VARCHAR", "Who opened it."),
            ("crm_account_id", "VARCHAR", "CRM account, when the support tool knows it."),
            ("priority", "VARCHAR", "low | normal | high | urgent."),
            ("channel", "VARCHAR", "email | chat | phone."),
            ("status", "VARCHAR", "open | solved."),
            ("opened_at", "VARCHAR", "Opened (ISO 8601 text, UTC)."),
            ("first_response_at", "VARCHAR", "First agent response, if any."),
            ("solved_at", "VARCHAR", "Solved, if solved."),
            ("csat_score", "INTEGER", "Satisfaction 1-5, if the requester answered."),
        ],
        date_columns=("opened_at", "first_response_at", "solved_at"),
    ),
    _t(
        "product",
        "usage_daily",
        "Product usage per billing customer per day.",
        "usage_id",
        [
            ("usage_id", "VARCHAR", "Row id (customer and day)."),
            ("customer_id", "VARCHAR", "Billing customer (the workspace's owner)."),
            ("usage_date", "VARCHAR", "Day (ISO date text)."),
            ("active_users", "INTEGER", "Distinct active users that day."),
            ("events", "INTEGER", "Product events that day."),
        ],
        date_columns=("usage_date",),
        foreign_keys={"customer_id": "billing.customers"},
    ),
)

TABLES_BY_NAME: dict[str, RawTable] = {f"{t.system}.{t.name}": t for t in RAW_TABLES}
SYSTEMS: tuple[str, ...] = tuple(dict.fromkeys(t.system for t in RAW_TABLES))


def ddl(table: RawTable) -> str:
    """The CREATE TABLE statement for a raw table."""
    cols = ",\n    ".join(f"{c.name} {c.type}" for c in table.columns)
    return f"create table {table.qualified_name} (\n    {cols}\n)"
