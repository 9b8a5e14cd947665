"""Fivetran's Salesforce connector (system crm)."""

from __future__ import annotations

from revops_cli.contract.connectors.fivetran import fivetran_table
from revops_cli.contract.sources import BOOLEAN, NUMBER, TEXT, TIMESTAMP, Adapter, register

_ID = TEXT  # Salesforce ids: 18-character text (key prefix 005 user, 00Q lead, 003 contact, ...)

FIVETRAN_SALESFORCE = register(
    Adapter(
        name="fivetran_salesforce",
        system="crm",
        title="Salesforce through Fivetran",
        default_schema="salesforce",
        loaded_at="_fivetran_synced",
        # Salesforce objects carry the source's own is_deleted; `user` has _fivetran_deleted.
        deleted_flag="is_deleted",
        provides=(
            "users",
            "accounts",
            "contacts",
            "lifecycle_events",
            "activities",
            "opportunities",
            "opportunity_stage_history",
        ),
        tables=(
            fivetran_table(
                "user",
                "Users (soft delete: _fivetran_deleted).",
                ("id", _ID),
                ("name", TEXT),
                ("email", TEXT),
                ("title", TEXT),
                ("department", TEXT),
                ("manager_id", _ID),
                ("user_role_id", _ID),
                ("is_active", BOOLEAN),
                ("created_date", TIMESTAMP),
                ("_fivetran_deleted", BOOLEAN),
            ),
            fivetran_table(
                "user_role",
                "Roles in the role hierarchy (their names map to teams).",
                ("id", _ID),
                ("name", TEXT),
                may_be_empty=True,
            ),
            fivetran_table(
                "account",
                "Accounts.",
                ("id", _ID),
                ("name", TEXT),
                ("website", TEXT),
                ("industry", TEXT),
                ("number_of_employees", NUMBER),
                ("billing_country", TEXT),
                ("owner_id", _ID),
                ("created_date", TIMESTAMP),
                ("is_deleted", BOOLEAN),
            ),
            fivetran_table(
                "lead",
                "Leads: the people sales has not converted yet, and the converted ones "
                "(is_converted, with the account, contact and opportunity they became).",
                ("id", _ID),
                ("email", TEXT),
                ("first_name", TEXT),
                ("last_name", TEXT),
                ("title", TEXT),
                ("company", TEXT),
                ("industry", TEXT),
                ("number_of_employees", NUMBER),
                ("country", TEXT),
                ("lead_source", TEXT),
                ("owner_id", _ID),
                ("is_converted", BOOLEAN),
                ("converted_account_id", _ID),
                ("converted_contact_id", _ID),
                ("converted_opportunity_id", _ID),
                ("converted_date", TIMESTAMP),
                ("created_date", TIMESTAMP),
                ("is_deleted", BOOLEAN),
            ),
            fivetran_table(
                "contact",
                "Contacts (a converted lead's contact is the same person as the lead).",
                ("id", _ID),
                ("account_id", _ID),
                ("email", TEXT),
                ("first_name", TEXT),
                ("last_name", TEXT),
                ("title", TEXT),
                ("mailing_country", TEXT),
                ("lead_source", TEXT),
                ("owner_id", _ID),
                ("created_date", TIMESTAMP),
                ("is_deleted", BOOLEAN),
            ),
            fivetran_table(
                "lead_history",
                "LeadHistory: tracked field changes of leads (field 'Status'; a score field).",
                ("id", _ID),
                ("lead_id", _ID),
                ("field", TEXT),
                ("new_value", TEXT),
                ("created_date", TIMESTAMP),
                ("created_by_id", _ID),
                ("is_deleted", BOOLEAN),
                may_be_empty=True,
            ),
            fivetran_table(
                "opportunity",
                "Opportunities (currency_iso_code, in multi-currency orgs, and a custom "
                "loss_reason_c are read when present).",
                ("id", _ID),
                ("name", TEXT),
                ("account_id", _ID),
                ("owner_id", _ID),
                ("stage_name", TEXT),
                ("amount", NUMBER),
                ("close_date", TIMESTAMP),
                ("created_date", TIMESTAMP),
                ("is_closed", BOOLEAN),
                ("is_won", BOOLEAN),
                ("lead_source", TEXT),
                ("is_deleted", BOOLEAN),
            ),
            fivetran_table(
                "opportunity_history",
                "OpportunityHistory: a row per change of stage, amount, probability or close date.",
                ("id", _ID),
                ("opportunity_id", _ID),
                ("stage_name", TEXT),
                ("created_date", TIMESTAMP),
                ("created_by_id", _ID),
                ("is_deleted", BOOLEAN),
            ),
            fivetran_table(
                "task",
                "Tasks: logged calls and emails (and to-dos, which are not activities).",
                ("id", _ID),
                ("who_id", _ID),
                ("what_id", _ID),
                ("account_id", _ID),
                ("owner_id", _ID),
                ("type", TEXT),
                ("task_subtype", TEXT),
                ("call_type", TEXT),
                ("call_disposition", TEXT),
                ("status", TEXT),
                ("activity_date", TIMESTAMP),
                ("completed_date_time", TIMESTAMP),
                ("created_date", TIMESTAMP),
                ("is_deleted", BOOLEAN),
                may_be_empty=True,
            ),
            fivetran_table(
                "event",
                "Calendar events (meetings).",
                ("id", _ID),
                ("who_id", _ID),
                ("what_id", _ID),
                ("account_id", _ID),
                ("owner_id", _ID),
                ("start_date_time", TIMESTAMP),
                ("created_date", TIMESTAMP),
                ("is_deleted", BOOLEAN),
                may_be_empty=True,
            ),
        ),
        gaps=(
            "contacts: a lead is the person (contact_id = lead id) until and after it "
            "converts; its converted contact is left out (activities on it are moved to the "
            "lead), and contacts that never were leads are added, with their account's "
            "name, size and industry.",
            "users.team: the role's name (user_role), else the department, through "
            "source_value_map field `team` (no match: null, as Salesforce has no team); "
            "users.role: the title.",
            "users.monthly_quota_amount and quota_currency: Salesforce has no quota on the "
            "user (forecast quotas are not synced): null; quota attainment is not available.",
            "contacts.seniority: derived from the title (revops.seniority_from_title); "
            "country codes: two letters as given, else the country's name through "
            "source_value_map field `country`.",
            "lifecycle_events: Salesforce records no form fills or page views; status "
            "changes come from LeadHistory (field Status, which needs field history "
            "tracking) through source_value_map field `lead_status` (defaults: Working - "
            "Contacted = sales_accepted, Closed - Not Converted = sales_rejected, Closed - "
            "Converted = sales_qualified); a converted lead without such a status event is "
            "sales-qualified on its converted_date.",
            "lifecycle_events score_changed: from LeadHistory rows of a tracked score field "
            "(default pi__score__c, Account Engagement's score; others through "
            "source_value_map field `lead_history_field`): without one no lead is an MQL.",
            "lifecycle_events.reason: no standard rejection reason: null.",
            "accounts.website_domain: the website without scheme, www. and path; "
            "billing_customer_id: no standard field: null (accounts match billing by domain "
            "and name).",
            "opportunities.stage_name: StageName through source_value_map field "
            "`opportunity_stage` (the default stages are mapped); is_closed and is_won are "
            "Salesforce's own; closed_at: when the deal entered its current stage "
            "(OpportunityHistory), else its close date.",
            "opportunities.currency_code: currency_iso_code in a multi-currency org, else the "
            "reporting currency (vars.revops.reporting_currency): set it to the org's "
            "corporate currency.",
            "opportunities.primary_contact_id: the lead converted into the opportunity (the "
            "opportunity's contact roles are not read): opportunities opened on a contact "
            "have none and are not traced to a lead.",
            "opportunities.loss_reason_code: no standard field: a custom Loss_Reason__c "
            "(loss_reason_c) through source_value_map field `loss_reason` when the table has "
            "it, else null (lost deals then fail the lost_deal_has_loss_reason check).",
            "opportunities.lead_source, contacts.lead_source: LeadSource through "
            "source_value_map field `lead_source` (defaults: Web = content, Phone Inquiry = "
            "content, Partner Referral = partner, Purchased List = outbound; Other is "
            "unknown).",
            "opportunity_stage_history: OpportunityHistory rows where the (mapped) stage "
            "changed; rows that change only the amount or dates are left out.",
            "activities: events are meetings; tasks are calls (subtype or type Call; "
            "direction from call_type, Internal: null) or emails (subtype Email or ListEmail; "
            "direction null); other tasks are not activities; the opportunity is the task's "
            "what_id when it is one (006).",
            "Reads the connector's main schema with snake_case column names: history-mode "
            "tables and the original-API-names option are not supported.",
        ),
        references=(
            "https://github.com/fivetran/dbt_salesforce_source (macros/get_*_columns.sql)",
            "https://fivetran.com/docs/connectors/applications/salesforce",
            "https://fivetran.com/docs/core-concepts/sync-modes/soft-delete",
            "https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/"
            "object_reference/sforce_api_objects_leadhistory.htm",
            "https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/"
            "object_reference/sforce_api_objects_opportunityhistory.htm",
        ),
    )
)
