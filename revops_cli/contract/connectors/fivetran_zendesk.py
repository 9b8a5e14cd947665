"""Fivetran's Zendesk Support connector."""

from __future__ import annotations

from revops_cli.contract.connectors.fivetran import fivetran_table
from revops_cli.contract.sources import (
    ANY,
    BOOLEAN,
    NUMBER,
    TEXT,
    TIMESTAMP,
    Adapter,
    register,
)

_ID = NUMBER  # Fivetran lands Zendesk ids as BIGINT (Long)

FIVETRAN_ZENDESK = register(
    Adapter(
        name="fivetran_zendesk",
        system="support",
        title="Zendesk Support through Fivetran",
        default_schema="zendesk",
        loaded_at="_fivetran_synced",
        deleted_flag="_fivetran_deleted",
        provides=("tickets",),
        tables=(
            fivetran_table(
                "ticket",
                "Tickets, current state (status new, open, pending, hold, solved, closed or "
                "deleted; via_channel: where it came from).",
                ("id", _ID),
                ("_fivetran_deleted", BOOLEAN),
                ("created_at", TIMESTAMP),
                ("updated_at", TIMESTAMP),
                ("status", TEXT),
                ("priority", TEXT),
                ("via_channel", TEXT),
                ("requester_id", _ID),
                ("organization_id", _ID),
            ),
            fivetran_table(
                "ticket_field_history",
                "Every value a ticket field took (status, satisfaction_score, ...), from when.",
                ("ticket_id", _ID),
                ("field_name", TEXT),
                ("value", TEXT),
                ("updated", TIMESTAMP),
            ),
            fivetran_table(
                "ticket_comment",
                "Ticket comments: public replies and private notes, by author.",
                ("id", _ID),
                ("ticket_id", _ID),
                ("user_id", _ID),
                ("created", TIMESTAMP),
                ("public", BOOLEAN),
                ("_fivetran_deleted", BOOLEAN),
            ),
            fivetran_table(
                "user",
                "Users: requesters (role end-user) and staff (agent, admin).",
                ("id", _ID),
                ("email", TEXT),
                ("role", TEXT),
            ),
            fivetran_table(
                "organization",
                "Organizations (external_id: the CRM account id, where the company keeps it).",
                ("id", _ID),
                ("external_id", ANY),
                may_be_empty=True,
            ),
        ),
        gaps=(
            "tickets._deleted: _fivetran_deleted, or Zendesk's own status deleted; staging "
            "rejects those tickets as deleted_in_source.",
            "tickets.status: new, open, pending and hold are open; solved and closed are "
            "solved; another value passes through lowercase and fails staging's test.",
            "tickets.priority: Zendesk's urgent, high, normal and low as they are; a ticket "
            "without a priority counts as normal (Zendesk's default), so it gets normal's "
            "SLA targets.",
            "tickets.channel: via_channel email, mail, web and anything not listed are "
            "email; chat, chat_transcript, messaging, native_messaging, sms, whatsapp, "
            "messenger, instagram_dm, line and wechat are chat; voice, phone, voicemail and "
            "phone calls are phone; a row in seeds/source_value_map.csv (adapter "
            "fivetran_zendesk, field channel) naming email, chat or phone overrides this.",
            "tickets.first_response_at: the first public, not deleted comment by an agent "
            "or admin (the author's current role) after the ticket was created; a ticket an "
            "agent opened on behalf of a customer counts from its creation, not from the "
            "customer's first message; Zendesk's business-hours reply metrics are not used.",
            "tickets.solved_at: for a ticket solved or closed now, the last time its status "
            "became solved (ticket_field_history), else became closed, else (no status "
            "history synced) its updated_at, which can be later than the solve and lengthen "
            "resolution times; a reopened ticket has none.",
            "tickets.csat_score: Zendesk's CSAT is good or bad, not 1-5: the latest rating "
            "(ticket_field_history satisfaction_score, offered and unoffered ignored) maps "
            "good to 5 and bad to 1, else null; averages read as the share of good ratings, "
            "not a 1-5 survey.",
            "tickets.crm_account_id: the ticket organization's external_id, which holds the "
            "CRM account id only where the company keeps it there; otherwise tickets match "
            "accounts by the requester's email.",
            "tickets.requester_email: the requester's email (user), null for a requester "
            "without one (a phone or messaging contact): such tickets match no account.",
        ),
        references=(
            "https://github.com/fivetran/dbt_zendesk_source (macros/get_*_columns.sql)",
            "https://github.com/fivetran/dbt_zendesk (reply_times, resolution_times, "
            "int_zendesk__ticket_historical_satisfaction.sql)",
            "https://fivetran.com/docs/connectors/applications/zendesk",
            "https://developer.zendesk.com/api-reference/ticketing/tickets/tickets/",
        ),
    )
)
