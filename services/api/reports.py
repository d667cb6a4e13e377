"""Report routes about competency: the employee dossier and 20 JP compliance (JSON or CSV)."""

from typing import Annotated

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response
from psycopg import IsolationLevel
from pydantic import BaseModel, Field

from projections import compliance, dossier
from services.api.answer_cache import answer
from services.api.auth import Anyone, EmployeeReader, check_employee_access, responses
from services.api.common import (
    FormatQuery,
    Limit,
    NipPath,
    Offset,
    UnitCode,
    UnitFilter,
    Year,
    page,
    policy,
    scoped_unit,
    snapshot,
    sort_query,
    stamp,
    this_year,
    valid_number,
)
from services.api.csv_output import csv_response, wants_csv
from services.api.dependencies import Pool
from services.api.disclosure import Withheld, disclosed
from services.api.dossier import DossierOut, dossier_out

router = APIRouter()


@router.get("/employees/{nip}/dossier", response_model=DossierOut, responses=responses(401, 403, 404, 422))
async def employee_dossier(request: Request, nip: NipPath, pool: Pool, caller: EmployeeReader) -> Response:
    """Everything recorded about one civil servant, JP per year against the target (auditor, bkpsdm, own opd)."""
    valid_number(nip)

    async def build() -> DossierOut:
        async with pool.connection() as conn:
            await conn.set_isolation_level(IsolationLevel.REPEATABLE_READ)
            async with conn.transaction(), conn.cursor() as cur:
                await check_employee_access(cur, caller, nip)
                found = await dossier.dossier_of(cur, nip)
        if found is None:
            raise HTTPException(status_code=404, detail=f"no dossier for {nip} yet")
        return dossier_out(found, policy())

    return await answer(request, caller, build)


class UnitComplianceOut(BaseModel):
    unit_code: str
    unit_name: str | None
    employees: int
    meeting_target: int
    share_meeting_target: float = Field(description="meeting_target / employees, 0 to 1")
    median_jp: float
    without_jp: int


class ComplianceOut(Withheld):
    year: int
    units: list[UnitComplianceOut]
    position: int = Field(description="Store position the figures were built from.")
    policy_version: str = Field(description="Policy whose JP targets were applied.")


class StaffJpOut(BaseModel):
    nip: str
    name: str
    asn_kind: str
    jp: float
    target: float
    meets_target: bool


class StaffComplianceOut(BaseModel):
    year: int
    unit_code: str
    total: int = Field(description="Staff in the unit; `staff` is one page of them.")
    staff: list[StaffJpOut]
    position: int
    policy_version: str


@router.get("/reports/jp-compliance", response_model=ComplianceOut, responses=responses(401, 403, 422))
async def jp_compliance(
    request: Request,
    pool: Pool,
    caller: Anyone,
    year: Year | None = None,
    opd: UnitFilter = None,
    format_: FormatQuery = None,
) -> Response:
    """20 JP compliance per OPD: employees, share meeting the target, median JP, how many have none."""
    unit, year = scoped_unit(caller, opd), year or this_year()
    targets = policy().jp_target

    async def build() -> ComplianceOut | Response:
        position, rows = await snapshot(pool, dossier.NAME, lambda cur: compliance.per_unit(cur, year, targets, unit))
        units = [UnitComplianceOut(**vars(row), share_meeting_target=row.share_meeting_target) for row in rows]
        units, withheld = disclosed(caller, units, lambda unit: unit.employees, policy().public_minimum_cell)
        if wants_csv(request, format_):
            return csv_response(units, UnitComplianceOut, f"jp-compliance-{year}.csv", stamp(position))
        return ComplianceOut(
            year=year, units=units, position=position, policy_version=policy().version, **withheld.model_dump()
        )

    return await answer(request, caller, build)


@router.get(
    "/reports/jp-compliance/{unit_code}/staff",
    response_model=StaffComplianceOut,
    responses=responses(401, 403, 422),
)
async def jp_compliance_staff(
    request: Request,
    unit_code: UnitCode,
    pool: Pool,
    caller: EmployeeReader,
    year: Year | None = None,
    format_: FormatQuery = None,
    sort: Annotated[str | None, sort_query("jp", "nip", "name")] = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Response:
    """One unit's staff with their JP of the year, fewest first: who has none is at the top."""
    scoped_unit(caller, unit_code)
    year = year or this_year()
    targets = policy().jp_target

    async def build() -> StaffComplianceOut | Response:
        position, rows = await snapshot(
            pool, dossier.NAME, lambda cur: compliance.staff_of(cur, year, targets, unit_code)
        )
        everyone = [StaffJpOut(**{**vars(row), "jp": float(row.jp), "target": float(row.target)}) for row in rows]
        staff = page(everyone, sort, limit, offset)
        if wants_csv(request, format_):
            return csv_response(staff, StaffJpOut, f"jp-{unit_code}-{year}.csv", stamp(position))
        return StaffComplianceOut(
            year=year, unit_code=unit_code, total=len(everyone), staff=staff, position=position,
            policy_version=policy().version,
        )  # fmt: skip

    return await answer(request, caller, build)
