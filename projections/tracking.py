"""Each projection's position: the last store position applied, moved in the rows' transaction."""

from typing import Any

from psycopg import AsyncCursor, sql

TRACKING_TABLE = sql.SQL("""
CREATE TABLE IF NOT EXISTS projection_position (
    projection text PRIMARY KEY,
    position   bigint NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
)""")

_ENSURE = sql.SQL("""
INSERT INTO projection_position (projection, position) VALUES (%(projection)s, 0)
ON CONFLICT (projection) DO NOTHING""")
_LOCK = sql.SQL("SELECT position FROM projection_position WHERE projection = %(projection)s FOR UPDATE")
_ADVANCE = sql.SQL("""
UPDATE projection_position SET position = %(position)s, updated_at = now()
WHERE projection = %(projection)s""")
_READ = sql.SQL("SELECT position FROM projection_position WHERE projection = %(projection)s")


async def claim(cur: AsyncCursor[tuple[Any, ...]], projection: str, position: int) -> bool:
    """Lock the projection's row; True (and moved to ``position``) when it is new to us.

    Called inside the transaction that writes the rows, so rows and position commit together
    and a redelivered event is skipped instead of counted twice.
    """
    params = {"projection": projection, "position": position}
    await cur.execute(_ENSURE, params)
    await cur.execute(_LOCK, params)
    row = await cur.fetchone()
    if row is None or int(row[0]) >= position:
        return False
    await cur.execute(_ADVANCE, params)
    return True


async def position_of(cur: AsyncCursor[tuple[Any, ...]], projection: str) -> int:
    """The store position the projection's rows reflect; 0 before the first event."""
    await cur.execute(_READ, {"projection": projection})
    row = await cur.fetchone()
    return 0 if row is None else int(row[0])
