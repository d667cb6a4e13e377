"""Evaluation completeness: who has a plan for the year, which periods were evaluated and when.

A query module over the performance read model; the service layer decides what is missing or
late with the policy's due days and a clock.
"""

from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from psycopg import AsyncCursor, sql
from psycopg.rows import class_row


@dataclass(frozen=True)
class PlannedEmployee:
    employee_id: UUID
    nip: str
    name: str
    unit_code: str | None
    period_kind: str


@dataclass(frozen=True)
class EvaluationInForce:
    employee_id: UUID
    period: str
    appraiser_nip: str
    superior_nip: str | None
    recorded_on: date


_PLANNED = sql.SQL("""
SELECT p.employee_id, person.nip, person.name, p.unit_code, p.period_kind
FROM performance_plan p JOIN performance_person person USING (employee_id)
LEFT JOIN performance_placement now USING (employee_id)
WHERE p.year = %(year)s AND (%(unit)s::text IS NULL OR now.unit_code = %(unit)s)
ORDER BY p.unit_code, person.nip""")
"""A unit's list is its current staff's plans (``now``: where they work now), each naming the unit it was set in."""
_EVALUATED = sql.SQL("""
SELECT e.employee_id, e.period, e.appraiser_nip, e.superior_nip, e.recorded_on
FROM performance_evaluation e JOIN performance_plan p ON p.employee_id = e.employee_id AND p.year = e.year
LEFT JOIN performance_placement now ON now.employee_id = e.employee_id
WHERE e.year = %(year)s AND e.superseded_by IS NULL AND (%(unit)s::text IS NULL OR now.unit_code = %(unit)s)""")


async def planned(cur: AsyncCursor[Any], year: int, unit: str | None) -> list[PlannedEmployee]:
    cur.row_factory = class_row(PlannedEmployee)
    await cur.execute(_PLANNED, {"year": year, "unit": unit})
    rows: list[PlannedEmployee] = await cur.fetchall()
    return rows


async def evaluated(cur: AsyncCursor[Any], year: int, unit: str | None) -> list[EvaluationInForce]:
    cur.row_factory = class_row(EvaluationInForce)
    await cur.execute(_EVALUATED, {"year": year, "unit": unit})
    rows: list[EvaluationInForce] = await cur.fetchall()
    return rows
