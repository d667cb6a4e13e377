"""Projection workers: a durable pull consumer per read model, applying messages in stream order.

Each message is applied with its tracking position in one transaction; a failure is retried
with back-off (never skipped), so a read model never silently misses an event.
"""

import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from faststream import AckPolicy
from faststream.exceptions import NackMessage
from faststream.nats import JStream, NatsBroker, PullSub
from faststream.nats.annotations import NatsMessage
from psycopg import AsyncCursor, sql
from psycopg_pool import AsyncConnectionPool

from contracts.outbound import StoredEventEnvelope
from contracts.streams import EVENTS_STREAM, EVENTS_SUBJECTS, REJECTED_STREAM, REJECTED_SUBJECTS, projection_consumer
from projections import competency, complaints, directory, dossier, performance, rejections, standing
from projections.compliance import DOSSIER_ENTRY_BY_KIND

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


def from_envelopes(apply: Callable[[AsyncCursor[Any], StoredEventEnvelope, str], Awaitable[bool]]) -> Apply:
    """An EVENTS projection: the body is a stored-event envelope, positioned by the store."""

    async def apply_body(cur: AsyncCursor[Any], body: bytes, _: int, tracking: str) -> bool:
        return await apply(cur, StoredEventEnvelope.model_validate_json(body), tracking)

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


def register_projection(
    broker: NatsBroker,
    pool: AsyncConnectionPool,
    projection: Projection,
    *,
    pull_timeout: float,
    backoff: Callable[[int], float],
) -> None:
    """Subscribe one projection; one message at a time keeps the stream's order."""

    @broker.subscriber(
        projection.subjects,
        stream=JStream(projection.stream, declare=False),
        durable=projection.durable,
        pull_sub=PullSub(batch_size=1, timeout=pull_timeout),
        ack_policy=AckPolicy.NACK_ON_ERROR,
        title=f"projection.{projection.name}",
    )
    async def project(msg: NatsMessage) -> None:
        raw = msg.raw_message
        try:
            async with pool.connection() as conn, conn.transaction(), conn.cursor() as cur:
                await projection.apply(cur, msg.body, raw.metadata.sequence.stream, projection.name)
        except Exception as error:
            delay = backoff(raw.metadata.num_delivered)
            log.exception("projection %s failed on %s; retry in %.0f s", projection.name, raw.subject, delay)
            raise NackMessage(delay=delay) from error
