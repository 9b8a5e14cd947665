"""The schema of the shared definitions (vars.revops in dbt_project.yml)."""

from __future__ import annotations

from datetime import date, datetime
from itertools import pairwise
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

Seniority = Literal["individual", "manager", "director", "vp", "c_level"]
OpenStage = Literal["discovery", "demo", "proposal", "negotiation"]
OpportunityField = Literal[
    "account_id", "amount", "currency_code", "expected_close_date", "primary_contact_id", "owner_id"
]


class Strict(BaseModel):
    """Unknown keys are mistakes (a typo must not silently change nothing), and so is true
    or false where a number is wanted (pydantic would read them as 1 and 0)."""

    model_config = ConfigDict(extra="forbid", strict=False)

    @field_validator("*", mode="before")
    @classmethod
    def _no_booleans_as_numbers(cls, value: Any, info: ValidationInfo) -> Any:
        if isinstance(value, bool) and info.field_name is not None:
            annotation = cls.model_fields[info.field_name].annotation
            if annotation is not bool and bool not in get_args(annotation):
                raise PydanticCustomError(
                    "bool_number", "expected a number or text, got {value}", {"value": value}
                )
        return value


class Fit(Strict):
    min_company_size: int = Field(ge=1)
    countries: list[str] = Field(min_length=1)
    seniorities: list[Seniority] = Field(min_length=1)
    exclude_free_mail_domains: list[str] = []
    exclude_competitor_domains: list[str] = []

    @model_validator(mode="after")
    def _iso_countries(self) -> Fit:
        bad = [c for c in self.countries if len(c) != 2 or not c.isupper()]
        if bad:
            raise ValueError(f"countries must be ISO 3166 alpha-2 codes in capitals, got {bad}")
        return self


class QualifyingActions(Strict):
    forms: list[str] = []
    pages: list[str] = []
    min_score: int | None = Field(default=None, ge=0, le=100)

    @model_validator(mode="after")
    def _at_least_one(self) -> QualifyingActions:
        if not self.forms and not self.pages and self.min_score is None:
            raise ValueError(
                "an MQL needs at least one qualifying action (forms, pages or min_score)"
            )
        return self


class Mql(Strict):
    fit: Fit
    qualifying_actions: QualifyingActions


class Sal(Strict):
    accepted_status: str
    rejected_status: str
    rejection_reasons: list[str] = Field(min_length=1)


class Sql(Strict):
    qualified_status: str


class Opportunity(Strict):
    required_fields: list[OpportunityField] = Field(min_length=1)


class Closed(Strict):
    loss_reason_required: bool


class Lifecycle(Strict):
    mql: Mql
    sal: Sal
    sql: Sql
    opportunity: Opportunity
    closed: Closed


class Slas(Strict):
    lead_response_hours: float = Field(gt=0)
    conversion_window_days: int = Field(gt=0)
    stagnation_days: dict[OpenStage, int]

    @model_validator(mode="after")
    def _positive(self) -> Slas:
        bad = {k: v for k, v in self.stagnation_days.items() if v <= 0}
        if bad:
            raise ValueError(f"stagnation_days must be positive, got {bad}")
        return self


class Calendar(Strict):
    first_date: date
    last_date: date

    @model_validator(mode="after")
    def _ordered(self) -> Calendar:
        if self.first_date >= self.last_date:
            raise ValueError("first_date must be before last_date")
        return self


class Attribution(Strict):
    time_decay_half_life_days: float = Field(gt=0)


class Pii(Strict):
    expose_email: bool


Priority = Literal["urgent", "high", "normal", "low"]


class HealthWeights(Strict):
    usage_trend: float = Field(ge=0, le=1)
    support_load: float = Field(ge=0, le=1)
    csat: float = Field(ge=0, le=1)
    payment_issues: float = Field(ge=0, le=1)

    @model_validator(mode="after")
    def _sum_to_one(self) -> HealthWeights:
        total = self.usage_trend + self.support_load + self.csat + self.payment_issues
        if abs(total - 1) > 1e-9:
            raise ValueError(f"the weights must sum to 1, they sum to {total:g}")
        return self


class HealthColours(Strict):
    green_min_score: float = Field(ge=0, le=100)
    yellow_min_score: float = Field(ge=0, le=100)

    @model_validator(mode="after")
    def _ordered(self) -> HealthColours:
        if self.yellow_min_score > self.green_min_score:
            raise ValueError("yellow_min_score must not be above green_min_score")
        return self


class SupportSlaHours(Strict):
    first_response: dict[Priority, float]
    resolution: dict[Priority, float]

    @model_validator(mode="after")
    def _every_priority(self) -> SupportSlaHours:
        for name in ("first_response", "resolution"):
            hours = getattr(self, name)
            missing = sorted(set(get_args(Priority)) - set(hours))
            if missing:
                raise ValueError(f"{name} needs hours for every priority, missing {missing}")
            bad = {k: v for k, v in hours.items() if v <= 0}
            if bad:
                raise ValueError(f"{name} hours must be positive, got {bad}")
        return self


class Health(Strict):
    weights: HealthWeights
    colours: HealthColours
    window_weeks: int = Field(ge=1)
    max_tickets_per_window: float = Field(gt=0)
    csat_default_score: float = Field(ge=0, le=100)
    max_payment_issues: float = Field(gt=0)
    support_sla_hours: SupportSlaHours


class Collections(Strict):
    aging_bucket_upper_days: list[int] = Field(min_length=1)
    write_off_after_days: int = Field(gt=0)
    ar_over_30_days_max: float = Field(ge=0)

    @model_validator(mode="after")
    def _increasing(self) -> Collections:
        days = self.aging_bucket_upper_days
        if days[0] <= 0 or any(b <= a for a, b in pairwise(days)):
            raise ValueError(f"aging_bucket_upper_days must be positive and increasing, got {days}")
        return self


class Revenue(Strict):
    as_of: datetime | None = None
    contract_months: int = Field(ge=1)
    invoice_within_days: int = Field(ge=1)


class DataQuality(Strict):
    lead_source_completeness_min: float = Field(ge=0, le=1)
    min_crm_contacts: int = Field(ge=0)


class Forecast(Strict):
    """fct_forecast_snapshots: bookings forecast for each snapshot's fiscal quarter and the
    next (README "Forecast")."""

    snapshot_every_days: int = Field(ge=1, le=31)
    learn_days: int = Field(ge=190)  # longer than the farthest horizon (the next quarter)
    shrink_deals: float = Field(ge=0)
    interval: float = Field(gt=0, lt=1)
    min_errors: int = Field(ge=2)


class Definitions(Strict):
    """vars.revops: the contract between marketing, sales, customer success and finance."""

    reporting_currency: str = Field(pattern=r"^[A-Z]{3}$")
    fiscal_year_start_month: int = Field(ge=1, le=12)
    lifecycle: Lifecycle
    calendar: Calendar
    attribution: Attribution
    pii: Pii
    slas: Slas
    health: Health
    collections: Collections
    revenue: Revenue
    forecast: Forecast
    data_quality: DataQuality
