"""Competency history: every development activity of a civil servant with its recognised JP.

JP (*jam pelajaran*, lesson hours) count towards the year in which the activity ended.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from psycopg import AsyncCursor, sql
from psycopg.rows import class_row

from contracts.outbound import StoredEventEnvelope, TrainingCompletedData
from projections.tracking import claim, position_of

NAME = "competency"

COMPETENCY_TABLES: tuple[sql.SQL, ...] = (
    sql.SQL("""
CREATE TABLE IF NOT EXISTS competency_activity (
    position      bigint PRIMARY KEY,
    employee_id   uuid NOT NULL,
    nip           text NOT NULL,
    year          integer NOT NULL,
    source        text NOT NULL,
    event_id      text NOT NULL,
    training_kind text NOT NULL,
    classroom     boolean NOT NULL,
    competency_type text NOT NULL,
    title         text NOT NULL,
    provider      text NOT NULL,
    host_agency   text,
    start_date    date NOT NULL,
    end_date      date NOT NULL,
    hours         numeric,
    days          numeric,
    scale         text NOT NULL,
    recognised_jp numeric NOT NULL,
    policy_version text NOT NULL,
    certificate_number text,
    occurred_at   timestamptz NOT NULL,
    recorded_at   timestamptz NOT NULL
)"""),
    sql.SQL("""
CREATE INDEX IF NOT EXISTS competency_activity_by_nip
    ON competency_activity (nip, end_date, position)"""),
)

_INSERT = sql.SQL("""
INSERT INTO competency_activity (
    position, employee_id, nip, year, source, event_id, training_kind, classroom, competency_type,
    title, provider, host_agency, start_date, end_date, hours, days, scale, recognised_jp,
    policy_version, certificate_number, occurred_at, recorded_at)
VALUES (
    %(position)s, %(employee_id)s, %(nip)s, %(year)s, %(source)s, %(event_id)s, %(training_kind)s,
    %(classroom)s, %(competency_type)s, %(title)s, %(provider)s, %(host_agency)s, %(start_date)s,
    %(end_date)s, %(hours)s, %(days)s, %(scale)s, %(recognised_jp)s, %(policy_version)s,
    %(certificate_number)s, %(occurred_at)s, %(recorded_at)s)
ON CONFLICT (position) DO NOTHING""")

_SELECT = sql.SQL("""
SELECT position, year, source, event_id, training_kind, classroom, competency_type, title,
       provider, host_agency, start_date, end_date, hours, days, scale, recognised_jp,
       policy_version, certificate_number
FROM competency_activity WHERE nip = %(nip)s
ORDER BY end_date, position""")


def is_relevant(envelope: StoredEventEnvelope) -> bool:
    return envelope.aggregate_type == "civil-servant" and envelope.event_type == "training-completed"


async def apply(cur: AsyncCursor[tuple[Any, ...]], envelope: StoredEventEnvelope, tracking: str = NAME) -> bool:
    """Apply one stored event inside the caller's transaction; False when already applied.

    ``tracking`` names the position row, so a rebuild can track itself apart from the live one.
    """
    if not await claim(cur, tracking, envelope.position):
        return False
    if is_relevant(envelope) and envelope.provenance is not None:
        data = TrainingCompletedData.model_validate(envelope.data)
        origin = envelope.provenance
        await cur.execute(
            _INSERT,
            {
                **data.model_dump(),
                "position": envelope.position,
                "employee_id": envelope.aggregate_id,
                "year": data.end_date.year,
                "source": origin.source,
                "event_id": origin.event_id,
                "occurred_at": origin.occurred_at,
                "recorded_at": envelope.recorded_at,
            },
        )
    return True


@dataclass(frozen=True)
class Activity:
    """One row of a competency history."""

    position: int
    year: int
    source: str
    event_id: str
    training_kind: str
    classroom: bool
    competency_type: str
    title: str
    provider: str
    host_agency: str | None
    start_date: date
    end_date: date
    hours: Decimal | None
    days: Decimal | None
    scale: str
    recognised_jp: Decimal
    policy_version: str
    certificate_number: str | None


@dataclass(frozen=True)
class CompetencyHistory:
    """A civil servant's activities, and the store position they were read at."""

    position: int
    activities: list[Activity]


async def history(cur: AsyncCursor[Any], nip: str) -> CompetencyHistory:
    """Rows and position from one snapshot: run it in a REPEATABLE READ transaction."""
    position = await position_of(cur, NAME)
    cur.row_factory = class_row(Activity)
    await cur.execute(_SELECT, {"nip": nip})
    activities: list[Activity] = await cur.fetchall()
    return CompetencyHistory(position, activities)
