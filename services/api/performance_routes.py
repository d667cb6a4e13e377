"""Report routes about performance: predikat distribution per OPD and evaluation completeness."""

from datetime import date
from itertools import groupby
from typing import Annotated, Any

import anyio.to_thread
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from psycopg import AsyncCursor
from pydantic import BaseModel, Field

from domain.performance import PREDIKAT_NAMES
from projections import completeness as completeness_queries
from projections import performance
from projections.completeness import EvaluationInForce, PlannedEmployee
from services.api.auth import Anyone, EmployeeReader, responses
from services.api.common import (
    AsOf,
    FormatQuery,
    Limit,
    Offset,
    Period,
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
from services.api.completeness_report import EmployeeCompleteness, completeness
from services.api.csv_output import csv_response, wants_csv
from services.api.dependencies import Pool
from services.api.disclosure import Withheld, disclosed

router = APIRouter()


class PredikatShare(BaseModel):
    predikat: int = Field(description="1 Sangat Baik … 5 Sangat Kurang")
    name: str
    employees: int
    share: float


class UnitDistributionOut(BaseModel):
    unit_code: str
    unit_predikat: str | None = Field(description="The unit's own predikat of the year, if rated.")
    employees: int
    predikat: list[PredikatShare]
    guideline_max_sangat_baik: float | None = Field(description="From the policy, for the unit's predikat.")
    deviates_from_guideline: bool


class DistributionRow(BaseModel):
    """The distribution as a table: one line per unit and predikat."""

    unit_code: str
    unit_predikat: str | None
    predikat: int
    name: str
    employees: int
    share: float
    guideline_max_sangat_baik: float | None
    deviates_from_guideline: bool


def distribution_rows(units: list[UnitDistributionOut]) -> list[DistributionRow]:
    return [
        DistributionRow(
            unit_code=unit.unit_code, unit_predikat=unit.unit_predikat, predikat=p.predikat, name=p.name,
            employees=p.employees, share=p.share, guideline_max_sangat_baik=unit.guideline_max_sangat_baik,
            deviates_from_guideline=unit.deviates_from_guideline,
        )
        for unit in units
        for p in unit.predikat
    ]  # fmt: skip


class DistributionOut(Withheld):
    year: int
    units: list[UnitDistributionOut]
    position: int
    policy_version: str


@router.get("/reports/predikat-distribution", response_model=DistributionOut, responses=responses(401, 403, 422))
async def predikat_distribution(
    request: Request,
    pool: Pool,
    caller: Anyone,
    year: Year | None = None,
    opd: UnitFilter = None,
    period: Period = "annual",
    format_: FormatQuery = None,
) -> DistributionOut | Response:
    """Predikat of one period (annual by default) per OPD against the unit's own predikat and the guideline."""
    unit, year = scoped_unit(caller, opd), year or this_year()
    position, rows = await snapshot(
        pool, performance.NAME, lambda cur: performance.distribution(cur, year, unit, period)
    )
    units = []
    for unit_code, group in groupby(rows, key=lambda row: row.unit_code):
        counts = list(group)
        total = sum(c.employees for c in counts)
        unit_predikat = counts[0].unit_predikat
        cap = policy().guideline_max_sangat_baik.get(unit_predikat or "")
        sangat_baik = sum(c.employees for c in counts if c.predikat == 1) / total
        units.append(
            UnitDistributionOut(
                unit_code=unit_code,
                unit_predikat=unit_predikat,
                employees=total,
                predikat=[
                    PredikatShare(
                        predikat=c.predikat,
                        name=PREDIKAT_NAMES[c.predikat],
                        employees=c.employees,
                        share=c.employees / total,
                    )
                    for c in counts
                ],
                guideline_max_sangat_baik=cap,
                deviates_from_guideline=cap is not None and sangat_baik > cap,
            )
        )
    units, withheld = disclosed(caller, units, lambda unit: unit.employees, policy().public_minimum_cell)
    if wants_csv(request, format_):
        table = distribution_rows(units)
        return csv_response(table, DistributionRow, f"predikat-distribution-{year}.csv", stamp(position))
    return DistributionOut(
        year=year, units=units, position=position, policy_version=policy().version, **withheld.model_dump()
    )


class CompletenessOut(BaseModel):
    year: int
    as_of: date
    total: int = Field(description="Employees listed in all; `employees` is one page of them.")
    employees: list[EmployeeCompleteness]
    position: int
    policy_version: str


@router.get("/reports/evaluation-completeness", response_model=CompletenessOut, responses=responses(401, 403, 422))
async def evaluation_completeness(
    request: Request,
    pool: Pool,
    caller: EmployeeReader,
    year: Year | None = None,
    opd: UnitFilter = None,
    as_of: AsOf = None,
    only_gaps: Annotated[bool, Query(description="Only employees with something missing, late or odd")] = False,
    sort: Annotated[str | None, sort_query("nip", "name", "unit_code")] = None,
    limit: Limit = 100,
    offset: Offset = 0,
    format_: FormatQuery = None,
) -> CompletenessOut | Response:
    """Missing and late evaluations per employee with a plan, and appraisers who are not the superior."""
    unit, year = scoped_unit(caller, opd), year or this_year()
    clock = as_of or today()

    async def plans_and_evaluations(
        cur: AsyncCursor[Any],
    ) -> tuple[list[PlannedEmployee], list[EvaluationInForce]]:
        plans = await completeness_queries.planned(cur, year, unit)
        return plans, await completeness_queries.evaluated(cur, year, unit)

    position, (plans, evaluations) = await snapshot(pool, performance.NAME, plans_and_evaluations)
    rows = await anyio.to_thread.run_sync(completeness, year, plans, evaluations, clock, policy())
    if only_gaps:
        rows = [r for r in rows if r.missing or r.late or r.appraised_by_other_than_superior or r.self_appraised]
    listed = page(rows, sort, limit, offset)
    if wants_csv(request, format_):
        return csv_response(listed, EmployeeCompleteness, f"evaluation-completeness-{year}.csv", stamp(position))
    return CompletenessOut(
        year=year, as_of=clock, total=len(rows), employees=listed, position=position,
        policy_version=policy().version,
    )  # fmt: skip
