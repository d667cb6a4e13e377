"""The ingest worker: a durable pull consumer on INBOX; ack after commit, term after refusal."""

import logging

import anyio.to_thread
from faststream import AckPolicy
from faststream.exceptions import NackMessage, RejectMessage
from faststream.nats import JStream, NatsBroker, PullSub
from faststream.nats.annotations import NatsMessage

from contracts.rejection import RejectionKind
from contracts.streams import INBOX_STREAM, INBOX_SUBJECTS, INGEST_CONSUMER
from domain.errors import EventIdReused, RuleViolation
from domain.records import Records, Submission
from services.ingest.commands import execute
from services.ingest.decode import Decoded, Refusal, decode
from services.ingest.rejections import publish_rejection, rejection_of
from services.personal_data import KeyVault
from services.retry import backoff_seconds
from services.senders import Senders
from services.settings import Settings

log = logging.getLogger(__name__)


def refusal_for(violation: RuleViolation, decoded: Decoded) -> Refusal:
    kind = RejectionKind.CONFLICT if isinstance(violation, EventIdReused) else RejectionKind.RULE
    event = decoded.event
    return Refusal(kind, violation.message, event.source, event.event_type, event.event_id, rule=violation.rule)


async def record(
    records: Records, vault: KeyVault, senders: Senders, subject: str, body: bytes, inbox_sequence: int
) -> Refusal | None:
    """Store one submission, or return why it is refused. Other errors propagate (retried)."""
    decoded = decode(subject, body, senders)
    if isinstance(decoded, Refusal):
        return decoded
    event = decoded.event
    submission = Submission(event.source, event.event_id, event.event_type, inbox_sequence, decoded.content_sha256)
    try:
        await anyio.to_thread.run_sync(execute, records, vault, event, submission)
    except RuleViolation as violation:
        return refusal_for(violation, decoded)
    return None


def register_ingest_worker(
    broker: NatsBroker, records: Records, vault: KeyVault, senders: Senders, settings: Settings
) -> None:
    """One message at a time, so one employee's events are applied in the order submitted."""

    @broker.subscriber(
        INBOX_SUBJECTS,
        stream=JStream(INBOX_STREAM, declare=False),
        durable=INGEST_CONSUMER,
        pull_sub=PullSub(batch_size=1, timeout=settings.pull_timeout_seconds),
        ack_policy=AckPolicy.NACK_ON_ERROR,
    )
    async def ingest(msg: NatsMessage) -> None:
        raw = msg.raw_message
        sequence = raw.metadata.sequence.stream
        try:
            refusal = await record(records, vault, senders, raw.subject, msg.body, sequence)
            if refusal is not None:
                await publish_rejection(broker, rejection_of(refusal, raw.subject, sequence, msg.body))
        except Exception as error:
            delay = backoff_seconds(raw.metadata.num_delivered, settings.retry_max_delay_seconds)
            log.exception("INBOX #%d on %s failed; retry in %.0f s", sequence, raw.subject, delay)
            raise NackMessage(delay=delay) from error
        if refusal is not None:
            log.info("INBOX #%d on %s rejected: %s", sequence, raw.subject, refusal.reason)
            raise RejectMessage
