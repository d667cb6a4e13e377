"""Complaints per OPD: volume by class, working days per stage, SLA breaches, ageing backlog, discipline.

Stage times are counted in working days with the policy's holiday calendar; a complaint still
waiting at the report's ``as_of`` date counts its wait up to then, so a breach shows as soon as
the limit passes, with no event needed. Dates after ``as_of`` are treated as not yet happened.
"""

from collections import Counter
from datetime import date
from statistics import median

from pydantic import BaseModel, Field

from domain.policy import Policy
from projections.complaints import ComplaintRow

AGE_BUCKETS = ((5, "0-5"), (10, "6-10"), (20, "11-20"))
OPEN_AFTER = {"closed", "ended"}


class StageTimes(BaseModel):
    """Median working days of each stage, over the complaints that went through it."""

    verification: float | None
    follow_up: float | None
    closure: float | None


class Breaches(BaseModel):
    verification: int = Field(description="Verified later than the limit, or still unverified past it.")
    follow_up: int
    closure: int


class UnitComplaints(BaseModel):
    unit_code: str
    received: int = Field(description="Received in the year (up to as_of).")
    by_classification: dict[str, int]
    median_working_days: StageTimes
    sla_breaches: Breaches
    open_backlog_by_age: dict[str, int] = Field(description="Open at as_of, by working days since receipt.")
    open_by_stage: dict[str, int] = Field(
        description="Open at as_of, by the step each waits for: verification, disposition, follow_up, closure."
    )
    naming_an_employee_with_case: int
    leading_to_penalty: int


def _known(day: date | None, as_of: date) -> date | None:
    return day if day is not None and day <= as_of else None


OPEN_STAGES = ("verification", "disposition", "follow_up", "closure")


def _waits_for(verified: date | None, disposed: date | None, followed: date | None) -> str:
    """The step an open complaint waits for, from the steps known by the report's date."""
    if verified is None:
        return "verification"
    if disposed is None:
        return "disposition"
    return "follow_up" if followed is None else "closure"


def unit_report(unit: str, rows: list[ComplaintRow], year: int, as_of: date, policy: Policy) -> UnitComplaints:
    def days(start: date | None, end: date | None) -> int | None:
        return None if start is None or end is None else policy.working_days_between(start, end)

    this_year = [row for row in rows if row.received_on.year == year]
    verification, follow_up, closure = [], [], []
    breaches = Counter[str]()
    backlog = Counter[str]()
    waiting = Counter[str]()
    for row in rows:
        # A postponed verification is not one: the complaint still waits for verification, and its clock runs.
        verified = _known(row.verified_on, as_of) if row.verification_outcome != "postponed" else None
        disposed = _known(row.disposed_on, as_of)
        followed, closed = _known(row.first_follow_up_on, as_of), _known(row.closed_on, as_of)
        finished = closed is not None or (
            verified is not None and row.verification_outcome in {"archived", "not-our-authority"}
        )
        if (waited := days(row.received_on, verified)) is not None:
            verification.append(waited)
        if (waited := days(disposed, followed)) is not None:
            follow_up.append(waited)
        if (waited := days(row.received_on, closed)) is not None:
            closure.append(waited)
        if (days(row.received_on, verified or (None if finished else as_of)) or 0) > policy.complaint_verification_days:
            breaches["verification"] += 1
        if (
            disposed
            and (days(disposed, followed or (None if finished else as_of)) or 0) > policy.complaint_follow_up_days
        ):
            breaches["follow_up"] += 1
        limit = policy.complaint_closure_days.get(row.category)
        if limit is not None and (days(row.received_on, closed or (None if finished else as_of)) or 0) > limit:
            breaches["closure"] += 1
        if not finished:
            age = policy.working_days_between(row.received_on, as_of)
            backlog[next((label for bound, label in AGE_BUCKETS if age <= bound), ">20")] += 1
            waiting[_waits_for(verified, disposed, followed)] += 1
    return UnitComplaints(
        unit_code=unit,
        received=len(this_year),
        by_classification=dict(sorted(Counter(row.classification for row in this_year).items())),
        median_working_days=StageTimes(
            verification=median(verification) if verification else None,
            follow_up=median(follow_up) if follow_up else None,
            closure=median(closure) if closure else None,
        ),
        sla_breaches=Breaches(**{k: breaches[k] for k in ("verification", "follow_up", "closure")}),
        open_backlog_by_age={label: backlog[label] for _, label in (*AGE_BUCKETS, (0, ">20"))},
        open_by_stage={stage: waiting[stage] for stage in OPEN_STAGES},
        naming_an_employee_with_case=sum(1 for row in rows if row.cases),
        leading_to_penalty=sum(1 for row in rows if row.penalties),
    )
