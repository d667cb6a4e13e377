"""GET /employees/{nip}/dossier: one civil servant's whole record, with JP per year against the target."""

from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field

from contracts.outbound import JsonNumber
from domain.policy import Policy
from projections.dossier import Dossier


class Placement(BaseModel):
    unit_code: str | None
    unit_name: str | None
    position: str | None
    position_kind: str | None
    superior_nip: str | None
    since: date | None


class JpYear(BaseModel):
    """JP recognised in one year (by the year each activity ended), split as BKPSDM reports it."""

    year: int
    recognised_jp: JsonNumber
    classroom_jp: JsonNumber
    non_classroom_jp: JsonNumber
    by_competency_type: dict[str, JsonNumber]
    target_jp: JsonNumber
    meets_target: bool


class TimelineEntry(BaseModel):
    position: int = Field(description="Store position of the event that recorded it.")
    kind: str
    happened_on: date
    occurred_at: datetime | None
    recorded_at: datetime
    source: str | None
    event_id: str | None
    details: dict[str, Any]


class ComplaintNaming(BaseModel):
    """A complaint that names this employee; the complainant is never shown."""

    complaint_id: str
    state: str
    closed_on: date | None


class DossierHead(BaseModel):
    """Who the employee is, where they are placed and their JP per year: the live and as-of dossiers share it."""

    nip: str
    name: str
    asn_kind: str
    rank: str | None
    status: str
    start_date: date
    placement: Placement
    jp_per_year: list[JpYear]


class DossierOut(DossierHead):
    timeline: list[TimelineEntry]
    complaints: list[ComplaintNaming]
    position: int = Field(description="Store position this answer was built from.")
    policy_version: str = Field(description="Policy whose targets the figures are compared with.")


def jp_per_year(entries: list[TimelineEntry], target: Decimal) -> list[JpYear]:
    totals: dict[int, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for entry in entries:
        if entry.kind != "training-completed":
            continue
        year, jp = entry.happened_on.year, Decimal(str(entry.details["recognised_jp"]))
        totals[year]["all"] += jp
        totals[year]["classroom" if entry.details["classroom"] else "non-classroom"] += jp
        totals[year][f"type:{entry.details['competency_type']}"] += jp
    return [
        JpYear(
            year=year,
            recognised_jp=sums["all"],
            classroom_jp=sums["classroom"],
            non_classroom_jp=sums["non-classroom"],
            target_jp=target,
            meets_target=sums["all"] >= target,
            by_competency_type={k.removeprefix("type:"): v for k, v in sorted(sums.items()) if k.startswith("type:")},
        )
        for year, sums in sorted(totals.items())
    ]


def dossier_out(found: Dossier, policy: Policy) -> DossierOut:
    employee = found.employee
    timeline = [TimelineEntry(**vars(entry)) for entry in found.entries]
    return DossierOut(
        nip=employee.nip,
        name=employee.name,
        asn_kind=employee.asn_kind,
        rank=employee.rank,
        status=employee.status,
        start_date=employee.start_date,
        placement=Placement(
            unit_code=employee.unit_code,
            unit_name=employee.unit_name,
            position=employee.position,
            position_kind=employee.position_kind,
            superior_nip=employee.superior_nip,
            since=employee.placed_on,
        ),
        jp_per_year=jp_per_year(timeline, policy.jp_target.get(employee.asn_kind, Decimal(20))),
        timeline=timeline,
        complaints=[ComplaintNaming(**vars(c)) for c in found.complaints],
        position=found.position,
        policy_version=policy.version,
    )
