"""What every part of the simulation shares: the calendar, the team, campaigns, FX rates."""

from __future__ import annotations

import csv
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from revops_cli.errors import ConfigError

SECONDS_PER_DAY = 86_400

#: Marketing channels: share of leads, campaign touch type, free-mail share, demo-request
#: propensity and daily spend (USD) at scale 1 (None: the channel is not paid).
CHANNELS: dict[str, dict[str, Any]] = {
    "paid_search": {
        "share": 0.22,
        "touch": "ad_click",
        "free_mail": 0.08,
        "demo": 0.30,
        "spend": 260.0,
        "utm": ("google", "cpc"),
    },
    "paid_social": {
        "share": 0.15,
        "touch": "ad_click",
        "free_mail": 0.25,
        "demo": 0.10,
        "spend": 180.0,
        "utm": ("linkedin", "paid_social"),
    },
    "organic_search": {
        "share": 0.17,
        "touch": "page_view",
        "free_mail": 0.10,
        "demo": 0.20,
        "spend": None,
        "utm": ("google", "organic"),
    },
    "content": {
        "share": 0.10,
        "touch": "form_fill",
        "free_mail": 0.20,
        "demo": 0.06,
        "spend": 60.0,
        "utm": ("newsletter", "email"),
    },
    "webinar": {
        "share": 0.08,
        "touch": "webinar",
        "free_mail": 0.08,
        "demo": 0.15,
        "spend": 40.0,
        "utm": ("webinar", "event"),
    },
    "events": {
        "share": 0.05,
        "touch": "form_fill",
        "free_mail": 0.04,
        "demo": 0.18,
        "spend": 120.0,
        "utm": ("conference", "event"),
    },
    "referral": {
        "share": 0.07,
        "touch": "page_view",
        "free_mail": 0.05,
        "demo": 0.40,
        "spend": None,
        "utm": ("customer", "referral"),
    },
    "partner": {
        "share": 0.06,
        "touch": "page_view",
        "free_mail": 0.05,
        "demo": 0.30,
        "spend": None,
        "utm": ("partner", "referral"),
    },
    "outbound": {
        "share": 0.10,
        "touch": None,
        "free_mail": 0.02,
        "demo": 0.02,
        "spend": None,
        "utm": None,
    },
}

#: Country: share of leads, UTC offset in whole hours (no DST: a simulation), currency.
COUNTRIES: dict[str, tuple[float, int, str]] = {
    "US": (0.42, -5, "USD"),
    "CA": (0.05, -5, "CAD"),
    "GB": (0.10, 0, "GBP"),
    "IE": (0.02, 0, "EUR"),
    "DE": (0.08, 1, "EUR"),
    "FR": (0.05, 1, "EUR"),
    "NL": (0.03, 1, "EUR"),
    "SE": (0.02, 1, "SEK"),
    "AU": (0.04, 10, "AUD"),
    "NZ": (0.01, 12, "AUD"),
    "IN": (0.08, 5, "USD"),
    "BR": (0.05, -3, "USD"),
    "ES": (0.03, 1, "EUR"),
    "SG": (0.02, 8, "USD"),
}

SENIORITIES: dict[str, tuple[float, tuple[str, ...]]] = {
    "individual": (0.42, ("Analyst", "Account Manager", "Marketing Specialist", "Engineer")),
    "manager": (0.25, ("Sales Manager", "Marketing Manager", "RevOps Manager")),
    "director": (0.16, ("Director of Sales", "Director of Marketing", "Director of Operations")),
    "vp": (0.09, ("VP Sales", "VP Marketing", "VP Revenue")),
    "c_level": (0.08, ("CEO", "CRO", "COO", "Founder")),
}

INDUSTRIES = (
    "software",
    "fintech",
    "healthcare",
    "manufacturing",
    "retail",
    "logistics",
    "education",
    "media",
    "professional_services",
)
FIRST_NAMES = (
    "anna",
    "ben",
    "carla",
    "david",
    "emma",
    "farid",
    "grace",
    "hugo",
    "ines",
    "jonas",
    "kofi",
    "lena",
    "marco",
    "nina",
    "omar",
    "paula",
    "quinn",
    "rosa",
    "sven",
    "tara",
    "ugo",
    "vera",
    "wei",
    "yara",
    "zoe",
)
LAST_NAMES = (
    "smith",
    "muller",
    "garcia",
    "rossi",
    "dubois",
    "tanaka",
    "kowalski",
    "nguyen",
    "okafor",
    "silva",
    "jensen",
    "novak",
    "haddad",
    "obrien",
    "larsen",
    "costa",
)
COMPANY_WORDS = (
    "north",
    "blue",
    "bright",
    "quant",
    "iron",
    "swift",
    "atlas",
    "pixel",
    "terra",
    "lumen",
    "orbit",
    "cedar",
    "vector",
    "harbor",
    "summit",
    "nova",
)
COMPANY_NOUNS = (
    "labs",
    "systems",
    "logistics",
    "health",
    "works",
    "analytics",
    "foods",
    "robotics",
    "capital",
    "studio",
    "cloud",
    "media",
)

#: Seat price per month in USD by plan; a deal's plan follows company size.
PLAN_PRICES_USD = {"starter": 29.0, "growth": 59.0, "enterprise": 99.0}
ADDON_SHARE = 0.2


#: Leaks a test (or a demo) can tell the simulation to make, each a share in [0, 1], all 0
#: by default. Each draws from a random stream of its own, so with a knob on the rest of
#: the business is the same as without it.
KNOBS = {
    "broken_invoicing": "share of won customers the billing system never invoices "
    "(their subscriptions run; no invoice is issued)",
    "missing_loss_reasons": "share of lost deals closed without a loss reason "
    "(on top of the usual few)",
    "broken_account_matching": "share of billing customers created with no CRM account id "
    "and a billing email at a domain no CRM record has (unmatchable)",
}


def parse_knobs(values: Sequence[str]) -> dict[str, float]:
    """``NAME=SHARE`` pairs (``--knob``) as a dict, every name known and share in [0, 1]."""
    knobs: dict[str, float] = {}
    for value in values:
        name, sep, raw = value.partition("=")
        name = name.strip()
        if not sep or name not in KNOBS:
            known = ", ".join(sorted(KNOBS))
            raise ConfigError(f"--knob {value!r}: expected NAME=SHARE with NAME one of {known}")
        try:
            share = float(raw)
        except ValueError:
            share = math.nan
        if not 0 <= share <= 1:
            raise ConfigError(f"--knob {value!r}: the share must be a number from 0 to 1")
        knobs[name] = share
    return knobs


@dataclass
class Context:
    """Shared, read-only inputs of one generation run."""

    seed: int
    scale: float
    start: np.datetime64  # first day, inclusive
    end: np.datetime64  # first day after the data, exclusive (the as-of instant)
    definitions: dict[str, Any]
    rates: dict[tuple[str, str], float]
    knobs: dict[str, float] = field(default_factory=dict)
    users: dict[str, np.ndarray] = field(default_factory=dict)
    #: campaign_id per (channel, quarter index); None for outbound.
    campaign_ids: dict[tuple[str, int], str] = field(default_factory=dict)
    #: the utm_campaign each campaign_id tags its links with.
    campaign_utm: dict[str, str] = field(default_factory=dict)

    def knob(self, name: str) -> float:
        """The share a knob was set to (0: off)."""
        return self.knobs.get(name, 0.0)

    def knob_rng(self, name: str, first: int) -> np.random.Generator:
        """The random stream of one knob for the chunk starting at lead ``first``."""
        salt = list(KNOBS).index(name) + 1  # in the order declared: new knobs go last
        return np.random.default_rng(np.random.SeedSequence([self.seed, first, 10**7 + salt]))

    @property
    def days(self) -> int:
        return int((self.end - self.start).astype("timedelta64[D]").astype(int))

    @property
    def quarters(self) -> int:
        return (self.days // 91) + 2

    def to_timestamps(self, days: np.ndarray) -> np.ndarray:
        """Fractional days since start to datetime64[s]; NaN and days past the end to NaT."""
        out = np.full(days.shape, np.datetime64("NaT"), dtype="datetime64[s]")
        ok = ~np.isnan(days) & (days < self.days)
        seconds = np.floor(days[ok] * SECONDS_PER_DAY).astype("int64")
        out[ok] = self.start.astype("datetime64[s]") + seconds.astype("timedelta64[s]")
        return out

    def to_dates(self, days: np.ndarray) -> np.ndarray:
        out = np.full(days.shape, np.datetime64("NaT"), dtype="datetime64[D]")
        ok = ~np.isnan(days)
        out[ok] = self.start.astype("datetime64[D]") + np.floor(days[ok]).astype("int64")
        return out

    def month_keys(self, days: np.ndarray) -> np.ndarray:
        """'YYYY-MM' of each fractional day (NaN -> first month)."""
        d = np.where(np.isnan(days), 0, days)
        months = (self.start.astype("datetime64[D]") + np.floor(d).astype("int64")).astype(
            "datetime64[M]"
        )
        return np.asarray(months.astype(str))

    def rate(self, currency: str, month_key: str) -> float:
        """USD per unit of ``currency`` in the month (the seed's dated rates)."""
        return self.rates[(currency, month_key)]

    def quarter_of(self, days: np.ndarray) -> np.ndarray:
        quarters = np.clip(np.floor(np.nan_to_num(days) / 91.0), 0, self.quarters - 1)
        return np.asarray(quarters.astype(int))


def load_rates(project_dir: Path) -> dict[tuple[str, str], float]:
    """Monthly FX rates from seeds/currency_rates.csv, the same file dbt seeds."""
    path = project_dir / "seeds" / "currency_rates.csv"
    rates: dict[tuple[str, str], float] = {}
    with path.open(newline="") as fh:
        for row in csv.DictReader(fh):
            rates[(row["currency_code"], row["rate_month"][:7])] = float(row["usd_per_unit"])
    return rates
