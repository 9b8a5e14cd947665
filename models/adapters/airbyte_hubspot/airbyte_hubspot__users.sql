{{ config(enabled=revops.adapter_enabled('crm', 'airbyte_hubspot')) }}
{#- HubSpot owners as crm.users: the active ones (owners) and the deactivated ones
    (owners_archived, is_active false). An owner deactivated since keeps its last row in
    owners: the latest extraction wins, the archived row on a tie. The team is the owner's
    primary team (else the first by name) through seeds/source_value_map.csv (field `team`,
    HubSpot's rows shared with fivetran_hubspot); HubSpot has no manager, role or quota. -#}
with

owners as (
    {% for stream in ['owners', 'owners_archived'] %}
        select
            id,
            email,
            firstname,
            lastname,
            createdat,
            archived,
            teams,
            _airbyte_extracted_at
        from {{ source('airbyte_hubspot', stream) }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

ranked as (
    select
        owners.*,
        row_number() over (
            partition by owners.id
            order by owners._airbyte_extracted_at desc, coalesce(owners.archived, false) desc
        ) as recency
    from owners
),

latest as (
    select * from ranked
    where recency = 1
),

owner_teams as (
    select
        latest.id as owner_id,
        {{ revops.json_path_text('team.value', 'name') }} as team_name,
        coalesce({{ revops.json_path_text('team.value', 'primary') }} = 'true', false)
            as is_primary
    from latest
    cross join {{ revops.json_array_elements('latest.teams', 'team') }}
),

primary_team as (
    select
        owner_id,
        coalesce(max(case when is_primary then team_name end), min(team_name)) as team_name
    from owner_teams
    group by owner_id
),

value_map as (
    {{ revops.value_map_of(['airbyte_hubspot', 'fivetran_hubspot']) }}
),

final as (
    select
        {{ revops.id_text('latest.id') }} as user_id,
        trim(
            {{ dbt.concat([
                "coalesce(latest.firstname, '')", "' '", "coalesce(latest.lastname, '')"
            ]) }}
        )
            as full_name,
        latest.email,
        case
            when primary_team.team_name is not null
                then {{ revops.mapped_value('team', 'primary_team.team_name') }}
        end as team,
        cast(null as {{ revops.type_varchar() }}) as role,
        cast(null as {{ revops.type_varchar() }}) as manager_id,
        cast(null as decimal(18, 2)) as monthly_quota_amount,
        cast(null as {{ revops.type_varchar() }}) as quota_currency,
        not coalesce(latest.archived, false) as is_active,
        {{ revops.utc_timestamp('latest.createdat') }} as created_at,
        {{ revops.utc_timestamp('latest._airbyte_extracted_at') }} as _loaded_at,
        false as _deleted
    from latest
    left join primary_team on latest.id = primary_team.owner_id
)

select * from final
