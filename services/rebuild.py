"""Rebuild a read model from the event store without downtime, and drop the version it replaced.

The new version is built in a schema of its own (``rebuild_<name>``) while the live one keeps
serving and being updated. The switch is one transaction: it takes the live position row (so the
live worker finishes or waits), locks the live tables, applies what the store recorded since the
last page, moves the live tables to ``retired_<name>_<time>`` and the new ones into ``public``, and
hands the new position to the live name. Readers see the old tables until the commit and the new
ones after it; the live worker continues from the new position, skipping what the rebuild applied.
"""

import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import anyio.to_thread
import psycopg
from psycopg import AsyncConnection, AsyncCursor, sql

from domain.records import Records
from projections.tracking import claims_in_batch
from projections.worker import BY_NAME, Projection
from services.database_roles import rebuilt_grants
from services.database_urls import API, PROJECTIONS, service_role
from services.relay.translate import envelope_of

PAGE = 500


class CannotRebuild(ValueError):
    """Unknown projection, one not built from the store, or no retired version to drop."""


@dataclass(frozen=True)
class Rebuilt:
    name: str
    position: int
    events: int
    retired_schema: str


def projection_named(name: str) -> Projection:
    projection = BY_NAME.get(name)
    if projection is None:
        raise CannotRebuild(f"no read model {name!r}; there are {', '.join(BY_NAME)}")
    if not projection.from_store:
        raise CannotRebuild(f"{name} is built from {projection.stream}, not from the event store")
    return projection


async def rebuild(
    records: Records, database_url: str, name: str, progress: Callable[[int, int], None] | None = None
) -> Rebuilt:
    """Replay the store into a new version of ``name`` and switch to it; the old one is retired, not dropped."""
    projection = projection_named(name)
    work, tracking = f"rebuild_{name}", f"{name}@rebuild"
    async with await AsyncConnection.connect(database_url, autocommit=True) as conn:
        await conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(work)))
        await conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(work)))
        await conn.execute("DELETE FROM projection_position WHERE projection = %s", (tracking,))
        applied, position = await replay(records, conn, (work, "public"), ((projection, tracking),), progress=progress)
        await grant_to_services(conn, work, projection.tables)  # before they go live
        retired = f"retired_{name}_{datetime.now(UTC):%Y%m%d%H%M%S}"
        async with conn.transaction(), conn.cursor() as cur:
            await cur.execute(
                "INSERT INTO projection_position (projection, position) VALUES (%s, 0) ON CONFLICT DO NOTHING", (name,)
            )
            await cur.execute("SELECT position FROM projection_position WHERE projection = %s FOR UPDATE", (name,))
            live = sql.SQL(", ").join(sql.Identifier("public", table) for table in projection.tables)
            await cur.execute(sql.SQL("LOCK TABLE {} IN ACCESS EXCLUSIVE MODE").format(live))
            await _inside(conn, (work, "public"))
            while (caught_up := await _apply_page(records, ((projection, tracking),), cur, position))[0]:
                applied, position = applied + caught_up[0], caught_up[1]
            await cur.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(retired)))
            for table in projection.tables:
                await cur.execute(_move(table, "public", retired))
                await cur.execute(_move(table, work, "public"))
            await cur.execute(
                "UPDATE projection_position SET projection = %s WHERE projection = %s", (f"{name}@{retired}", name)
            )
            await cur.execute("UPDATE projection_position SET projection = %s WHERE projection = %s", (name, tracking))
        await conn.execute(sql.SQL("DROP SCHEMA {}").format(sql.Identifier(work)))
    return Rebuilt(name, position, applied, retired)


async def grant_to_services(conn: AsyncConnection[Any], schema: str, tables: tuple[str, ...]) -> None:
    """The new tables are the operator's, who made them: the projections write them, the API reads them
    (``services.database_roles``), as the tables they replace; nothing to grant without per-service logins."""
    row = await (await conn.execute("SELECT current_user")).fetchone()
    operator = str(row[0]) if row else ""
    exists = await (
        await conn.execute(
            "SELECT count(*) FROM pg_roles WHERE rolname = ANY(%s)",
            ([service_role(operator, PROJECTIONS), service_role(operator, API)],),
        )
    ).fetchone()
    if exists is None or exists[0] < 2:
        return
    for statement in rebuilt_grants(operator, schema, tables):
        await conn.execute(statement)


def drop_old(database_url: str, name: str) -> list[str]:
    """Drop every retired version of ``name``; returns the schemas dropped."""
    projection_named(name)
    with psycopg.connect(database_url, autocommit=True) as conn, conn.transaction():
        rows = conn.execute(
            "SELECT nspname FROM pg_namespace WHERE nspname LIKE %s ORDER BY nspname", (f"retired\\_{name}\\_%",)
        ).fetchall()
        for (schema,) in rows:
            conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))
            conn.execute("DELETE FROM projection_position WHERE projection = %s", (f"{name}@{schema}",))
    return [str(schema) for (schema,) in rows]


async def replay(
    records: Records,
    conn: AsyncConnection[Any],
    search_path: Sequence[str],
    targets: Sequence[tuple[Projection, str]],
    *,
    stop: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[int, int]:
    """Create the targets' tables in the first schema of ``search_path`` and replay the store into them.

    Page by page, one transaction each, up to ``stop`` (inclusive; the head when None). Every
    target sees every event once, read from the store once; ``targets`` pairs a projection with
    the name its position is tracked under. Returns (events applied, position reached).
    """
    async with conn.transaction():
        await _inside(conn, search_path)
        for projection, _ in targets:
            for statement in projection.ddl:
                await conn.execute(statement)
    position, applied = 0, 0
    while True:  # pages, so a long replay neither holds one huge transaction nor blocks the live version
        async with conn.transaction(), conn.cursor() as cur:
            await _inside(conn, search_path)
            count, position = await _apply_page(records, targets, cur, position, stop)
        applied += count
        if count == 0:  # caught up with the store as the last page saw it, however far it has moved since
            if progress is not None:
                progress(position, position)
            return applied, position
        if progress is not None:
            head = await store_head(records)
            progress(position, max(position, head if stop is None else min(stop, head)))


async def store_head(records: Records) -> int:
    """The last position the store has recorded; 0 when it is empty."""
    head: int | None = await anyio.to_thread.run_sync(records.recorder.max_notification_id)
    return head or 0


async def _inside(conn: AsyncConnection[Any], search_path: Sequence[str]) -> None:
    """The new version's tables first; for a rebuild, the position table stays in public."""
    schemas = sql.SQL(", ").join(sql.Identifier(schema) for schema in search_path)
    await conn.execute(sql.SQL("SET LOCAL search_path TO {}").format(schemas))


async def _apply_page(
    records: Records,
    targets: Sequence[tuple[Projection, str]],
    cur: AsyncCursor[Any],
    after: int,
    stop: int | None = None,
) -> tuple[int, int]:
    notifications = await anyio.to_thread.run_sync(
        lambda: records.recorder.select_notifications(start=after + 1, limit=PAGE, stop=stop)
    )
    async with contextlib.AsyncExitStack() as claims:  # each target's position read once, written once
        await claims.enter_async_context(cur.connection.pipeline())  # as the projection workers do
        for _, tracking in targets:
            await claims.enter_async_context(claims_in_batch(cur, tracking))
        for notification in notifications:
            body = envelope_of(records, notification).model_dump_json().encode()
            for projection, tracking in targets:
                await projection.apply(cur, body, notification.id, tracking)
    return len(notifications), (notifications[-1].id if notifications else after)


def _move(table: str, source: str, target: str) -> sql.Composed:
    return sql.SQL("ALTER TABLE {} SET SCHEMA {}").format(sql.Identifier(source, table), sql.Identifier(target))
