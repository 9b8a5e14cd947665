with

source as (
    select * from {{ revops.raw('crm', 'opportunities') }}
),

currencies as (
    select * from {{ ref('currencies') }}
),

renamed as (
    select
        {{ revops.clean_text('opportunity_id') }} as opportunity_id,
        {{ revops.clean_text('account_id') }} as account_id,
        {{ revops.clean_text('primary_contact_id') }} as primary_contact_id,
        {{ revops.clean_text('owner_id') }} as owner_id,
        {{ revops.clean_text('opportunity_name') }} as opportunity_name,
        {{ revops.clean_code('stage_name') }} as stage_name,
        amount,
        {{ revops.clean_iso_code('currency_code') }} as currency_code,
        {{ revops.clean_code('lead_source') }} as lead_source,
        {{ revops.clean_code('lead_source') }} is not null as has_lead_source,
        created_at as created_at_raw,
        {{ revops.parse_timestamp('created_at') }} as created_at,
        expected_close_date as expected_close_date_raw,
        {{ revops.parse_date('expected_close_date') }} as expected_close_date,
        closed_at as closed_at_raw,
        {{ revops.parse_timestamp('closed_at') }} as closed_at,
        is_closed,
        is_won,
        {{ revops.clean_code('loss_reason_code') }} as loss_reason_code,
        -- a lost deal must carry a reason: its absence is a data-quality failure that the
        -- later layers report, not a reason to drop the deal
        coalesce(
            is_closed and not is_won and {{ revops.clean_code('loss_reason_code') }} is null,
            false
        ) as is_missing_loss_reason,
        _loaded_at,
        coalesce(_deleted, false) as is_deleted_in_source,
        {{ revops.key_rank(revops.clean_text('opportunity_id')) }} as key_rank
    from source
),

final as (
    select
        renamed.*,
        case
            when renamed.opportunity_id is null then 'missing_key'
            when renamed.is_deleted_in_source then 'deleted_in_source'
            when renamed.key_rank > 1 then 'duplicate_key'
            -- created_at is required: missing counts as unparseable
            when
                {{ revops.has_unparseable_date(
                    ['renamed.created_at', 'renamed.expected_close_date', 'renamed.closed_at'],
                    required=['renamed.created_at']
                ) }}
                then 'unparseable_date'
            -- amount and currency are optional until the deal qualifies as an opportunity
            -- (lifecycle rule): a currency is needed only with an amount
            when
                currencies.currency_code is null
                and (renamed.currency_code is not null or renamed.amount is not null)
                then 'unknown_currency'
            when renamed.amount < 0 then 'negative_amount'
        end as rejection_reason
    from renamed
    left join currencies
        on renamed.currency_code = currencies.currency_code
)

select * from final
