with

source as (
    select * from {{ revops.raw('billing', 'invoices') }}
),

currencies as (
    select * from {{ ref('currencies') }}
),

renamed as (
    select
        {{ revops.clean_text('invoice_id') }} as invoice_id,
        {{ revops.clean_text('customer_id') }} as customer_id,
        {{ revops.clean_text('subscription_id') }} as subscription_id,
        {{ revops.clean_text('invoice_number') }} as invoice_number,
        {{ revops.clean_code('status') }} as status,
        {{ revops.clean_iso_code('currency_code') }} as currency_code,
        amount_due as due_amount,
        period_start as period_start_date_raw,
        {{ revops.parse_date('period_start') }} as period_start_date,
        period_end as period_end_date_raw,
        {{ revops.parse_date('period_end') }} as period_end_date,
        issued_at as issued_at_raw,
        {{ revops.parse_timestamp('issued_at') }} as issued_at,
        due_at as due_at_raw,
        {{ revops.parse_timestamp('due_at') }} as due_at,
        paid_at as paid_at_raw,
        {{ revops.parse_timestamp('paid_at') }} as paid_at,
        _loaded_at,
        coalesce(_deleted, false) as is_deleted_in_source
    from source
),

judged as (
    select
        renamed.*,
        case
            when renamed.invoice_id is null then 'missing_key'
            when renamed._loaded_at is null then 'missing_load_time'
            when renamed.is_deleted_in_source then 'deleted_in_source'
            -- issued_at is required: missing counts as unparseable
            when
                {{ revops.has_unparseable_date(
                    [
                        'renamed.period_start_date',
                        'renamed.period_end_date',
                        'renamed.issued_at',
                        'renamed.due_at',
                        'renamed.paid_at',
                    ],
                    required=['renamed.issued_at']
                ) }}
                then 'unparseable_date'
            when {{ revops.is_after_load('renamed.issued_at', 'renamed._loaded_at') }}
                then 'date_after_load'
            when currencies.currency_code is null then 'unknown_currency'
            when {{ revops.is_out_of_range_amount('renamed.due_amount') }}
                then 'amount_out_of_range'
            when renamed.due_amount < 0 then 'negative_amount'
        end as row_defect
    from renamed
    left join currencies
        on renamed.currency_code = currencies.currency_code
),

final as (
    {{ revops.keep_latest_valid('judged', 'invoice_id') }}
)

select * from final
