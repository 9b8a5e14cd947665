"""The demo business as Airbyte's HubSpot source lands it (``airbyte_hubspot``).

The generated CRM (revops' own contract, ``raw_crm.*``) rewritten into the streams the
adapter reads, in schema ``hubspot_airbyte``, typed as a Destinations V2 destination
(DuckDB/MotherDuck) types them: field names lowercased (``firstName`` -> ``firstname``,
``updated-by-user-id`` -> ``updated_by_user_id``), HubSpot properties flattened as
``properties_<name>`` (and nested in ``properties``), datetimes as TIMESTAMPs, number
properties as text (source-hubspot 6.0.1), association ids and nested objects as JSON,
``contacts_property_history.timestamp`` in epoch milliseconds, ``_airbyte_raw_id``,
``_airbyte_extracted_at``, ``_airbyte_meta``, ``_airbyte_generation_id``.

Like the Fivetran shape (``shapes._fivetran_hubspot``), it keeps the latest load of each
key, and loses what the connector cannot hold, the way the adapter's gaps say
(docs/connectors.md): no form submissions per contact (Airbyte's form_submissions carry no
contact id) and no page views, so the only qualifying action left is the score; no
rejection reasons; a contact's company size as a range. Who changed a status or a stage
survives, as the HubSpot user id of its owner (``updated_by_user_id``, ``updatedbyuserid``).
Ids stay the generator's text ids, so the other systems' references still resolve.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from revops_cli.generator.shape_common import latest, replace_schema, ts

SCHEMA = "hubspot_airbyte"
#: Destinations V2 metadata of every row (the extraction time is the row's _loaded_at).
_META = (
    "cast(uuid() as varchar) as _airbyte_raw_id, "
    """cast('{"changes": [], "sync_id": 1}' as json) as _airbyte_meta, """
    "cast(1 as bigint) as _airbyte_generation_id"
)
#: HubSpot's default sales pipeline: stage id, label, closed, probability.
_STAGES = (
    ("appointmentscheduled", "Appointment Scheduled", "false", "0.2"),
    ("qualifiedtobuy", "Qualified To Buy", "false", "0.4"),
    ("presentationscheduled", "Presentation Scheduled", "false", "0.6"),
    ("decisionmakerboughtin", "Decision Maker Bought-In", "false", "0.8"),
    ("contractsent", "Contract Sent", "false", "0.9"),
    ("closedwon", "Closed Won", "true", "1.0"),
    ("closedlost", "Closed Lost", "true", "0.0"),
)


def _ids(column: str) -> str:
    """One association id as the JSON array Airbyte lands (empty without one)."""
    return f"case when {column} is null then cast('[]' as json) else json_array({column}) end"


def airbyte_hubspot(con: duckdb.DuckDBPyConnection, project_dir: Path) -> None:
    """Write the generated CRM as Airbyte's HubSpot source lands it, in hubspot_airbyte."""

    users = latest("raw_crm.users", "user_id")
    accounts = latest("raw_crm.accounts", "account_id")
    contacts = latest("raw_crm.contacts", "contact_id")
    events = latest("raw_crm.lifecycle_events", "event_id")
    activities = latest("raw_crm.activities", "activity_id")
    opportunities = latest("raw_crm.opportunities", "opportunity_id")
    history = latest("raw_crm.opportunity_stage_history", "history_id")
    stage = (
        "case {c} when 'discovery' then 'appointmentscheduled' "
        "when 'demo' then 'presentationscheduled' when 'proposal' then 'decisionmakerboughtin' "
        "when 'negotiation' then 'contractsent' when 'closed_won' then 'closedwon' "
        "when 'closed_lost' then 'closedlost' else {c} end"
    )
    # Each owner's HubSpot user id; a deactivated owner keeps it in useridincludinginactive.
    user_ids = f"""(select user_id, 7000 + row_number() over (order by user_id) as hubspot_user_id
        from {users})"""
    owner = """select
            users.user_id as id, users.email, split_part(users.full_name, ' ', 1) as firstname,
            nullif(trim(substr(users.full_name, length(split_part(users.full_name, ' ', 1)) + 2)),
                '') as lastname,
            case when users.is_active then ids.hubspot_user_id end as userid,
            ids.hubspot_user_id as useridincludinginactive,
            {created} as createdat, {created} as updatedat, not users.is_active as archived,
            case when users.team is null then cast('[]' as json) else json_array(json_object(
                'id', cast(hash(users.team) % 1000000 as varchar), 'name', users.team,
                'primary', true)) end as teams,
            users._loaded_at as _airbyte_extracted_at, {meta}
        from {users} as users inner join {user_ids} as ids on users.user_id = ids.user_id"""
    owner = owner.format(users=users, user_ids=user_ids, created=ts("users.created_at"), meta=_META)
    # The owner (HubSpot user id) behind a change; canonical user ids of no owner: null.
    changed_by = f"""(select id as owner_id, useridincludinginactive as hubspot_user_id
        from {SCHEMA}.owners union all
        select id, useridincludinginactive from {SCHEMA}.owners_archived)"""
    deal = """select
            opportunity_id as id, {created} as createdat, {created} as updatedat,
            false as archived, {companies} as companies, {contacts} as contacts,
            cast('[]' as json) as line_items,
            json_object('dealname', opportunity_name, 'dealstage', {stage}) as properties,
            opportunity_name as properties_dealname, 'default' as properties_pipeline,
            {stage} as properties_dealstage, owner_id as properties_hubspot_owner_id,
            cast(amount as varchar) as properties_amount,
            currency_code as properties_deal_currency_code,
            {created} as properties_createdate,
            coalesce({closed}, {expected}) as properties_closedate,
            loss_reason_code as properties_closed_lost_reason,
            _loaded_at as _airbyte_extracted_at, {meta}
        from {opportunities}""".format(
        opportunities=opportunities,
        companies=_ids("account_id"),
        contacts=_ids("primary_contact_id"),
        stage=stage.format(c="stage_name"),
        created=ts("created_at"),
        closed=ts("closed_at"),
        expected=ts("expected_close_date"),
        meta=_META,
    )
    stages = ", ".join(
        f"{{'stageId': '{sid}', 'label': '{label}', 'displayOrder': {i}, 'active': true, "
        f"'metadata': {{'isClosed': '{closed}', 'probability': '{probability}'}}}}"
        for i, (sid, label, closed, probability) in enumerate(_STAGES)
    )
    statements = [
        f"create table {SCHEMA}.owners as {owner} where users.is_active",
        f"create table {SCHEMA}.owners_archived as {owner} where not users.is_active",
        """create table {schema}.companies as select
            account_id as id, {created} as createdat, {created} as updatedat,
            false as archived, cast('[]' as json) as contacts,
            json_object('name', account_name, 'domain', website_domain) as properties,
            account_name as properties_name, website_domain as properties_domain,
            industry as properties_industry,
            cast(employee_count as varchar) as properties_numberofemployees,
            country_code as properties_country, owner_id as properties_hubspot_owner_id,
            {created} as properties_createdate, _loaded_at as _airbyte_extracted_at, {meta}
        from {accounts}""".format(
            schema=SCHEMA, accounts=accounts, created=ts("created_at"), meta=_META
        ),
        """create table {schema}.contacts as select
            contact_id as id, {created} as createdat, {created} as updatedat,
            false as archived, {companies} as companies,
            json_object('email', email) as properties, email as properties_email,
            first_name as properties_firstname, last_name as properties_lastname,
            job_title as properties_jobtitle, company_name as properties_company,
            account_id as properties_associatedcompanyid,
            case
                when company_size is null then null
                when company_size < 5 then '1-5' when company_size < 25 then '5-25'
                when company_size < 50 then '25-50' when company_size < 100 then '50-100'
                when company_size < 500 then '100-500' when company_size < 1000 then '500-1000'
                else '1000+'
            end as properties_numemployees,
            country_code as properties_country,
            case lead_source
                when 'paid_search' then 'PAID_SEARCH' when 'paid_social' then 'PAID_SOCIAL'
                when 'organic_search' then 'ORGANIC_SEARCH' when 'content' then 'EMAIL_MARKETING'
                when 'referral' then 'REFERRALS' when 'events' then 'OTHER_CAMPAIGNS'
                when 'outbound' then 'OFFLINE' else lead_source
            end as properties_hs_analytics_source,
            owner_id as properties_hubspot_owner_id, {created} as properties_createdate,
            _loaded_at as _airbyte_extracted_at, {meta}
        from {contacts}""".format(
            schema=SCHEMA,
            contacts=contacts,
            companies=_ids("account_id"),
            created=ts("created_at"),
            meta=_META,
        ),
        """create table {schema}.contacts_property_history as select
            events.contact_id as vid,
            case events.event_type when 'score_changed' then 'hubspotscore'
                else 'hs_lead_status' end as property,
            case
                when events.event_type = 'score_changed' then cast(events.score as varchar)
                when events.event_detail = 'sales_accepted' then 'IN_PROGRESS'
                when events.event_detail = 'sales_qualified' then 'OPEN_DEAL'
                when events.event_detail = 'sales_rejected' then 'UNQUALIFIED'
                else events.event_detail
            end as value,
            epoch_ms({occurred}) as timestamp,
            case events.event_type when 'score_changed' then 'CALCULATED' else 'CRM_UI' end
                as source_type,
            cast(null as varchar) as source_id, cast(null as varchar) as source_label,
            changed_by.hubspot_user_id as updated_by_user_id, false as archived,
            events._loaded_at as _airbyte_extracted_at, {meta}
        from {events} as events
        left join {changed_by} as changed_by on events.user_id = changed_by.owner_id
        where events.event_type in ('score_changed', 'status_changed')""".format(
            schema=SCHEMA,
            events=events,
            changed_by=changed_by,
            occurred=ts("events.occurred_at"),
            meta=_META,
        ),
        f"create table {SCHEMA}.deals as {deal}",
        f"""create table {SCHEMA}.deals_archived as
            select *, cast(null as timestamp) as archivedat from {SCHEMA}.deals where false""",
        """create table {schema}.deals_property_history as select
            history.opportunity_id as dealid, 'dealstage' as property, {stage} as value,
            {entered} as timestamp, 'CRM_UI' as sourcetype,
            cast(cast(changed_by.hubspot_user_id as decimal(18, 3)) as varchar)
                as updatedbyuserid,
            false as archived, history._loaded_at as _airbyte_extracted_at, {meta}
        from {history} as history
        left join {changed_by} as changed_by
            on history.changed_by_user_id = changed_by.owner_id""".format(
            schema=SCHEMA,
            history=history,
            changed_by=changed_by,
            stage=stage.format(c="history.stage_name"),
            entered=ts("history.entered_at"),
            meta=_META,
        ),
        f"""create table {SCHEMA}.deal_pipelines as select
            'default' as pipelineid, 'Sales Pipeline' as label, 0 as displayorder,
            true as active, 'DEAL' as objecttype,
            epoch_ms(min(_loaded_at)) as createdat, epoch_ms(min(_loaded_at)) as updatedat,
            cast([{stages}] as json) as stages,
            max(_loaded_at) as _airbyte_extracted_at, {_META}
        from {opportunities}""",
        *(
            """create table {schema}.engagements_{kind}s as select
                activity_id as id, {occurred} as createdat, {occurred} as updatedat,
                false as archived, {contacts} as contacts, {companies} as companies,
                {deals} as deals, cast('{{}}' as json) as properties,
                {occurred} as properties_hs_timestamp,
                user_id as properties_hubspot_owner_id, _loaded_at as _airbyte_extracted_at,
                {meta}
            from {activities} where activity_type = '{kind}'""".format(
                schema=SCHEMA,
                kind=kind,
                activities=activities,
                occurred=ts("occurred_at"),
                contacts=_ids("contact_id"),
                companies=_ids("account_id"),
                deals=_ids("opportunity_id"),
                meta=_META,
            )
            for kind in ("email", "call", "meeting")
        ),
    ]
    replace_schema(con, SCHEMA, statements)
