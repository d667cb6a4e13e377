"""Reward eligibility, promotion readiness, follow-up of weak performers and the discipline register.

Decided here from the standing read model, the policy's thresholds and a clock (``as_of``):
- Karya Satya due next cycle: a class not yet granted whose years of service are reached in
  the year after the report's, with no medium or heavy penalty ever (annulled ones aside);
- performance-award candidate: the year's annual predikat at or above the policy's minimum and
  no penalty in force on ``as_of``;
- promotion readiness: that predikat two years running and no medium or heavy penalty in force;
- weak performers: each evaluation at Butuh Perbaikan or worse, and whether development followed
  within the policy's months.
"""

from datetime import date
from typing import Any

from pydantic import BaseModel, Field

from domain.employment import full_years_between
from domain.policy import Policy
from projections.standing import CaseRow, Standing, WeakEvaluation

MEDIUM_OR_HEAVY = {"S", "B"}
"""Penalty levels that hold up promotion (PP 94/2021). Which bar Karya Satya is the policy's to say."""


class Eligibility(BaseModel):
    nip: str
    name: str
    unit_code: str | None
    karya_satya_due: list[str] = Field(description="Reward codes (201/202/203) due in the next cycle.")
    karya_satya_barred: bool = Field(description="A medium or heavy penalty bars Karya Satya.")
    performance_award_candidate: bool
    promotion_ready: bool
    last_predikat: int | None = Field(
        default=None, description="The annual predikat in force for the year, else for the year before (1 best)."
    )
    last_predikat_year: int | None = None


def _day(value: Any) -> date | None:
    return None if value is None else date.fromisoformat(str(value))


def _in_force(penalty: dict[str, Any], on: date) -> bool:
    starts, ends, annulled = _day(penalty["starts_on"]), _day(penalty["ends_on"]), _day(penalty["annulled_on"])
    if annulled is not None and annulled <= on:
        return False
    return starts is not None and starts <= on and (ends is None or on <= ends)


def eligibility(standing: Standing, year: int, as_of: date, policy: Policy) -> Eligibility:
    disqualifying = policy.karya_satya_disqualifying_levels
    barred = any(p["level"] in disqualifying and p["annulled_on"] is None for p in standing.penalties)
    next_cycle = date(year + 1, 12, 31)
    due = [
        code
        for code, years in sorted(policy.karya_satya_years.items(), key=lambda item: item[1])
        if code not in standing.granted
        and full_years_between(standing.start_date, next_cycle)
        >= years
        > full_years_between(standing.start_date, date(year, 12, 31))
    ]
    good = policy.performance_reward_min_predikat
    this_year, last_year = standing.annual.get(year), standing.annual.get(year - 1)
    any_in_force = any(_in_force(p, as_of) for p in standing.penalties)
    heavy_in_force = any(_in_force(p, as_of) and p["level"] in MEDIUM_OR_HEAVY for p in standing.penalties)
    return Eligibility(
        nip=standing.nip,
        name=standing.name,
        unit_code=standing.unit_code,
        karya_satya_due=[] if barred else due,
        karya_satya_barred=barred,
        performance_award_candidate=this_year is not None and this_year <= good and not any_in_force,
        promotion_ready=(
            this_year is not None and last_year is not None and max(this_year, last_year) <= good and not heavy_in_force
        ),
        last_predikat=this_year if this_year is not None else last_year,
        last_predikat_year=year if this_year is not None else year - 1 if last_year is not None else None,
    )


class WeakFollowUp(BaseModel):
    nip: str
    name: str
    unit_code: str | None
    evaluation_id: str
    period: str
    predikat: int
    follow_up_due_by: date
    developed_on: date | None = Field(description="The first development activity ending after the period.")
    overdue: bool = Field(description="No development by the due date, and that date has passed.")


def _months_after(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)  # unreachable: day 28 exists in every month


def weak_follow_up(row: WeakEvaluation, as_of: date, policy: Policy) -> WeakFollowUp:
    due = _months_after(row.period_end, policy.weak_follow_up_months)
    developed = row.first_training_after if row.first_training_after and row.first_training_after <= due else None
    return WeakFollowUp(
        nip=row.nip,
        name=row.name,
        unit_code=row.unit_code,
        evaluation_id=row.evaluation_id,
        period=row.period,
        predikat=row.predikat,
        follow_up_due_by=due,
        developed_on=developed,
        overdue=developed is None and due < as_of,
    )


class CaseOut(BaseModel):
    nip: str
    name: str
    unit_code: str | None
    case_id: str
    opened_on: date
    allegation: str
    complaint_id: str | None
    penalty_code: str | None
    level: str | None = Field(description="R light, S medium, B heavy (PP 94/2021)")
    starts_on: date | None
    ends_on: date | None
    annulled_on: date | None
    in_force: bool = Field(description="The penalty applies on as_of.")


def case_out(row: CaseRow, as_of: date) -> CaseOut:
    penalty = {"starts_on": row.starts_on, "ends_on": row.ends_on, "annulled_on": row.annulled_on}
    return CaseOut(**vars(row), in_force=row.level is not None and _in_force(penalty, as_of))
