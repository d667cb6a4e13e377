"""20 JP compliance per OPD per year: the share meeting the target, the median JP, who has none.

A report over the dossier's tables, so it is stamped with the dossier's position. Employees are
counted in their current unit; JP count towards the year an activity ended.
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from psycopg import AsyncCursor, sql
from psycopg.rows import class_row

_JP_OF_YEAR = """
WITH jp AS (
    SELECT employee_id, sum((details->>'recognised_jp')::numeric) AS jp
    FROM dossier_entry
    WHERE kind = 'training-completed' AND happened_on >= make_date(%(year)s, 1, 1)
      AND happened_on < make_date(%(year)s + 1, 1, 1)
    GROUP BY employee_id
), staff AS (
    SELECT e.employee_id, e.nip, e.name, e.asn_kind, e.unit_code, e.unit_name, COALESCE(jp.jp, 0) AS jp,
           CASE WHEN e.asn_kind = 'PPPK' THEN %(target_pppk)s ELSE %(target_pns)s END AS target
    FROM dossier_employee e LEFT JOIN jp USING (employee_id)
    WHERE e.unit_code IS NOT NULL AND e.start_date <= make_date(%(year)s, 12, 31)
)
"""

_PER_UNIT = sql.SQL(
    _JP_OF_YEAR
    + """
SELECT unit_code, max(unit_name) AS unit_name, count(*) AS employees,
       count(*) FILTER (WHERE jp >= target) AS meeting_target,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY jp) AS median_jp,
       count(*) FILTER (WHERE jp = 0) AS without_jp
FROM staff
WHERE (%(unit)s::text IS NULL OR unit_code = %(unit)s)
GROUP BY unit_code ORDER BY unit_code"""
)

_STAFF = sql.SQL(
    _JP_OF_YEAR
    + """
SELECT nip, name, asn_kind, jp, target, jp >= target AS meets_target
FROM staff WHERE unit_code = %(unit)s ORDER BY jp, nip"""
)

DOSSIER_ENTRY_BY_KIND = sql.SQL(
    "CREATE INDEX IF NOT EXISTS dossier_entry_by_kind ON dossier_entry (kind, happened_on, employee_id)"
)
"""Keeps a year's report independent of how many years of history there are."""


@dataclass(frozen=True)
class UnitCompliance:
    unit_code: str
    unit_name: str | None
    employees: int
    meeting_target: int
    median_jp: float
    without_jp: int

    @property
    def share_meeting_target(self) -> float:
        return self.meeting_target / self.employees if self.employees else 0.0


@dataclass(frozen=True)
class StaffJp:
    nip: str
    name: str
    asn_kind: str
    jp: Decimal
    target: Decimal
    meets_target: bool


def _params(year: int, targets: dict[str, Decimal], unit: str | None) -> dict[str, Any]:
    return {
        "year": year,
        "unit": unit,
        "target_pns": targets.get("PNS", Decimal(20)),
        "target_pppk": targets.get("PPPK", targets.get("PNS", Decimal(20))),
    }


async def per_unit(
    cur: AsyncCursor[Any], year: int, targets: dict[str, Decimal], unit: str | None = None
) -> list[UnitCompliance]:
    cur.row_factory = class_row(UnitCompliance)
    await cur.execute(_PER_UNIT, _params(year, targets, unit))
    rows: list[UnitCompliance] = await cur.fetchall()
    return rows


async def staff_of(cur: AsyncCursor[Any], year: int, targets: dict[str, Decimal], unit: str) -> list[StaffJp]:
    """Everyone of one unit with their JP, fewest first (those with none at the top)."""
    cur.row_factory = class_row(StaffJp)
    await cur.execute(_STAFF, _params(year, targets, unit))
    rows: list[StaffJp] = await cur.fetchall()
    return rows
