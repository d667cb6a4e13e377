"""The projection worker: a durable pull consumer on EVENTS applying events in store order."""

import logging

from faststream import AckPolicy
from faststream.exceptions import NackMessage
from faststream.nats import JStream, NatsBroker, PullSub
from faststream.nats.annotations import NatsMessage
from psycopg_pool import AsyncConnectionPool

from contracts.outbound import StoredEventEnvelope
from contracts.streams import COMPETENCY_PROJECTION_CONSUMER, EVENTS_STREAM, EVENTS_SUBJECTS
from projections import competency

log = logging.getLogger(__name__)


def register_competency_worker(
    broker: NatsBroker, pool: AsyncConnectionPool, *, pull_timeout: float, max_delay: float
) -> None:
    """Subscribe the competency projection; one message at a time keeps the store's order."""

    @broker.subscriber(
        EVENTS_SUBJECTS,
        stream=JStream(EVENTS_STREAM, declare=False),
        durable=COMPETENCY_PROJECTION_CONSUMER,
        pull_sub=PullSub(batch_size=1, timeout=pull_timeout),
        ack_policy=AckPolicy.NACK_ON_ERROR,
    )
    async def project_competency(msg: NatsMessage) -> None:
        try:
            envelope = StoredEventEnvelope.model_validate_json(msg.body)
            async with pool.connection() as conn, conn.transaction(), conn.cursor() as cur:
                await competency.apply(cur, envelope)
        except Exception as error:
            deliveries = msg.raw_message.metadata.num_delivered
            delay = min(2.0 ** max(deliveries - 1, 0), max_delay)
            log.exception(
                "projection %s failed on %s; retry in %.0f s", competency.NAME, msg.raw_message.subject, delay
            )
            raise NackMessage(delay=delay) from error
