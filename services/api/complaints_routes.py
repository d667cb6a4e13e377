"""Report route about citizen complaints per OPD, measured against a clock."""

from datetime import date
from itertools import groupby

import anyio.to_thread
from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import Field

from projections import complaints
from services.api.auth import Anyone, responses
from services.api.common import (
    AsOf,
    FormatQuery,
    UnitFilter,
    Year,
    policy,
    scoped_unit,
    snapshot,
    stamp,
    this_year,
    today,
)
from services.api.complaints_report import UnitComplaints, unit_report
from services.api.csv_output import csv_response, wants_csv
from services.api.dependencies import Pool
from services.api.disclosure import Withheld, disclosed

router = APIRouter()


def units_of(rows: list[complaints.ComplaintRow], year: int, clock: date) -> list[UnitComplaints]:
    """Every unit's figures: counted in a worker thread, so a city's worth of complaints never holds the
    event loop (and with it /healthz, /metrics and every other request)."""
    return [
        unit_report(unit_code, list(group), year, clock, policy())
        for unit_code, group in groupby(rows, key=lambda row: row.target_unit_code)
    ]


class ComplaintsOut(Withheld):
    year: int
    as_of: date = Field(description="The clock the waits and breaches were measured against.")
    units: list[UnitComplaints]
    position: int
    policy_version: str


@router.get("/reports/complaints", response_model=ComplaintsOut, responses=responses(401, 403, 422))
async def complaints_per_opd(
    request: Request,
    pool: Pool,
    caller: Anyone,
    year: Year | None = None,
    opd: UnitFilter = None,
    as_of: AsOf = None,
    format_: FormatQuery = None,
) -> ComplaintsOut | Response:
    """Complaints per OPD: volume by class, working days per stage, SLA breaches, ageing backlog, discipline."""
    unit, year = scoped_unit(caller, opd), year or this_year()
    clock = as_of or today()
    position, rows = await snapshot(pool, complaints.NAME, lambda cur: complaints.of_year(cur, year, clock, unit))
    units = await anyio.to_thread.run_sync(units_of, rows, year, clock)
    units, withheld = disclosed(caller, units, lambda unit: unit.received, policy().public_minimum_cell)
    if wants_csv(request, format_):
        return csv_response(units, UnitComplaints, f"complaints-{year}.csv", stamp(position))
    return ComplaintsOut(
        year=year, as_of=clock, units=units, position=position, policy_version=policy().version,
        **withheld.model_dump(),
    )  # fmt: skip
