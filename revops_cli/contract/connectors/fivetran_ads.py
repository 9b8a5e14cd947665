"""Fivetran's ad platform connectors (Google Ads, LinkedIn Ads, Meta Ads), combined in one
marketing adapter: each platform lands in its own schema, and a company lists the ones it
uses (``revops_sources.marketing.schema: {google_ads: ..., facebook_ads: ...}``)."""

from __future__ import annotations

from revops_cli.contract.connectors.fivetran import fivetran_table
from revops_cli.contract.sources import (
    NUMBER,
    TEXT,
    TIMESTAMP,
    Adapter,
    AdapterPart,
    register,
)

FIVETRAN_ADS = register(
    Adapter(
        name="fivetran_ads",
        system="marketing",
        title="Google Ads, LinkedIn Ads and Meta Ads through Fivetran",
        default_schema="",
        loaded_at="_fivetran_synced",
        tables=(),
        provides=("campaigns", "ad_spend"),
        parts=(
            AdapterPart(
                "google_ads",
                "Google Ads through Fivetran",
                "google_ads",
                (
                    fivetran_table(
                        "campaign_history",
                        "Campaign versions (the latest by updated_at is current).",
                        ("id", NUMBER),
                        ("name", TEXT),
                        ("customer_id", NUMBER),
                        ("updated_at", TIMESTAMP),
                        ("start_date", TEXT),
                        ("end_date", TEXT),
                    ),
                    fivetran_table(
                        "campaign_stats",
                        "Daily stats per campaign, network and device.",
                        ("id", NUMBER),
                        ("date", TIMESTAMP),
                        ("clicks", NUMBER),
                        ("impressions", NUMBER),
                        ("cost_micros", NUMBER),
                        may_be_empty=True,
                    ),
                    fivetran_table(
                        "account_history",
                        "Account versions: the account's currency.",
                        ("id", NUMBER),
                        ("currency_code", TEXT),
                        ("updated_at", TIMESTAMP),
                    ),
                ),
            ),
            AdapterPart(
                "linkedin_ads",
                "LinkedIn Ads through Fivetran",
                "linkedin_ads",
                (
                    fivetran_table(
                        "campaign_history",
                        "Campaign versions (the latest by last_modified_time is current).",
                        ("id", NUMBER),
                        ("name", TEXT),
                        ("account_id", NUMBER),
                        ("last_modified_time", TIMESTAMP),
                        ("run_schedule_start", TIMESTAMP),
                        ("run_schedule_end", TIMESTAMP),
                    ),
                    fivetran_table(
                        "ad_analytics_by_campaign",
                        "Daily analytics per campaign (cost in the account's currency).",
                        ("campaign_id", NUMBER),
                        ("day", TIMESTAMP),
                        ("clicks", NUMBER),
                        ("impressions", NUMBER),
                        ("cost_in_local_currency", NUMBER),
                        may_be_empty=True,
                    ),
                    fivetran_table(
                        "account_history",
                        "Account versions: the account's currency.",
                        ("id", NUMBER),
                        ("currency", TEXT),
                        ("last_modified_time", TIMESTAMP),
                    ),
                ),
            ),
            AdapterPart(
                "facebook_ads",
                "Meta (Facebook) Ads through Fivetran",
                "facebook_ads",
                (
                    fivetran_table(
                        "campaign_history",
                        "Campaign versions (the latest by updated_time is current).",
                        ("id", NUMBER),
                        ("account_id", NUMBER),
                        ("name", TEXT),
                        ("updated_time", TIMESTAMP),
                        ("start_time", TIMESTAMP),
                        ("stop_time", TIMESTAMP),
                        ("lifetime_budget", NUMBER),
                    ),
                    fivetran_table(
                        "basic_campaign",
                        "The prebuilt daily report per campaign.",
                        ("campaign_id", NUMBER),
                        ("date", TIMESTAMP),
                        ("impressions", NUMBER),
                        ("inline_link_clicks", NUMBER),
                        ("spend", NUMBER),
                        may_be_empty=True,
                    ),
                    fivetran_table(
                        "account_history",
                        "Account versions: the account's currency.",
                        ("id", NUMBER),
                        ("currency", TEXT),
                    ),
                ),
            ),
        ),
        gaps=(
            "Campaign ids are the platform's, prefixed with it (google_ads:123) so that "
            "platforms never collide.",
            "marketing.touches: ad platforms do not see people: no touches, so first-touch "
            "attribution (attributed leads, MQLs, opportunities, cost per lead or MQL, CAC "
            "by campaign) reads 0 until a CRM or web analytics source fills touches.",
            "campaigns.utm_source and utm_medium: the platform and its medium (google/cpc, "
            "linkedin/paid_social, facebook/paid_social); utm_campaign: null (UTMs live on "
            "ads and creatives, and a campaign's ads may carry several).",
            "campaigns.budget_amount: Meta's lifetime budget (minor units); Google has no "
            "campaign budget table and LinkedIn a daily one only: null.",
            "campaigns.channel: paid_search for Google Ads, paid_social for LinkedIn and Meta.",
            "ad_spend: Google's cost_micros / 1,000,000 summed over networks and devices; "
            "LinkedIn's cost in the account's currency; Meta's spend. Each in the "
            "account's currency (account_history).",
        ),
        references=(
            "https://github.com/fivetran/dbt_google_ads_source",
            "https://github.com/fivetran/dbt_linkedin_source",
            "https://github.com/fivetran/dbt_facebook_ads_source",
            "https://fivetran.com/docs/connectors/applications/facebook-ads/prebuilt-reports",
        ),
    )
)
