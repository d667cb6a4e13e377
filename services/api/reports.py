"""Report routes: the employee dossier and 20 JP compliance, each stamped with position and policy."""

from datetime import UTC, date, datetime, timedelta, timezone
from itertools import groupby
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, Request
from fastapi.responses import Response
from psycopg import IsolationLevel
from pydantic import BaseModel, Field

from contracts.identifiers import check_employee_number
from domain.performance import PREDIKAT_NAMES
from domain.policy import Policy, bundled_policy
from projections import complaints, compliance, dossier, performance
from projections.tracking import position_of
from services.api.auth import Anyone, Caller, EmployeeReader, check_employee_access, responses
from services.api.complaints_report import UnitComplaints, unit_report
from services.api.csv_output import Format, csv_response, wants_csv
from services.api.dependencies import Pool
from services.api.dossier import DossierOut, dossier_out
from services.tokens import Role

router = APIRouter()
POLICY = bundled_policy()

NipPath = Annotated[str, Path(description="NIP or NI PPPK, 18 digits", examples=["198503122010011002"])]
Year = Annotated[int, Query(ge=2000, le=2100, description="Calendar year; default: the current one")]
UnitCode = Annotated[str, Path(min_length=1, max_length=128, description="Unit (OPD) code")]
FormatQuery = Annotated[Format | None, Query(alias="format", description="json (default) or csv")]


def policy() -> Policy:
    return POLICY


def valid_number(nip: str) -> str:
    try:
        return check_employee_number(nip)
    except ValueError as error:
        raise HTTPException(status_code=422, detail=str(error)) from None


@router.get("/employees/{nip}/dossier", response_model=DossierOut, responses=responses(401, 403, 404, 422))
async def employee_dossier(nip: NipPath, pool: Pool, caller: EmployeeReader) -> DossierOut:
    """Everything recorded about one civil servant, JP per year against the target (auditor, bkpsdm, own opd)."""
    valid_number(nip)
    async with pool.connection() as conn:
        await conn.set_isolation_level(IsolationLevel.REPEATABLE_READ)
        async with conn.transaction(), conn.cursor() as cur:
            await check_employee_access(cur, caller, nip)
            found = await dossier.dossier_of(cur, nip)
    if found is None:
        raise HTTPException(status_code=404, detail=f"no dossier for {nip} yet")
    return dossier_out(found, policy())


class UnitComplianceOut(BaseModel):
    unit_code: str
    unit_name: str | None
    employees: int
    meeting_target: int
    share_meeting_target: float = Field(description="meeting_target / employees, 0 to 1")
    median_jp: float
    without_jp: int


class ComplianceOut(BaseModel):
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
    staff: list[StaffJpOut]
    position: int
    policy_version: str


def stamp(position: int) -> dict[str, str]:
    return {"Jejak-Position": str(position), "Jejak-Policy-Version": policy().version}


def scoped_unit(caller: Caller, unit: str | None) -> str | None:
    """An opd token sees its own unit only; asking for another is a 403."""
    if caller.role is not Role.OPD:
        return unit
    if unit is not None and unit != caller.opd:
        raise HTTPException(status_code=403, detail=f"this token reads unit {caller.opd} only")
    return caller.opd


@router.get("/reports/jp-compliance", response_model=ComplianceOut, responses=responses(401, 403, 422))
async def jp_compliance(
    request: Request,
    pool: Pool,
    caller: Anyone,
    year: Year | None = None,
    opd: Annotated[str | None, Query(min_length=1, max_length=128, description="Only this unit")] = None,
    format_: FormatQuery = None,
) -> ComplianceOut | Response:
    """20 JP compliance per OPD: employees, share meeting the target, median JP, how many have none."""
    unit, year = scoped_unit(caller, opd), year or this_year()
    async with pool.connection() as conn:
        await conn.set_isolation_level(IsolationLevel.REPEATABLE_READ)
        async with conn.transaction(), conn.cursor() as cur:
            position = await position_of(cur, dossier.NAME)
            rows = await compliance.per_unit(cur, year, policy().jp_target, unit)
    units = [UnitComplianceOut(**vars(row), share_meeting_target=row.share_meeting_target) for row in rows]
    if wants_csv(request, format_):
        return csv_response(units, UnitComplianceOut, f"jp-compliance-{year}.csv", stamp(position))
    return ComplianceOut(year=year, units=units, position=position, policy_version=policy().version)


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
) -> StaffComplianceOut | Response:
    """One unit's staff with their JP of the year, fewest first: who has none is at the top."""
    scoped_unit(caller, unit_code)
    year = year or this_year()
    async with pool.connection() as conn:
        await conn.set_isolation_level(IsolationLevel.REPEATABLE_READ)
        async with conn.transaction(), conn.cursor() as cur:
            position = await position_of(cur, dossier.NAME)
            rows = await compliance.staff_of(cur, year, policy().jp_target, unit_code)
    staff = [StaffJpOut(**{**vars(row), "jp": float(row.jp), "target": float(row.target)}) for row in rows]
    if wants_csv(request, format_):
        return csv_response(staff, StaffJpOut, f"jp-{unit_code}-{year}.csv", stamp(position))
    return StaffComplianceOut(
        year=year, unit_code=unit_code, staff=staff, position=position, policy_version=policy().version
    )


def this_year() -> int:
    """The default report year: the current one in Indonesia's western time (UTC+7)."""
    return today().year


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


class DistributionOut(BaseModel):
    year: int
    units: list[UnitDistributionOut]
    position: int
    policy_version: str


@router.get("/reports/predikat-distribution", response_model=DistributionOut, responses=responses(401, 403, 422))
async def predikat_distribution(
    pool: Pool,
    caller: Anyone,
    year: Year | None = None,
    opd: Annotated[str | None, Query(min_length=1, max_length=128, description="Only this unit")] = None,
) -> DistributionOut:
    """Annual predikat per OPD against the unit's own predikat and the policy's guideline."""
    unit, year = scoped_unit(caller, opd), year or this_year()
    async with pool.connection() as conn:
        await conn.set_isolation_level(IsolationLevel.REPEATABLE_READ)
        async with conn.transaction(), conn.cursor() as cur:
            position = await position_of(cur, performance.NAME)
            rows = await performance.distribution(cur, year, unit)
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
    return DistributionOut(year=year, units=units, position=position, policy_version=policy().version)


class ComplaintsOut(BaseModel):
    year: int
    as_of: date = Field(description="The clock the waits and breaches were measured against.")
    units: list[UnitComplaints]
    position: int
    policy_version: str


@router.get("/reports/complaints", response_model=ComplaintsOut, responses=responses(401, 403, 422))
async def complaints_per_opd(
    pool: Pool,
    caller: Anyone,
    year: Year | None = None,
    opd: Annotated[str | None, Query(min_length=1, max_length=128, description="Only this unit")] = None,
    as_of: Annotated[date | None, Query(description="Measure waits up to this day; default: today")] = None,
) -> ComplaintsOut:
    """Complaints per OPD: volume by class, working days per stage, SLA breaches, ageing backlog, discipline."""
    unit, year = scoped_unit(caller, opd), year or this_year()
    clock = as_of or today()
    async with pool.connection() as conn:
        await conn.set_isolation_level(IsolationLevel.REPEATABLE_READ)
        async with conn.transaction(), conn.cursor() as cur:
            position = await position_of(cur, complaints.NAME)
            rows = await complaints.of_year(cur, year, clock, unit)
    units = [
        unit_report(unit_code, list(group), year, clock, policy())
        for unit_code, group in groupby(rows, key=lambda row: row.target_unit_code)
    ]
    return ComplaintsOut(year=year, as_of=clock, units=units, position=position, policy_version=policy().version)


def today() -> date:
    """Today in Indonesia's western time (UTC+7), the day the city's offices count."""
    return datetime.now(UTC).astimezone(timezone(timedelta(hours=7))).date()
