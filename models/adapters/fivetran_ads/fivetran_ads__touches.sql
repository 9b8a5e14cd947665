{{ config(enabled=revops.adapter_enabled('marketing', 'fivetran_ads')) }}
{#- Ad platforms do not see people: no touches (first-touch attribution reads 0 until a CRM
    or web analytics source fills them). -#}
select * from ({{ revops.empty_raw('marketing', 'touches') }}) as no_touches
