with

source as (
    select * from {{ revops.raw('billing', 'payments') }}
),

currencies as (
    select * from {{ ref('currencies') }}
),

renamed as (
    select
        {{ revops.clean_text('payment_id') }} as payment_id,
        {{ revops.clean_text('invoice_id') }} as invoice_id,
        {{ revops.clean_text('customer_id') }} as customer_id,
        amount,
        {{ revops.clean_iso_code('currency_code') }} as currency_code,
        {{ revops.clean_code('status') }} as status,
        {{ revops.clean_code('failure_code') }} as failure_code,
        attempted_at as attempted_at_raw,
        {{ revops.parse_timestamp('attempted_at') }} as attempted_at,
        refunded_at as refunded_at_raw,
        {{ revops.parse_timestamp('refunded_at') }} as refunded_at,
        _loaded_at,
        coalesce(_deleted, false) as is_deleted_in_source
    from source
),

judged as (
    select
        renamed.*,
        case
            when renamed.payment_id is null then 'missing_key'
            when renamed._loaded_at is null then 'missing_load_time'
            when renamed.is_deleted_in_source then 'deleted_in_source'
            -- attempted_at is required: missing counts as unparseable
            when
                {{ revops.has_unparseable_date(
                    ['renamed.attempted_at', 'renamed.refunded_at'],
                    required=['renamed.attempted_at']
                ) }}
                then 'unparseable_date'
            when {{ revops.is_after_load('renamed.attempted_at', 'renamed._loaded_at') }}
                then 'date_after_load'
            when currencies.currency_code is null then 'unknown_currency'
            when {{ revops.is_out_of_range_amount('renamed.amount') }}
                then 'amount_out_of_range'
            when renamed.amount < 0 then 'negative_amount'
            when renamed.amount = 0 then 'zero_amount'
        end as row_defect
    from renamed
    left join currencies
        on renamed.currency_code = currencies.currency_code
),

final as (
    {{ revops.keep_latest_valid('judged', 'payment_id') }}
)

select * from final
