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
        coalesce(_deleted, false) as is_deleted_in_source
    from source
),

judged as (
    select
        renamed.*,
        case
            when renamed.opportunity_id is null then 'missing_key'
            when renamed._loaded_at is null then 'missing_load_time'
            when renamed.is_deleted_in_source then 'deleted_in_source'
            -- created_at is required: missing counts as unparseable
            when
                {{ revops.has_unparseable_date(
                    ['renamed.created_at', 'renamed.expected_close_date', 'renamed.closed_at'],
                    required=['renamed.created_at']
                ) }}
                then 'unparseable_date'
            when {{ revops.is_after_load('renamed.created_at', 'renamed._loaded_at') }}
                then 'date_after_load'
            -- amount and currency are optional until the deal qualifies as an opportunity
            -- (lifecycle rule): a currency is needed only with an amount
            when
                currencies.currency_code is null
                and (renamed.currency_code is not null or renamed.amount is not null)
                then 'unknown_currency'
            when {{ revops.is_out_of_range_amount('renamed.amount') }}
                then 'amount_out_of_range'
            when renamed.amount < 0 then 'negative_amount'
        end as row_defect
    from renamed
    left join currencies
        on renamed.currency_code = currencies.currency_code
),

final as (
    {{ revops.keep_latest_valid('judged', 'opportunity_id') }}
)

select * from final
