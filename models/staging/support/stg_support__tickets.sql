with

base as (
    select * from {{ ref('base_support__tickets') }}
),

final as (
    select
        ticket_id,
        requester_email,
        requester_email_domain,
        crm_account_id,
        priority,
        channel,
        status,
        opened_at,
        first_response_at,
        solved_at,
        csat_score,
        _loaded_at
    from base
    where rejection_reason is null
)

select * from final
