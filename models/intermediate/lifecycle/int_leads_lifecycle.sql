{#- One row per person: every lifecycle stage they reached, when, and the event that caused
    it, computed from the shared definitions (dbt_project.yml vars.revops.lifecycle).

    A stage counts only when its own event happened: a lead that goes straight to an
    opportunity is an opportunity without being an MQL (entry_stage says where it entered,
    has_skipped_stage flags the gap). Nobody is backfilled into a stage they never reached.
-#}
{%- set lc = revops.definition('lifecycle') -%}
{%- set fit = lc.mql.fit -%}
{%- set actions = lc.mql.qualifying_actions -%}

with

identities as (
    select * from {{ ref('int_contacts_deduplicated') }}
),

contacts as (
    select * from {{ ref('stg_crm__contacts') }}
),

events as (
    select * from {{ ref('int_crm__lifecycle_events_validated') }}
),

opportunities as (
    select * from {{ ref('int_crm__opportunities_validated') }}
),

people as (
    select
        identities.person_id,
        contacts.email_domain,
        contacts.company_size,
        contacts.country_code,
        contacts.seniority,
        contacts.lead_source,
        contacts.owner_id,
        contacts.industry
    from identities
    inner join contacts
        on identities.contact_id = contacts.contact_id
    where identities.is_canonical
),

created as (
    select
        person_id,
        min(created_at) as created_at
    from identities
    group by person_id
),

fit as (
    select
        people.*,
        coalesce(people.company_size >= {{ fit.min_company_size }}, false)
            as is_fit_company_size,
        {% if fit.countries -%}
            coalesce(people.country_code in {{ revops.sql_list(fit.countries) }}, false)
        {%- else %}true{% endif %} as is_fit_country,
        {% if fit.seniorities -%}
            coalesce(people.seniority in {{ revops.sql_list(fit.seniorities) }}, false)
        {%- else %}true{% endif %} as is_fit_seniority,
        {% set excluded = fit.exclude_free_mail_domains + fit.exclude_competitor_domains -%}
        {% if excluded -%}
            coalesce(people.email_domain not in {{ revops.sql_list(excluded) }}, false)
        {%- else %}people.email_domain is not null{% endif %} as is_fit_email_domain
    from people
),

person_events as (
    select
        identities.person_id,
        events.event_id,
        events.event_type,
        events.event_detail,
        events.score,
        events.sales_rejection_reason,
        events.occurred_at
    from events
    inner join identities
        on events.contact_id = identities.contact_id
),

qualifying_actions as (
    select
        person_id,
        occurred_at,
        case
            when event_type = 'score_changed'
                then
                    {{ dbt.concat(["'score_changed:'", "cast(score as " ~ dbt.type_string() ~ ")"]) }} -- noqa: LT05
            else {{ dbt.concat(["event_type", "':'", "event_detail"]) }}
        end as cause,
        row_number() over (partition by person_id order by occurred_at, event_id) as action_rank
    from person_events
    where
        {% if actions.forms -%}
            (event_type = 'form_submitted' and event_detail in {{ revops.sql_list(actions.forms) }})
        {%- else %}false{% endif %}
        or {% if actions.pages -%}
            (event_type = 'page_viewed' and event_detail in {{ revops.sql_list(actions.pages) }})
        {%- else %}false{% endif %}
        or {% if actions.min_score is not none -%}
            (event_type = 'score_changed' and score >= {{ actions.min_score }})
    {%- else %}false{% endif %}
),

first_action as (
    select * from qualifying_actions
    where action_rank = 1
),

{%- set statuses = [
    ('sal', lc.sal.accepted_status),
    ('rejected', lc.sal.rejected_status),
    ('sql', lc.sql.qualified_status),
] %}

status_events as (
    select
        person_id,
        event_detail,
        occurred_at,
        sales_rejection_reason,
        row_number() over (
            partition by person_id, event_detail order by occurred_at, event_id
        ) as status_rank
    from person_events
    where
        event_type = 'status_changed'
        and event_detail in {{ revops.sql_list(statuses | map(attribute=1) | list) }}
),

person_opportunities as (
    select
        identities.person_id,
        opportunities.opportunity_id,
        opportunities.created_at,
        opportunities.closed_at,
        opportunities.is_closed,
        opportunities.is_won,
        opportunities.loss_reason_code,
        opportunities.is_missing_loss_reason,
        row_number() over (
            partition by identities.person_id
            order by opportunities.created_at, opportunities.opportunity_id
        ) as opportunity_rank
    from opportunities
    inner join identities
        on opportunities.primary_contact_id = identities.contact_id
    where
        {% for field in lc.opportunity.required_fields -%}
            opportunities.{{ field }} is not null{% if not loop.last %} and {% endif %}
        {%- endfor %}
),

first_opportunity as (
    select * from person_opportunities
    where opportunity_rank = 1
),

stages as (
    select
        fit.person_id,
        created.created_at,
        fit.email_domain,
        fit.company_size,
        fit.country_code,
        fit.seniority,
        fit.industry,
        fit.lead_source,
        fit.owner_id,
        fit.is_fit_company_size,
        fit.is_fit_country,
        fit.is_fit_seniority,
        fit.is_fit_email_domain,
        (
            fit.is_fit_company_size and fit.is_fit_country
            and fit.is_fit_seniority and fit.is_fit_email_domain
        ) as is_fit,
        first_action.occurred_at as qualifying_at,
        first_action.cause as qualifying_cause,
        {% for stage, status in statuses %}
            {{ stage }}_event.occurred_at as {{ stage }}_at,
        {% endfor %}
        rejected_event.sales_rejection_reason as rejection_reason,
        first_opportunity.opportunity_id,
        first_opportunity.created_at as opportunity_at,
        case when first_opportunity.is_won then first_opportunity.closed_at end as won_at,
        case
            when first_opportunity.is_closed and not first_opportunity.is_won
                then first_opportunity.closed_at
        end as lost_at,
        first_opportunity.loss_reason_code,
        coalesce(first_opportunity.is_missing_loss_reason, false) as is_missing_loss_reason
    from fit
    inner join created
        on fit.person_id = created.person_id
    left join first_action
        on fit.person_id = first_action.person_id
    {% for stage, status in statuses %}
        left join status_events as {{ stage }}_event
            on
                fit.person_id = {{ stage }}_event.person_id
                and {{ stage }}_event.event_detail = {{ revops.string_literal(status) }}
                and {{ stage }}_event.status_rank = 1
    {% endfor %}
    left join first_opportunity
        on fit.person_id = first_opportunity.person_id
),

final as (
    select
        stages.person_id,
        stages.created_at,
        stages.email_domain,
        stages.company_size,
        stages.country_code,
        stages.seniority,
        stages.industry,
        stages.lead_source,
        stages.owner_id,
        stages.is_fit_company_size,
        stages.is_fit_country,
        stages.is_fit_seniority,
        stages.is_fit_email_domain,
        stages.is_fit,
        stages.qualifying_at,
        stages.qualifying_cause,
        case when stages.is_fit then stages.qualifying_at end as mql_at,
        case
            when stages.is_fit then {{ dbt.concat(["'fit+'", "stages.qualifying_cause"]) }}
        end as mql_cause,
        stages.sal_at,
        case when stages.sal_at is not null then 'status_changed:{{ lc.sal.accepted_status }}' end
            as sal_cause,
        stages.rejected_at,
        stages.rejection_reason,
        stages.sql_at,
        case when stages.sql_at is not null then 'status_changed:{{ lc.sql.qualified_status }}' end
            as sql_cause,
        stages.opportunity_id,
        stages.opportunity_at,
        case when stages.opportunity_at is not null then 'opportunity_created' end
            as opportunity_cause,
        stages.won_at,
        stages.lost_at,
        stages.loss_reason_code,
        stages.is_missing_loss_reason,
        case
            when stages.is_fit and stages.qualifying_at is not null then 'mql'
            when stages.sal_at is not null then 'sal'
            when stages.sql_at is not null then 'sql'
            when stages.opportunity_at is not null then 'opportunity'
        end as entry_stage,
        (
            (stages.sal_at is not null and not (stages.is_fit and stages.qualifying_at is not null))
            or (stages.sql_at is not null and stages.sal_at is null)
            or (stages.opportunity_at is not null and stages.sql_at is null)
        ) as has_skipped_stage,
        (
            coalesce(stages.sal_at < case when stages.is_fit then stages.qualifying_at end, false)
            or coalesce(stages.sql_at < stages.sal_at, false)
            or coalesce(stages.opportunity_at < stages.sql_at, false)
            or coalesce(coalesce(stages.won_at, stages.lost_at) < stages.opportunity_at, false)
        ) as has_out_of_order_stages
    from stages
)

select * from final
