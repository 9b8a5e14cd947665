{{ config(enabled=revops.adapter_enabled('crm', 'fivetran_hubspot')) }}
{#- HubSpot owners as crm.users. The team comes from the owner's primary team name through
    seeds/source_value_map.csv (field `team`); HubSpot has no manager, role or quota: null. -#}
with

owners as (
    select * from {{ source('fivetran_hubspot', 'owner') }}
),

owner_teams as (
    select * from {{ source('fivetran_hubspot', 'owner_team') }}
),

teams as (
    select * from {{ source('fivetran_hubspot', 'team') }}
),

value_map as (
    select * from {{ ref('source_value_map') }}
    where adapter = 'fivetran_hubspot'
),

primary_team as (
    select
        owner_teams.owner_id,
        max(teams.name) as team_name
    from owner_teams
    inner join teams on owner_teams.team_id = teams.id
    where owner_teams.is_team_primary
    group by owner_teams.owner_id
),

final as (
    select
        {{ revops.id_text('owners.owner_id') }} as user_id,
        trim(
            {{ dbt.concat([
                "coalesce(owners.first_name, '')", "' '", "coalesce(owners.last_name, '')"
            ]) }}
        )
            as full_name,
        owners.email,
        case
            when primary_team.team_name is not null
                then {{ revops.mapped_value('team', 'primary_team.team_name') }}
        end as team,
        cast(null as {{ revops.type_varchar() }}) as role,
        cast(null as {{ revops.type_varchar() }}) as manager_id,
        cast(null as decimal(18, 2)) as monthly_quota_amount,
        cast(null as {{ revops.type_varchar() }}) as quota_currency,
        owners.active_user_id is not null as is_active,
        owners.created_at,
        owners._fivetran_synced as _loaded_at,
        false as _deleted
    from owners
    left join primary_team on owners.owner_id = primary_team.owner_id
)

select * from final
