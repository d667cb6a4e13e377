"""How far each stage has got, read from outside the services: the store, the streams, the positions.

The harness never asks a service how it is doing: it reads what any operator can read (the
store's head, a durable consumer's pending count, the last message on EVENTS, the read models'
``projection_position``), so a faster implementation is measured by the same yardstick.
"""

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import nats
from nats.aio.client import Client
from nats.js import JetStreamContext
from psycopg import AsyncConnection

from contracts.streams import EVENTS_STREAM, INBOX_STREAM, INGEST_CONSUMER
from projections.worker import PROJECTIONS
from services.ingest.intake import intake_behind
from services.relay.worker import last_relayed_position
from services.senders import load_senders

STORE_PROJECTIONS = [projection.name for projection in PROJECTIONS if projection.from_store]
"""The read models built from the event store (via EVENTS); the one built from REJECTED is not in the path."""

POLL_SECONDS = 0.02


class StageTimedOut(TimeoutError):
    """A stage did not finish within its time limit; ``reached`` says how far it got."""

    def __init__(self, what: str, seconds: float, reached: str) -> None:
        super().__init__(f"{what} did not finish within {seconds:.0f} s (reached {reached})")
        self.reached = reached


@dataclass
class Probe:
    """A NATS connection and a database connection for reading progress."""

    nc: Client
    js: JetStreamContext
    db: AsyncConnection[Any]

    async def store_head(self) -> int:
        """The last position the event store has given out (0 when empty)."""
        row = await (await self.db.execute("SELECT coalesce(max(notification_id), 0) FROM jejak_events")).fetchone()
        return int(row[0]) if row else 0

    async def store_rows(self) -> int:
        row = await (await self.db.execute("SELECT count(*) FROM jejak_events")).fetchone()
        return int(row[0]) if row else 0

    async def inbox_backlog(self) -> int:
        """Submissions not applied yet: in senders' streams not moved into INBOX by intake, and INBOX
        messages ingest has not acknowledged (pending + in flight)."""
        info = await self.js.consumer_info(INBOX_STREAM, INGEST_CONSUMER)
        waiting = await intake_behind(self.js, list(load_senders().names))
        return waiting + (info.num_pending or 0) + (info.num_ack_pending or 0)

    async def relayed(self) -> int:
        """The store position of the last message on EVENTS."""
        return await last_relayed_position(self.js)

    async def events_messages(self) -> int:
        return int((await self.js.stream_info(EVENTS_STREAM)).state.messages)

    async def inbox_messages(self) -> int:
        return int((await self.js.stream_info(INBOX_STREAM)).state.messages)

    async def visible(self) -> int:
        """The store position every read model built from the store has applied (the slowest one's)."""
        cur = await self.db.execute(
            "SELECT projection, position FROM projection_position WHERE projection = ANY(%s)", (STORE_PROJECTIONS,)
        )
        positions = {str(name): int(position) for name, position in await cur.fetchall()}
        return min(positions.get(name, 0) for name in STORE_PROJECTIONS)


async def open_probe(nats_url: str, database_url: str) -> Probe:
    nc = await nats.connect(nats_url, name="jejak-bench-probe")
    db = await AsyncConnection.connect(database_url, autocommit=True)
    return Probe(nc, nc.jetstream(), db)


async def close_probe(probe: Probe) -> None:
    await probe.db.close()
    await probe.nc.close()


async def wait_for(
    what: str,
    done: Callable[[], Awaitable[bool]],
    limit: float,
    progress: Callable[[], Awaitable[str]],
    alive: Callable[[], None] = lambda: None,
) -> float:
    """Poll ``done`` until true; returns the monotonic time it was first seen true.

    ``alive`` raises when a service under test died, so a crash is reported, not waited out.
    """
    deadline = time.monotonic() + limit
    while True:
        if await done():
            return time.monotonic()
        alive()
        if time.monotonic() > deadline:
            raise StageTimedOut(what, limit, await progress())
        await asyncio.sleep(POLL_SECONDS)
