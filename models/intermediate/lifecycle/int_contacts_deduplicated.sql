{#- Identity resolution: CRM records with the same normalised email (staging trims and
    lowercases it) are one person. The person's id is the earliest record's contact_id,
    so every merge is explainable: each raw contact_id maps to one person_id, with why. -#}
with

contacts as (
    select * from {{ ref('stg_crm__contacts') }}
),

ranked as (
    select
        contacts.*,
        row_number() over (
            partition by coalesce(contacts.email, contacts.contact_id)
            order by contacts.created_at, contacts.contact_id
        ) as record_rank,
        count(*)
            over (partition by coalesce(contacts.email, contacts.contact_id))
            as records_for_person
    from contacts
),

people as (
    select
        contact_id as person_id,
        coalesce(email, contact_id) as identity_key
    from ranked
    where record_rank = 1
),

final as (
    select
        ranked.contact_id,
        people.person_id,
        ranked.email,
        ranked.records_for_person,
        ranked.created_at,
        ranked.record_rank = 1 as is_canonical,
        case
            when ranked.email is null then 'no_email'
            when ranked.record_rank = 1 then 'canonical'
            else 'same_normalised_email'
        end as match_method
    from ranked
    inner join people
        on coalesce(ranked.email, ranked.contact_id) = people.identity_key
)

select * from final
