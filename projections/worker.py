"""Projection workers: a durable pull consumer per read model, applying batches in stream order."""

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from nats.js import JetStreamContext
from psycopg import AsyncCursor, sql
from psycopg_pool import AsyncConnectionPool

from contracts.outbound import StoredEventEnvelope
from contracts.streams import EVENTS_STREAM, EVENTS_SUBJECTS, REJECTED_STREAM, REJECTED_SUBJECTS, projection_consumer
from projections import competency, complaints, directory, dossier, performance, rejections, standing
from projections.compliance import DOSSIER_ENTRY_BY_KIND
from projections.ordered_pull import OrderedPull, run_until_stopped, sequence_of
from projections.tracking import claims_in_batch

log = logging.getLogger(__name__)

Apply = Callable[[AsyncCursor[Any], bytes, int, str], Awaitable[bool]]
"""(cursor, message body, stream sequence, tracking name) -> whether it was new."""

_CREATE_TABLE = re.compile(r"CREATE TABLE IF NOT EXISTS (\w+)")


@dataclass(frozen=True)
class Projection:
    """A read model, the stream it is built from, and the statements that create its tables."""

    name: str
    stream: str
    subjects: str
    apply: Apply
    ddl: tuple[sql.SQL, ...]

    @property
    def durable(self) -> str:
        """Its own durable consumer, so each read model keeps (and reports) its own lag."""
        return projection_consumer(self.name)

    @property
    def tables(self) -> tuple[str, ...]:
        """Every table the DDL creates, in order (indexes go with them)."""
        return tuple(m for statement in self.ddl for m in _CREATE_TABLE.findall(statement.as_string()))

    @property
    def from_store(self) -> bool:
        """Built from EVENTS, so it can be rebuilt from the event store itself."""
        return self.stream == EVENTS_STREAM


class EnvelopeCache:
    """Envelopes already parsed, by their bytes: the six EVENTS workers of one process read the same
    messages at about the same time, so each is parsed once, not six times. Keyed by the body itself, not
    a sequence number (a rebuild in the same process numbers by store position, the workers by stream
    sequence). Envelopes are frozen and the projections only read them. Bounded: the oldest go first."""

    def __init__(self, size: int = 4096) -> None:
        self.size = size
        self._parsed: dict[bytes, StoredEventEnvelope] = {}

    def parse(self, body: bytes) -> StoredEventEnvelope:
        envelope = self._parsed.get(body)
        if envelope is None:
            envelope = StoredEventEnvelope.model_validate_json(body)
            self._parsed[body] = envelope
            if len(self._parsed) > self.size:
                del self._parsed[next(iter(self._parsed))]
        return envelope


ENVELOPES = EnvelopeCache()


def from_envelopes(apply: Callable[[AsyncCursor[Any], StoredEventEnvelope, str], Awaitable[bool]]) -> Apply:
    """An EVENTS projection: the body is a stored-event envelope, positioned by the store."""

    async def apply_body(cur: AsyncCursor[Any], body: bytes, _: int, tracking: str) -> bool:
        return await apply(cur, ENVELOPES.parse(body), tracking)

    return apply_body


def events_projection(
    name: str, apply: Callable[[AsyncCursor[Any], StoredEventEnvelope, str], Awaitable[bool]], ddl: tuple[sql.SQL, ...]
) -> Projection:
    return Projection(name, EVENTS_STREAM, EVENTS_SUBJECTS, from_envelopes(apply), ddl)


PROJECTIONS = (
    events_projection(competency.NAME, competency.apply, competency.COMPETENCY_TABLES),
    events_projection(directory.NAME, directory.apply, directory.DIRECTORY_TABLES),
    events_projection(dossier.NAME, dossier.apply, (*dossier.DOSSIER_TABLES, DOSSIER_ENTRY_BY_KIND)),
    events_projection(performance.NAME, performance.apply, performance.PERFORMANCE_TABLES),
    events_projection(complaints.NAME, complaints.apply, complaints.COMPLAINT_TABLES),
    events_projection(standing.NAME, standing.apply, standing.STANDING_TABLES),
    Projection(rejections.NAME, REJECTED_STREAM, REJECTED_SUBJECTS, rejections.apply, rejections.REJECTION_TABLES),
)
BY_NAME = {projection.name: projection for projection in PROJECTIONS}


class ProjectionWorker:
    """One read model's worker: a batch per fetch, applied in stream order in one transaction, then acked.

    Each message is applied with its tracking position in the same transaction as the rows, so a
    crash repeats nothing; a failure stores nothing of the batch and is retried with back-off
    (never skipped), so a read model never silently misses an event.
    """

    def __init__(
        self,
        js: JetStreamContext,
        pool: AsyncConnectionPool,
        projection: Projection,
        *,
        batch: int,
        pull_timeout: float,
        backoff: Callable[[int], float],
    ) -> None:
        self.pool = pool
        self.projection = projection
        self.backoff = backoff
        self.pull = OrderedPull(js, projection.stream, projection.durable, batch=batch, timeout=pull_timeout)

    async def run(self, stop: asyncio.Event) -> None:
        await run_until_stopped(f"projection {self.projection.name}", self.pull, self.step, stop, self.backoff)

    async def step(self) -> int:
        """Apply the next ready messages; how many."""
        messages = await self.pull.fetch()
        if not messages:
            return 0
        try:
            async with (
                self.pool.connection() as conn,
                conn.pipeline(),  # writes go out without waiting for each answer; a read waits for what it needs
                conn.transaction(),
                conn.cursor() as cur,
                claims_in_batch(cur, self.projection.name),
            ):
                for message in messages:
                    await self.projection.apply(cur, message.data, sequence_of(message), self.projection.name)
        except Exception:
            await self.pull.hand_back(messages)
            raise
        for message in messages:
            await message.ack()
        self.pull.applied(messages[-1])
        return len(messages)
