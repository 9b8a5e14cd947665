with

base as (
    select * from {{ ref('base_crm__opportunities') }}
),

final as (
    select
        opportunity_id,
        account_id,
        primary_contact_id,
        owner_id,
        opportunity_name,
        stage_name,
        amount,
        currency_code,
        lead_source,
        has_lead_source,
        created_at,
        expected_close_date,
        closed_at,
        is_closed,
        is_won,
        loss_reason_code,
        is_missing_loss_reason,
        _loaded_at
    from base
    where rejection_reason is null
)

select * from final
