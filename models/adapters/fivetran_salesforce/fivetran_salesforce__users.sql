{{ config(enabled=revops.adapter_enabled('crm', 'fivetran_salesforce')) }}
{#- Salesforce users as crm.users. The team is the role's name (user_role), else the
    department, through seeds/source_value_map.csv field `team`; a name with no mapping leaves the team null,
    as Salesforce has no team. The role is the title; Salesforce has no quota on the user. -#}
with

users as (
    select * from {{ source('fivetran_salesforce', 'user') }}
),

roles as (
    select * from {{ source('fivetran_salesforce', 'user_role') }}
    where not coalesce(_fivetran_deleted, false)
),

value_map as (
    select * from {{ ref('source_value_map') }}
    where adapter = 'fivetran_salesforce'
),

teams as (
    select
        source_value,
        max(revops_value) as team
    from value_map
    where field = 'team'
    group by source_value
),

final as (
    select
        {{ revops.id_text('users.id') }} as user_id,
        users.name as full_name,
        users.email,
        coalesce(role_team.team, department_team.team) as team,
        users.title as role,
        {{ revops.id_text('users.manager_id') }} as manager_id,
        cast(null as decimal(18, 2)) as monthly_quota_amount,
        cast(null as {{ revops.type_varchar() }}) as quota_currency,
        coalesce(users.is_active, false) as is_active,
        users.created_date as created_at,
        users._fivetran_synced as _loaded_at,
        coalesce(users._fivetran_deleted, false) as _deleted
    from users
    left join roles on users.user_role_id = roles.id
    left join teams as role_team on lower(trim(roles.name)) = role_team.source_value
    left join teams as department_team
        on lower(trim(users.department)) = department_team.source_value
)

select * from final
