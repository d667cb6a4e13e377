"""Each projection's position: the last store position applied, moved in the rows' transaction."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import Any

from psycopg import AsyncCursor, sql

TRACKING_TABLE = sql.SQL("""
CREATE TABLE IF NOT EXISTS projection_position (
    projection text PRIMARY KEY,
    position   bigint NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
)""")

READ_MODELS_CHANNEL = "jejak_read_models"
"""Notified (at commit) whenever any projection's position changes, rebuilds included: caches of
answers built from the read models listen here (``services.api.answer_cache``)."""


def notify_on_change(name: str, table: str, events: str, channel: str) -> list[sql.Composed]:
    """DDL for a statement trigger ``name`` on ``table`` that notifies ``channel`` at commit after ``events``.

    Idempotent (``CREATE OR REPLACE``), so provisioning may run it every time. The payload is the
    operation (``TG_OP``); listeners only need to know that something changed.
    """
    return [
        sql.SQL(
            "CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN PERFORM pg_catalog.pg_notify({channel}, TG_OP); RETURN NULL; END $$"
        ).format(name=sql.Identifier(name), channel=sql.Literal(channel)),
        sql.SQL(
            "CREATE OR REPLACE TRIGGER {name} AFTER {events} ON {table} FOR EACH STATEMENT EXECUTE FUNCTION {name}()"
        ).format(name=sql.Identifier(name), events=sql.SQL(events), table=sql.Identifier(table)),
    ]


TRACKING_NOTIFY = notify_on_change(
    "projection_position_changed", "projection_position", "INSERT OR UPDATE OR DELETE", READ_MODELS_CHANNEL
)
"""One notification per statement (a projection batch moves its position with one statement)."""

_ENSURE = sql.SQL("""
INSERT INTO projection_position (projection, position) VALUES (%(projection)s, 0)
ON CONFLICT (projection) DO NOTHING""")
_LOCK = sql.SQL("SELECT position FROM projection_position WHERE projection = %(projection)s FOR UPDATE")
_ADVANCE = sql.SQL("""
UPDATE projection_position SET position = %(position)s, updated_at = now()
WHERE projection = %(projection)s""")
_READ = sql.SQL("SELECT position FROM projection_position WHERE projection = %(projection)s")


_CLAIMED: ContextVar[dict[str, int] | None] = ContextVar("projection_claimed", default=None)
"""Inside ``claims_in_batch``: the positions claimed so far in this transaction, by tracking name."""


@asynccontextmanager
async def claims_in_batch(cur: AsyncCursor[tuple[Any, ...]], projection: str) -> AsyncIterator[None]:
    """Many events in one transaction: lock and read the position once, claim in memory, write it once.

    Three statements per batch instead of three per event. The position is written only when the
    block ends without an error (the caller's transaction then commits rows and position together).
    """
    params = {"projection": projection, "position": 0}
    await cur.execute(_ENSURE, params)
    await cur.execute(_LOCK, params)
    row = await cur.fetchone()
    start = 0 if row is None else int(row[0])
    outer = _CLAIMED.get()
    claimed = outer if outer is not None else {}  # one dict for nested batches (a replay feeds several)
    claimed[projection] = start
    token = _CLAIMED.set(claimed)
    try:
        yield
        reached = claimed[projection]
    finally:
        _CLAIMED.reset(token)
        claimed.pop(projection, None)
    if reached > start:
        await cur.execute(_ADVANCE, {"projection": projection, "position": reached})


async def claim(cur: AsyncCursor[tuple[Any, ...]], projection: str, position: int) -> bool:
    """Lock the projection's row; True (and moved to ``position``) when it is new to us.

    Called inside the transaction that writes the rows, so rows and position commit together
    and a redelivered event is skipped instead of counted twice.
    """
    claimed = _CLAIMED.get()
    if claimed is not None and projection in claimed:
        if claimed[projection] >= position:
            return False
        claimed[projection] = position
        return True
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
