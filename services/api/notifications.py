"""The API's one listening connection: PostgreSQL notifications that make what it keeps stale.

Kept answers follow the read models (``answer_cache``) and kept token holders follow the token
store (``token_cache``). Each is live only while this connection listens: when it drops, both are
switched off and emptied (notifications may have been missed) until it listens again.
"""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Mapping
from typing import Protocol

from psycopg import AsyncConnection, sql

log = logging.getLogger(__name__)


class Follower(Protocol):
    """Something kept that a notification on its channel makes stale."""

    def changed(self) -> None: ...

    def set_live(self, live: bool) -> None: ...


async def follow(
    database_url: str,
    followers: Mapping[str, Follower],
    retry_seconds: float = 1.0,
    ready: asyncio.Event | None = None,
) -> None:
    """Listen on each channel until cancelled; a notification tells its follower that something changed."""

    def all_live(live: bool) -> None:
        for follower in followers.values():
            follower.set_live(live)

    while True:
        try:
            async with await AsyncConnection.connect(database_url, autocommit=True) as conn:
                for channel in followers:
                    await conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))
                all_live(True)
                if ready is not None:
                    ready.set()
                async for notice in conn.notifies():
                    if (follower := followers.get(notice.channel)) is not None:
                        follower.changed()
        except asyncio.CancelledError:
            all_live(False)
            raise
        except Exception as error:  # noqa: BLE001 (caches are off meanwhile; answers come from the database)
            log.warning("caches off, not following changes: %s", error)
        all_live(False)
        await asyncio.sleep(retry_seconds)


@contextlib.asynccontextmanager
async def following(database_url: str, followers: Mapping[str, Follower]) -> AsyncIterator[None]:
    """Run ``follow`` for the block (the API's lifespan)."""
    task = asyncio.create_task(follow(database_url, followers), name="following-changes")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
