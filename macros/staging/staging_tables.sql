{#- Every raw table staging reads, with its primary key: the one list the data-quality
    models and the reconciliation test loop over. Mirrors RAW_TABLES in
    revops_cli/generator/schema.py. -#}
{% macro staging_tables() -%}
    {{ return([
        {'system': 'crm', 'table': 'users', 'key': 'user_id'},
        {'system': 'crm', 'table': 'accounts', 'key': 'account_id'},
        {'system': 'crm', 'table': 'contacts', 'key': 'contact_id'},
        {'system': 'crm', 'table': 'lifecycle_events', 'key': 'event_id'},
        {'system': 'crm', 'table': 'activities', 'key': 'activity_id'},
        {'system': 'crm', 'table': 'opportunities', 'key': 'opportunity_id'},
        {'system': 'crm', 'table': 'opportunity_stage_history', 'key': 'history_id'},
        {'system': 'marketing', 'table': 'campaigns', 'key': 'campaign_id'},
        {'system': 'marketing', 'table': 'ad_spend', 'key': 'spend_id'},
        {'system': 'marketing', 'table': 'touches', 'key': 'touch_id'},
        {'system': 'billing', 'table': 'customers', 'key': 'customer_id'},
        {'system': 'billing', 'table': 'subscriptions', 'key': 'subscription_id'},
        {'system': 'billing', 'table': 'subscription_items', 'key': 'subscription_item_id'},
        {'system': 'billing', 'table': 'invoices', 'key': 'invoice_id'},
        {'system': 'billing', 'table': 'payments', 'key': 'payment_id'},
        {'system': 'support', 'table': 'tickets', 'key': 'ticket_id'},
        {'system': 'product', 'table': 'usage_daily', 'key': 'usage_id'},
    ]) }}
{%- endmacro %}
