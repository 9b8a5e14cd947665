"""The demo business's support tickets as Fivetran's Zendesk Support connector lands them
(schema ``zendesk``): numeric ids (ticket, user, organization), TIMESTAMPs, the ticket's
current status, ``via_channel``, the status and satisfaction history in
``ticket_field_history``, comments (the requester's first message and the agent's reply)
and organizations whose ``external_id`` holds the CRM account id.

What Zendesk cannot hold is lost the way docs/connectors.md says: CSAT is good (4-5) or bad
(1-2), a 3 is offered and not rated; a reply no later than the ticket's creation is not a
response.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from revops_cli.generator.shape_common import latest, replace_schema, ts

#: The one agent who answers every ticket (Zendesk users share one id space).
AGENT_ID = 1


def fivetran_zendesk(con: duckdb.DuckDBPyConnection, project_dir: Path) -> None:
    tickets = f"""(
        select raw.*,
            row_number() over (order by ticket_id) as zendesk_id,
            100 + dense_rank() over (order by requester_email) as requester_id,
            case when crm_account_id is not null
                then 100000 + dense_rank() over (order by crm_account_id)
            end as organization_id,
            {ts("opened_at")} as opened, {ts("first_response_at")} as responded,
            {ts("solved_at")} as solved
        from {latest("raw_support.tickets", "ticket_id")} as raw
    )"""
    statements = [
        f"""create table zendesk.ticket as select
            zendesk_id as id, coalesce(_deleted, false) as _fivetran_deleted,
            opened as created_at, coalesce(solved, responded, opened) as updated_at,
            case when status = 'solved' then 'solved' else 'open' end as status,
            priority,
            case channel when 'phone' then 'voice' else channel end as via_channel,
            case when requester_email is not null then requester_id end as requester_id,
            organization_id, 'Ticket ' || ticket_id as subject,
            _loaded_at as _fivetran_synced
        from {tickets}""",
        f"""create table zendesk.ticket_field_history as
        select zendesk_id as ticket_id, 'status' as field_name, 'new' as value,
            opened as updated, {AGENT_ID} as user_id, _loaded_at as _fivetran_synced
        from {tickets}
        union all
        select zendesk_id, 'status', 'solved', solved, {AGENT_ID}, _loaded_at
        from {tickets} where status = 'solved' and solved is not null
        union all
        select zendesk_id, 'satisfaction_score', 'offered', solved, {AGENT_ID}, _loaded_at
        from {tickets} where csat_score is not null and solved is not null
        union all
        select zendesk_id, 'satisfaction_score',
            case when csat_score >= 4 then 'good' else 'bad' end,
            solved + interval 1 hour, requester_id, _loaded_at
        from {tickets} where csat_score in (1, 2, 4, 5) and solved is not null""",
        f"""create table zendesk.ticket_comment as
        select 10 * zendesk_id as id, zendesk_id as ticket_id, requester_id as user_id,
            opened as created, true as public, false as _fivetran_deleted,
            _loaded_at as _fivetran_synced
        from {tickets} where requester_email is not null
        union all
        select 10 * zendesk_id + 1, zendesk_id, {AGENT_ID}, responded, true, false, _loaded_at
        from {tickets} where responded is not null""",
        f"""create table zendesk.user as
        select {AGENT_ID} as id, 'support@revops.example' as email, 'agent' as role,
            max(_loaded_at) as _fivetran_synced
        from {tickets}
        union all
        select requester_id, requester_email, 'end-user', max(_loaded_at)
        from {tickets} where requester_email is not null group by all""",
        f"""create table zendesk.organization as select
            organization_id as id, crm_account_id as external_id,
            max(_loaded_at) as _fivetran_synced
        from {tickets} where organization_id is not null group by all""",
    ]
    replace_schema(con, "zendesk", statements)
