"""Employee directory: who each civil servant is and where they work now.

Every report that filters or scopes by unit (OPD) joins on it, and access control asks it which
unit an employee belongs to.
"""

from datetime import date
from typing import Any

from psycopg import AsyncCursor, sql

from contracts.outbound import StoredEventEnvelope
from projections.tracking import claim

NAME = "directory"

DIRECTORY_TABLES: tuple[sql.SQL, ...] = (
    sql.SQL("""
CREATE TABLE IF NOT EXISTS employee (
    nip           text PRIMARY KEY,
    employee_id   uuid NOT NULL,
    name          text NOT NULL,
    asn_kind      text NOT NULL,
    gender        text NOT NULL,
    birth_date    date NOT NULL,
    start_date    date NOT NULL,
    rank          text,
    status        text NOT NULL,
    unit_code     text,
    unit_name     text,
    position      text,
    position_kind text,
    superior_nip  text,
    placed_on     date,
    registered_at timestamptz NOT NULL
)"""),
    sql.SQL("CREATE INDEX IF NOT EXISTS employee_by_unit ON employee (unit_code, nip)"),
)

_REGISTER = sql.SQL("""
INSERT INTO employee (nip, employee_id, name, asn_kind, gender, birth_date, start_date, rank, status, registered_at)
VALUES (%(nip)s, %(employee_id)s, %(name)s, %(asn_kind)s, %(gender)s, %(birth_date)s, %(start_date)s, %(rank)s,
        %(status)s, %(registered_at)s)
ON CONFLICT (nip) DO NOTHING""")

_PLACE = sql.SQL("""
UPDATE employee SET unit_code = %(unit_code)s, unit_name = %(unit_name)s, position = %(position)s,
       position_kind = %(position_kind)s, superior_nip = %(superior_nip)s, placed_on = %(effective_date)s
WHERE employee_id = %(employee_id)s AND (placed_on IS NULL OR placed_on <= %(effective_date)s)""")

_UNIT_OF = sql.SQL("SELECT unit_code FROM employee WHERE nip = %(nip)s")


async def apply(cur: AsyncCursor[Any], envelope: StoredEventEnvelope, tracking: str = NAME) -> bool:
    """Apply one stored event inside the caller's transaction; False when already applied."""
    if not await claim(cur, tracking, envelope.position):
        return False
    if envelope.aggregate_type != "civil-servant":
        return True
    data = {**envelope.data, "employee_id": envelope.aggregate_id}
    if envelope.event_type == "registered":
        await cur.execute(_REGISTER, {**data, "registered_at": envelope.recorded_at})
    elif envelope.event_type == "placement-changed":
        # A placement effective earlier than the one recorded does not move the employee back.
        await cur.execute(_PLACE, {**data, "effective_date": date.fromisoformat(data["effective_date"])})
    return True


async def unit_of(cur: AsyncCursor[Any], nip: str) -> tuple[bool, str | None]:
    """(known, unit code): whether the employee is registered, and their current unit if placed."""
    await cur.execute(_UNIT_OF, {"nip": nip})
    row = await cur.fetchone()
    return (False, None) if row is None else (True, row[0])
