"""Report routes: reward eligibility and promotion readiness, weak performers' follow-up, discipline register."""

from datetime import date
from itertools import groupby
from typing import Annotated, Any

import anyio.to_thread
from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from domain.policy import Policy
from projections import standing
from services.api.auth import Anyone, EmployeeReader, responses
from services.api.common import (
    AsOf,
    FormatQuery,
    Limit,
    Offset,
    UnitFilter,
    Year,
    page,
    policy,
    scoped_unit,
    snapshot,
    sort_query,
    stamp,
    this_year,
    today,
)
from services.api.csv_output import csv_response, wants_csv
from services.api.dependencies import Pool
from services.api.disclosure import Withheld, disclosed
from services.api.standing_report import (
    CaseOut,
    Eligibility,
    WeakFollowUp,
    case_out,
    eligibility,
    weak_follow_up,
)

router = APIRouter()


def eligibilities(rows: list[Any], year: int, clock: date, rules: Policy) -> list[Eligibility]:
    """Every employee's standing: a province's worth is counted in a worker thread, off the event loop."""
    return [eligibility(row, year, clock, rules) for row in rows]


def weak_follow_ups(rows: list[Any], clock: date, rules: Policy) -> list[WeakFollowUp]:
    return [weak_follow_up(row, clock, rules) for row in rows]


def cases_out(rows: list[Any], clock: date) -> list[CaseOut]:
    return [case_out(row, clock) for row in rows]


class Stamped(BaseModel):
    year: int
    as_of: date
    total: int = Field(description="Rows in all; the list is one page of them.")
    position: int = Field(description="Store position the answer was built from.")
    policy_version: str


class EligibilityOut(Stamped):
    employees: list[Eligibility]


class WeakPerformersOut(Stamped):
    evaluations: list[WeakFollowUp]


class DisciplineOut(Stamped):
    cases: list[CaseOut]


class UnitRewardsOut(BaseModel):
    unit_code: str | None = Field(description="Where the employees work now; null: never placed in a unit.")
    granted: int
    by_reward: dict[str, int] = Field(description="Reward code (reference list penghargaan) -> how many.")


class RewardsGrantedOut(Withheld):
    year: int
    units: list[UnitRewardsOut]
    position: int
    policy_version: str


class RewardRow(BaseModel):
    """One line of the CSV: a unit, a reward code and how many were granted."""

    unit_code: str | None
    reward_code: str
    granted: int


@router.get("/reports/rewards-granted", response_model=RewardsGrantedOut, responses=responses(401, 403, 422))
async def rewards_granted(
    request: Request,
    pool: Pool,
    caller: Anyone,
    year: Year | None = None,
    opd: UnitFilter = None,
    format_: FormatQuery = None,
) -> RewardsGrantedOut | Response:
    """Rewards granted in the year (by decree date) per OPD and reward code: counts only, never names."""
    unit, year = scoped_unit(caller, opd), year or this_year()
    position, rows = await snapshot(pool, standing.NAME, lambda cur: standing.rewards_granted(cur, year, unit))
    units = [
        UnitRewardsOut(
            unit_code=unit_code,
            granted=sum(r.granted for r in group),
            by_reward={r.reward_code: r.granted for r in group},
        )
        for unit_code, group in ((code, list(g)) for code, g in groupby(rows, key=lambda row: row.unit_code))
    ]
    units, withheld = disclosed(caller, units, lambda unit: unit.granted, policy().public_minimum_cell)
    if wants_csv(request, format_):
        table = [
            RewardRow(unit_code=u.unit_code, reward_code=c, granted=n) for u in units for c, n in u.by_reward.items()
        ]
        return csv_response(table, RewardRow, f"rewards-granted-{year}.csv", stamp(position))
    return RewardsGrantedOut(
        year=year, units=units, position=position, policy_version=policy().version, **withheld.model_dump()
    )


@router.get("/reports/reward-eligibility", response_model=EligibilityOut, responses=responses(401, 403, 422))
async def reward_eligibility(
    request: Request,
    pool: Pool,
    caller: EmployeeReader,
    year: Year | None = None,
    opd: UnitFilter = None,
    as_of: AsOf = None,
    sort: Annotated[str | None, sort_query("nip", "name", "unit_code")] = None,
    limit: Limit = 100,
    offset: Offset = 0,
    format_: FormatQuery = None,
) -> EligibilityOut | Response:
    """Karya Satya due next cycle, performance-award candidates and promotion readiness, per employee."""
    unit, year, clock = scoped_unit(caller, opd), year or this_year(), as_of or today()
    position, rows = await snapshot(pool, standing.NAME, lambda cur: standing.standings(cur, year, unit))
    employees = await anyio.to_thread.run_sync(eligibilities, rows, year, clock, policy())
    listed = page(employees, sort, limit, offset)
    if wants_csv(request, format_):
        return csv_response(listed, Eligibility, f"reward-eligibility-{year}.csv", stamp(position))
    return EligibilityOut(
        year=year,
        as_of=clock,
        position=position,
        policy_version=policy().version,
        total=len(employees),
        employees=listed,
    )


@router.get("/reports/weak-performers", response_model=WeakPerformersOut, responses=responses(401, 403, 422))
async def weak_performers(
    request: Request,
    pool: Pool,
    caller: EmployeeReader,
    year: Year | None = None,
    opd: UnitFilter = None,
    as_of: AsOf = None,
    sort: Annotated[str | None, sort_query("nip", "name", "follow_up_due_by")] = None,
    limit: Limit = 100,
    offset: Offset = 0,
    format_: FormatQuery = None,
) -> WeakPerformersOut | Response:
    """Each Butuh Perbaikan or worse evaluation of the year, and whether development followed in time."""
    unit, year, clock = scoped_unit(caller, opd), year or this_year(), as_of or today()
    position, rows = await snapshot(pool, standing.NAME, lambda cur: standing.weak_evaluations(cur, year, unit))
    evaluations = await anyio.to_thread.run_sync(weak_follow_ups, rows, clock, policy())
    listed = page(evaluations, sort, limit, offset)
    if wants_csv(request, format_):
        return csv_response(listed, WeakFollowUp, f"weak-performers-{year}.csv", stamp(position))
    return WeakPerformersOut(
        year=year,
        as_of=clock,
        position=position,
        policy_version=policy().version,
        total=len(evaluations),
        evaluations=listed,
    )


@router.get("/reports/discipline", response_model=DisciplineOut, responses=responses(401, 403, 422))
async def discipline_register(
    request: Request,
    pool: Pool,
    caller: EmployeeReader,
    year: Year | None = None,
    opd: UnitFilter = None,
    as_of: AsOf = None,
    sort: Annotated[str | None, sort_query("opened_on", "nip", "name")] = None,
    limit: Limit = 100,
    offset: Offset = 0,
    format_: FormatQuery = None,
) -> DisciplineOut | Response:
    """Disciplinary cases opened in the year, with their penalty, level and whether it is in force."""
    unit, year, clock = scoped_unit(caller, opd), year or this_year(), as_of or today()
    position, rows = await snapshot(pool, standing.NAME, lambda cur: standing.cases(cur, year, unit))
    cases = page(await anyio.to_thread.run_sync(cases_out, rows, clock), sort, limit, offset)
    if wants_csv(request, format_):
        return csv_response(cases, CaseOut, f"discipline-{year}.csv", stamp(position))
    return DisciplineOut(
        year=year, as_of=clock, position=position, policy_version=policy().version, total=len(rows), cases=cases,
    )  # fmt: skip
