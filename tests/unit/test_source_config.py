"""revops_sources: each system's adapter and location, checked where it is written."""

from __future__ import annotations

import pytest

from revops_cli.contract.sources import resolve_sources, systems_off
from revops_cli.errors import ConfigError


def test_defaults_read_revops_own_contract_from_raw_schemas() -> None:
    sources = resolve_sources({})
    assert {s: (c.adapter_name, c.schema) for s, c in sources.items()} == {
        "crm": ("revops", "raw_crm"),
        "marketing": ("revops", "raw_marketing"),
        "billing": ("revops", "raw_billing"),
        "support": ("revops", "raw_support"),
        "product": ("revops", "raw_product"),
    }


def test_a_name_or_a_mapping_and_a_schema_of_ones_own() -> None:
    sources = resolve_sources(
        {"revops_sources": {"support": "none", "crm": {"schema": "crm_export"}}}
    )
    assert sources["crm"].schema == "crm_export" and sources["crm"].adapter_name == "revops"
    assert not sources["support"].is_on
    assert systems_off({"revops_sources": {"support": "none"}}) == ["support"]


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"suport": "none"}, "revops_sources.suport: not a system"),
        ({"billing": "strype"}, "revops_sources.billing.adapter: 'strype' is not an adapter"),
        ({"crm": "none"}, "'none' is not an adapter for crm"),
        ({"billing": {"adapter": "revops", "shema": "x"}}, "billing.shema: unknown key"),
        ({"billing": {"schema": ""}}, "revops_sources.billing.schema: expected a name"),
        ({"billing": "none"}, "product usage is keyed by billing customer"),
        ({"billing": ["revops"]}, "expected an adapter name or a mapping"),
    ],
)
def test_mistakes_name_their_key(given: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace(".", r"\.").replace("(", r"\(")):
        resolve_sources({"revops_sources": given})


def test_an_adapter_of_several_connectors_takes_a_schema_per_connector() -> None:
    all_on = resolve_sources({"revops_sources": {"marketing": "fivetran_ads"}})["marketing"]
    assert [schema for schema, _ in all_on.locations()] == [
        "google_ads",
        "linkedin_ads",
        "facebook_ads",
    ]
    some = resolve_sources(
        {
            "revops_sources": {
                "marketing": {"adapter": "fivetran_ads", "schema": {"google_ads": "gads"}}
            }
        }
    )["marketing"]
    assert [schema for schema, _ in some.locations()] == ["gads"]


@pytest.mark.parametrize(
    ("schema", "message"),
    [
        ("ads", "combines several connectors: a mapping"),
        ({"bing_ads": "x"}, "schema.bing_ads: not a part of fivetran_ads"),
        ({"google_ads": None}, "name at least one of"),
        ({"google_ads": 3}, "schema.google_ads: expected a schema name"),
    ],
)
def test_a_schema_per_connector_is_checked(schema: object, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        resolve_sources(
            {"revops_sources": {"marketing": {"adapter": "fivetran_ads", "schema": schema}}}
        )
