"""Performance: evaluations in force with the unit each employee was in, and units' own predikat.

Keeps its own copy of placements, in stream order, so an evaluation is counted in the unit the
employee belonged to when it was recorded, also when the read model is rebuilt.
"""

from dataclasses import dataclass
from typing import Any

from psycopg import AsyncCursor, sql
from psycopg.rows import class_row

from contracts.outbound import StoredEventEnvelope
from projections.tracking import claim

NAME = "performance"

PERFORMANCE_TABLES: tuple[sql.SQL, ...] = (
    sql.SQL("""
CREATE TABLE IF NOT EXISTS performance_placement (
    employee_id  uuid PRIMARY KEY,
    unit_code    text NOT NULL,
    superior_nip text
)"""),
    sql.SQL("""
CREATE TABLE IF NOT EXISTS performance_person (
    employee_id uuid PRIMARY KEY,
    nip         text NOT NULL,
    name        text NOT NULL
)"""),
    sql.SQL("""
CREATE TABLE IF NOT EXISTS performance_plan (
    employee_id   uuid NOT NULL,
    year          integer NOT NULL,
    period_kind   text NOT NULL,
    appraiser_nip text NOT NULL,
    unit_code     text,
    PRIMARY KEY (employee_id, year)
)"""),
    sql.SQL("""
CREATE TABLE IF NOT EXISTS performance_evaluation (
    evaluation_id text NOT NULL,
    employee_id   uuid NOT NULL,
    year          integer NOT NULL,
    period        text NOT NULL,
    predikat      integer NOT NULL,
    appraiser_nip text NOT NULL,
    unit_code     text,
    superior_nip  text,
    supersedes    text,
    superseded_by text,
    recorded_on   date NOT NULL,
    position      bigint NOT NULL,
    PRIMARY KEY (employee_id, evaluation_id)
)"""),
    sql.SQL("""
CREATE INDEX IF NOT EXISTS performance_evaluation_by_unit_year
    ON performance_evaluation (year, period, unit_code) WHERE superseded_by IS NULL"""),
    sql.SQL("""
CREATE TABLE IF NOT EXISTS performance_unit (
    unit_id   uuid PRIMARY KEY,
    unit_code text NOT NULL
)"""),
    sql.SQL("""
CREATE TABLE IF NOT EXISTS performance_unit_rating (
    unit_code text NOT NULL,
    year      integer NOT NULL,
    predikat  text NOT NULL,
    unit_name text NOT NULL,
    PRIMARY KEY (unit_code, year)
)"""),
)

_PLACE = sql.SQL("""
INSERT INTO performance_placement (employee_id, unit_code, superior_nip)
VALUES (%(employee_id)s, %(unit_code)s, %(superior_nip)s)
ON CONFLICT (employee_id) DO UPDATE SET unit_code = EXCLUDED.unit_code, superior_nip = EXCLUDED.superior_nip""")
_PERSON = sql.SQL("""
INSERT INTO performance_person (employee_id, nip, name) VALUES (%(employee_id)s, %(nip)s, %(name)s)
ON CONFLICT DO NOTHING""")
_PLAN = sql.SQL("""
INSERT INTO performance_plan (employee_id, year, period_kind, appraiser_nip, unit_code)
SELECT %(employee_id)s, %(year)s, %(period_kind)s, %(appraiser_nip)s,
       (SELECT unit_code FROM performance_placement WHERE employee_id = %(employee_id)s)
ON CONFLICT (employee_id, year) DO UPDATE SET period_kind = EXCLUDED.period_kind,
       appraiser_nip = EXCLUDED.appraiser_nip, unit_code = EXCLUDED.unit_code""")
_EVALUATE = sql.SQL("""
INSERT INTO performance_evaluation (evaluation_id, employee_id, year, period, predikat, appraiser_nip, unit_code,
                                    superior_nip, supersedes, recorded_on, position)
SELECT %(evaluation_id)s, %(employee_id)s, %(year)s, %(period)s, %(predikat)s, %(appraiser_nip)s, p.unit_code,
       p.superior_nip, %(supersedes)s, %(recorded_on)s, %(position)s
FROM (SELECT 1) AS one LEFT JOIN performance_placement p ON p.employee_id = %(employee_id)s
ON CONFLICT (employee_id, evaluation_id) DO NOTHING""")
_SUPERSEDE = sql.SQL("""
UPDATE performance_evaluation SET superseded_by = %(evaluation_id)s
WHERE employee_id = %(employee_id)s AND evaluation_id = %(supersedes)s""")
_OPEN_UNIT = sql.SQL("""
INSERT INTO performance_unit (unit_id, unit_code) VALUES (%(unit_id)s, %(unit_code)s) ON CONFLICT DO NOTHING""")
_RATE = sql.SQL("""
INSERT INTO performance_unit_rating (unit_code, year, predikat, unit_name)
SELECT unit_code, %(year)s, %(predikat)s, %(unit_name)s FROM performance_unit WHERE unit_id = %(unit_id)s
ON CONFLICT (unit_code, year) DO NOTHING""")


async def apply(cur: AsyncCursor[Any], envelope: StoredEventEnvelope, tracking: str = NAME) -> bool:
    """Apply one stored event inside the caller's transaction; False when already applied."""
    if not await claim(cur, tracking, envelope.position):
        return False
    data = {
        **envelope.data,
        "employee_id": envelope.aggregate_id,
        "position": envelope.position,
        "recorded_on": (envelope.provenance.occurred_at if envelope.provenance else envelope.recorded_at).date(),
    }
    kind = (envelope.aggregate_type, envelope.event_type)
    if kind == ("civil-servant", "registered"):
        await cur.execute(_PERSON, data)
    elif kind == ("civil-servant", "placement-changed"):
        await cur.execute(_PLACE, data)
    elif kind == ("civil-servant", "performance-plan-set"):
        await cur.execute(_PLAN, data)
    elif kind == ("civil-servant", "performance-evaluated"):
        await cur.execute(_EVALUATE, {**data, "supersedes": None})
    elif kind == ("civil-servant", "evaluation-corrected"):
        await cur.execute(_EVALUATE, data)
        await cur.execute(_SUPERSEDE, data)
    elif kind == ("organisation-unit", "opened"):
        await cur.execute(_OPEN_UNIT, {**data, "unit_id": envelope.aggregate_id})
    elif kind == ("organisation-unit", "performance-rated"):
        await cur.execute(_RATE, {**data, "unit_id": envelope.aggregate_id})
    return True


_DISTRIBUTION = sql.SQL("""
SELECT e.unit_code, e.predikat, count(*) AS employees, r.predikat AS unit_predikat
FROM performance_evaluation e
LEFT JOIN performance_unit_rating r ON r.unit_code = e.unit_code AND r.year = e.year
WHERE e.year = %(year)s AND e.period = %(period)s AND e.superseded_by IS NULL AND e.unit_code IS NOT NULL
  AND (%(unit)s::text IS NULL OR e.unit_code = %(unit)s)
GROUP BY e.unit_code, e.predikat, r.predikat
ORDER BY e.unit_code, e.predikat""")


@dataclass(frozen=True)
class PredikatCount:
    unit_code: str
    predikat: int
    employees: int
    unit_predikat: str | None


async def distribution(
    cur: AsyncCursor[Any], year: int, unit: str | None = None, period: str = "annual"
) -> list[PredikatCount]:
    """Evaluations in force of one period per unit and predikat, with the unit's own predikat of that year."""
    cur.row_factory = class_row(PredikatCount)
    await cur.execute(_DISTRIBUTION, {"year": year, "unit": unit, "period": period})
    rows: list[PredikatCount] = await cur.fetchall()
    return rows
