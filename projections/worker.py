"""Projection workers: a durable pull consumer per read model, applying messages in stream order.

Each message is applied with its tracking position in one transaction; a failure is retried
with back-off (never skipped), so a read model never silently misses an event.
"""

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from faststream import AckPolicy
from faststream.exceptions import NackMessage
from faststream.nats import JStream, NatsBroker, PullSub
from faststream.nats.annotations import NatsMessage
from psycopg import AsyncCursor
from psycopg_pool import AsyncConnectionPool

from contracts.outbound import StoredEventEnvelope
from contracts.streams import EVENTS_STREAM, EVENTS_SUBJECTS, REJECTED_STREAM, REJECTED_SUBJECTS, projection_consumer
from projections import competency, complaints, directory, dossier, performance, rejections, standing

log = logging.getLogger(__name__)

Apply = Callable[[AsyncCursor[Any], bytes, int], Awaitable[bool]]
"""(cursor, message body, stream sequence) -> whether it was new."""


@dataclass(frozen=True)
class Projection:
    """A read model, the stream it is built from, and the tables it writes."""

    name: str
    stream: str
    subjects: str
    apply: Apply
    tables: tuple[str, ...]

    @property
    def durable(self) -> str:
        """Its own durable consumer, so each read model keeps (and reports) its own lag."""
        return projection_consumer(self.name)


def from_envelopes(apply: Callable[[AsyncCursor[Any], StoredEventEnvelope], Awaitable[bool]]) -> Apply:
    """An EVENTS projection: the body is a stored-event envelope, positioned by the store."""

    async def apply_body(cur: AsyncCursor[Any], body: bytes, _: int) -> bool:
        return await apply(cur, StoredEventEnvelope.model_validate_json(body))

    return apply_body


PROJECTIONS = (
    Projection(
        competency.NAME, EVENTS_STREAM, EVENTS_SUBJECTS, from_envelopes(competency.apply), ("competency_activity",)
    ),
    Projection(directory.NAME, EVENTS_STREAM, EVENTS_SUBJECTS, from_envelopes(directory.apply), ("employee",)),
    Projection(
        dossier.NAME,
        EVENTS_STREAM,
        EVENTS_SUBJECTS,
        from_envelopes(dossier.apply),
        ("dossier_employee", "dossier_entry", "dossier_complaint"),
    ),
    Projection(
        performance.NAME,
        EVENTS_STREAM,
        EVENTS_SUBJECTS,
        from_envelopes(performance.apply),
        ("performance_person", "performance_placement", "performance_plan", "performance_evaluation"),
    ),
    Projection(
        complaints.NAME,
        EVENTS_STREAM,
        EVENTS_SUBJECTS,
        from_envelopes(complaints.apply),
        ("complaint", "complaint_discipline"),
    ),
    Projection(
        standing.NAME,
        EVENTS_STREAM,
        EVENTS_SUBJECTS,
        from_envelopes(standing.apply),
        ("standing_employee", "standing_evaluation", "standing_training", "standing_reward", "standing_case"),
    ),
    Projection(rejections.NAME, REJECTED_STREAM, REJECTED_SUBJECTS, rejections.apply, ("rejection",)),
)


def register_projection(
    broker: NatsBroker, pool: AsyncConnectionPool, projection: Projection, *, pull_timeout: float, max_delay: float
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
                await projection.apply(cur, msg.body, raw.metadata.sequence.stream)
        except Exception as error:
            delay = min(2.0 ** max(raw.metadata.num_delivered - 1, 0), max_delay)
            log.exception("projection %s failed on %s; retry in %.0f s", projection.name, raw.subject, delay)
            raise NackMessage(delay=delay) from error
