"""The demo business's CRM as Fivetran's Salesforce connector lands it (schema
``salesforce``, snake_case columns, TIMESTAMPs, ``is_deleted`` and ``_fivetran_synced``).

Every generated person is a Salesforce lead (its id stays the contact id, so the touches
still find it). A lead that became sales-qualified is converted on that day: into a contact
(``003`` + its id, the account it belongs to) and its first opportunity; later activities
are logged on the contact, as Salesforce does. Status and score changes are LeadHistory
rows (Status, pi__score__c); stage changes OpportunityHistory rows, with an amount-only
change the adapter must skip. Opportunity ids take Salesforce's ``006`` prefix (the
adapter reads a task's WhatId as an opportunity by it). Picklist values are Salesforce's,
from seeds/source_value_map.csv read backwards.

What Salesforce cannot hold is lost the way docs/connectors.md says: form fills, page views
and rejection reasons; a lead's account before it converts; an opportunity's contact other
than the converted lead; email direction and outcome, meeting outcome; quotas.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from revops_cli.generator.shape_common import latest, replace_schema, reverse_value, ts

ADAPTER = "fivetran_salesforce"


def fivetran_salesforce(con: duckdb.DuckDBPyConnection, project_dir: Path) -> None:
    def picklist(field: str, column: str) -> str:
        return reverse_value(project_dir, ADAPTER, field, column)

    users = latest("raw_crm.users", "user_id")
    accounts = latest("raw_crm.accounts", "account_id")
    events = latest("raw_crm.lifecycle_events", "event_id")
    activities = latest("raw_crm.activities", "activity_id")
    opportunities = latest("raw_crm.opportunities", "opportunity_id")
    history = latest("raw_crm.opportunity_stage_history", "history_id")
    # Each person, with the day they converted (their first sales-qualified status) and
    # the first opportunity opened on them.
    people = f"""(
        select contacts.*, conversions.converted_at, first_deals.opportunity_id as first_deal
        from {latest("raw_crm.contacts", "contact_id")} as contacts
        left join (
            select contact_id, min({ts("occurred_at")}) as converted_at from {events}
            where event_type = 'status_changed' and event_detail = 'sales_qualified'
            group by contact_id
        ) as conversions on contacts.contact_id = conversions.contact_id
        left join (
            select primary_contact_id, opportunity_id from {opportunities}
            qualify row_number() over (
                partition by primary_contact_id order by {ts("created_at")}, opportunity_id
            ) = 1
        ) as first_deals on contacts.contact_id = first_deals.primary_contact_id
    )"""
    deleted = "coalesce(_deleted, false)"
    statements = [
        f"""create table salesforce.user_role as select distinct
            '00E' || team as id, {picklist("team", "team")} as name,
            false as _fivetran_deleted, max(_loaded_at) over () as _fivetran_synced
        from {users} where team is not null""",
        f"""create table salesforce.user as select
            user_id as id, full_name as name, email, role as title,
            {picklist("team", "team")} as department, manager_id,
            '00E' || team as user_role_id, is_active, {ts("created_at")} as created_date,
            {deleted} as _fivetran_deleted, _loaded_at as _fivetran_synced
        from {users}""",
        f"""create table salesforce.account as select
            account_id as id, account_name as name,
            'https://www.' || website_domain || '/' as website, industry,
            employee_count as number_of_employees, country_code as billing_country,
            owner_id, {ts("created_at")} as created_date, {deleted} as is_deleted,
            _loaded_at as _fivetran_synced
        from {accounts}""",
        f"""create table salesforce.lead as select
            contact_id as id, email, first_name, last_name, job_title as title,
            company_name as company, industry, company_size as number_of_employees,
            country_code as country, {picklist("lead_source", "lead_source")} as lead_source,
            owner_id, converted_at is not null as is_converted,
            case when converted_at is not null then account_id end as converted_account_id,
            case when converted_at is not null then '003' || contact_id end
                as converted_contact_id,
            case when converted_at is not null then '006' || first_deal end
                as converted_opportunity_id,
            converted_at as converted_date, {ts("created_at")} as created_date,
            {deleted} as is_deleted, _loaded_at as _fivetran_synced
        from {people}""",
        f"""create table salesforce.contact as select
            '003' || contact_id as id, account_id, email, first_name, last_name,
            job_title as title, country_code as mailing_country,
            {picklist("lead_source", "lead_source")} as lead_source, owner_id,
            converted_at as created_date, {deleted} as is_deleted,
            _loaded_at as _fivetran_synced
        from {people} where converted_at is not null""",
        f"""create table salesforce.lead_history as select
            event_id as id, contact_id as lead_id,
            case event_type when 'status_changed' then 'Status' else 'pi__score__c' end
                as field,
            case event_type
                when 'status_changed' then {picklist("lead_status", "event_detail")}
                else cast(score as varchar)
            end as new_value,
            {ts("occurred_at")} as created_date, user_id as created_by_id,
            {deleted} as is_deleted, _loaded_at as _fivetran_synced
        from {events} where event_type in ('status_changed', 'score_changed')""",
        f"""create table salesforce.opportunity as select
            '006' || opportunity_id as id, opportunity_name as name, account_id, owner_id,
            {picklist("opportunity_stage", "stage_name")} as stage_name,
            cast(amount as double) as amount, currency_code as currency_iso_code,
            coalesce({ts("closed_at")}, {ts("expected_close_date")}) as close_date,
            {ts("created_at")} as created_date, is_closed, is_won,
            {picklist("lead_source", "lead_source")} as lead_source,
            loss_reason_code as loss_reason_c, {deleted} as is_deleted,
            _loaded_at as _fivetran_synced
        from {opportunities}""",
        f"""create table salesforce.opportunity_history as
        select
            history_id as id, '006' || opportunity_id as opportunity_id,
            {picklist("opportunity_stage", "stage_name")} as stage_name,
            {ts("entered_at")} as created_date, changed_by_user_id as created_by_id,
            {deleted} as is_deleted, _loaded_at as _fivetran_synced
        from {history}
        union all
        -- the amount changed a second after the proposal went out: same stage, skipped
        select
            history_id || '-amount', '006' || opportunity_id,
            {picklist("opportunity_stage", "stage_name")},
            {ts("entered_at")} + interval 1 second, changed_by_user_id, {deleted}, _loaded_at
        from {history} where stage_name = 'proposal'""",
    ]
    # After its conversion a person's activities are logged on the contact.
    who = f"""case when people.converted_at <= {ts("activities.occurred_at")}
        then '003' || activities.contact_id else activities.contact_id end"""
    logged = f"""(
        select activities.*, {who} as who_id,
            '006' || activities.opportunity_id as what_id,
            {ts("activities.occurred_at")} as occurred
        from {activities} as activities
        left join {people} as people on activities.contact_id = people.contact_id
    )"""
    statements += [
        f"""create table salesforce.task as select
            activity_id as id, who_id, what_id, account_id, user_id as owner_id,
            case activity_type when 'call' then 'Call' else 'Email' end as type,
            case activity_type when 'call' then 'Call' else 'Email' end as task_subtype,
            case when activity_type = 'call' then upper(left(direction, 1)) || direction[2:]
                end as call_type,
            case when activity_type = 'call' then outcome end as call_disposition,
            'Completed' as status, occurred as activity_date,
            occurred as completed_date_time, occurred as created_date,
            {deleted} as is_deleted, _loaded_at as _fivetran_synced
        from {logged} where activity_type in ('call', 'email')""",
        f"""create table salesforce.event as select
            activity_id as id, who_id, what_id, account_id, user_id as owner_id,
            occurred as start_date_time, occurred as created_date, {deleted} as is_deleted,
            _loaded_at as _fivetran_synced
        from {logged} where activity_type = 'meeting'""",
    ]
    replace_schema(con, "salesforce", statements)
