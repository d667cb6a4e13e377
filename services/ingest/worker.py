"""The ingest worker: a durable pull consumer on INBOX, a batch per fetch, acks after commit.

Each fetch (up to ``ingest_batch_size`` messages) is applied as one batch: every submission's
changes in submission order, saved in one transaction (``Records.batch``), then the contract
refusals are published to REJECTED, then every message is acknowledged (refused ones terminated).
If any submission of the batch breaks a rule, or the save meets another writer, nothing of the
batch is kept and its messages are applied one by one, so one bad event never holds up the others.
A transient failure (database away) stores nothing, is retried with back-off, and is never a
rejection.

Order: INBOX sequence numbers are applied strictly in order (``projections.ordered_pull``); a
message that arrives early (after a crash, one delivered to the dead worker comes back only after
its ack wait) is handed back until the earlier ones have been applied.
"""

import asyncio
import logging
from collections.abc import Sequence
from typing import NamedTuple

import anyio.to_thread
from nats.aio.msg import Msg
from nats.js import JetStreamContext

from contracts.rejection import RejectionKind, RejectionV1
from contracts.streams import INBOX_STREAM, INGEST_CONSUMER, REJECTED_STREAM, rejected_subject
from domain.errors import ConcurrentChange, EventIdReused, RuleViolation
from domain.records import Records, Submission
from projections.ordered_pull import OrderedPull, run_until_stopped, sequence_of
from services.ingest.commands import execute
from services.ingest.decode import Decoded, Refusal, decode
from services.ingest.lookup import look_up_batch
from services.ingest.rejections import rejection_of
from services.personal_data import KeyVault
from services.retry import backoff_seconds
from services.senders import Senders
from services.settings import Settings

log = logging.getLogger(__name__)

MAX_BATCH_BYTES = 2_000_000
"""A batch is saved in one statement; the library's pipelined save hangs around 12 MB (LIBRARY-NOTES §8)."""


def refusal_for(violation: RuleViolation, decoded: Decoded) -> Refusal:
    kind = RejectionKind.CONFLICT if isinstance(violation, EventIdReused) else RejectionKind.RULE
    event = decoded.event
    return Refusal(kind, violation.message, event.source, event.event_type, event.event_id, rule=violation.rule)


def submission_of(decoded: Decoded, inbox_sequence: int) -> Submission:
    event = decoded.event
    return Submission(event.source, event.event_id, event.event_type, inbox_sequence, decoded.content_sha256)


def record_one(
    records: Records, vault: KeyVault, senders: Senders, subject: str, body: bytes, inbox_sequence: int
) -> Refusal | None:
    """Store one submission in its own transaction, or return why it is refused (other errors propagate)."""
    decoded = decode(subject, body, senders)
    if isinstance(decoded, Refusal):
        return decoded
    try:
        execute(records, vault, decoded.event, submission_of(decoded, inbox_sequence))
    except RuleViolation as violation:
        return refusal_for(violation, decoded)
    return None


async def record(
    records: Records, vault: KeyVault, senders: Senders, subject: str, body: bytes, inbox_sequence: int
) -> Refusal | None:
    """``record_one`` off the event loop (eventsourcing has no async API)."""
    return await anyio.to_thread.run_sync(record_one, records, vault, senders, subject, body, inbox_sequence)


class Incoming(NamedTuple):
    """What ingest needs of one INBOX message."""

    subject: str
    body: bytes
    inbox_sequence: int

    @classmethod
    def of(cls, message: Msg) -> "Incoming":
        return cls(message.subject, message.data, sequence_of(message))


def record_batch(
    records: Records, vault: KeyVault, senders: Senders, messages: Sequence[Incoming]
) -> dict[int, Refusal] | None:
    """Store every acceptable submission of ``messages`` in one transaction; the contract refusals by index.

    None when the batch cannot be kept as a whole (a rule refused one of them, or another writer
    changed a record meanwhile): nothing was stored, apply them one by one.
    """
    refusals: dict[int, Refusal] = {}
    accepted: dict[int, Decoded] = {}
    for index, message in enumerate(messages):
        decoded = decode(message.subject, message.body, senders)
        if isinstance(decoded, Refusal):
            refusals[index] = decoded
        else:
            accepted[index] = decoded
    try:
        lookup = look_up_batch(records, accepted.values())
        with records.batch(absent=lookup.absent, found=lookup.found):
            for index, decoded in accepted.items():
                execute(records, vault, decoded.event, submission_of(decoded, messages[index].inbox_sequence))
    except (RuleViolation, ConcurrentChange):
        return None
    return refusals


def batches_by_size(messages: Sequence[Msg], max_bytes: int = MAX_BATCH_BYTES) -> list[list[Msg]]:
    """Consecutive runs whose bodies together stay under ``max_bytes`` (each run at least one message)."""
    runs: list[list[Msg]] = [[]]
    size = 0
    for message in messages:
        if runs[-1] and size + len(message.data) > max_bytes:
            runs.append([])
            size = 0
        runs[-1].append(message)
        size += len(message.data)
    return [run for run in runs if run]


async def publish_rejection(js: JetStreamContext, rejection: RejectionV1) -> None:
    """Wait for JetStream's ack: the INBOX message is terminated only once this is stored.

    ``Nats-Msg-Id`` is the INBOX sequence, so a redelivered submission is refused only once.
    """
    await js.publish(
        rejected_subject(rejection.source, rejection.event_type),
        rejection.model_dump_json().encode(),
        stream=REJECTED_STREAM,
        headers={"Nats-Msg-Id": f"inbox-{rejection.inbox_sequence}"},
        timeout=5.0,
    )


class Ingest:
    """Run with :meth:`run` until ``stop`` is set."""

    def __init__(
        self, records: Records, vault: KeyVault, senders: Senders, js: JetStreamContext, settings: Settings
    ) -> None:
        self.records = records
        self.vault = vault
        self.senders = senders
        self.js = js
        self.settings = settings
        self.pull = OrderedPull(
            js,
            INBOX_STREAM,
            INGEST_CONSUMER,
            batch=settings.ingest_batch_size,
            timeout=settings.pull_timeout_seconds,
        )

    async def run(self, stop: asyncio.Event) -> None:
        await run_until_stopped(
            "ingest",
            self.pull,
            self.step,
            stop,
            lambda failures: backoff_seconds(failures, self.settings.retry_max_delay_seconds),
        )

    async def step(self) -> int:
        """Fetch, apply in order, acknowledge; how many messages were applied."""
        ready = await self.pull.fetch()
        for run in batches_by_size(ready):
            await self.apply(run)
        return len(ready)

    async def apply(self, messages: list[Msg]) -> None:
        """One batch in one transaction; one by one when it cannot be kept whole."""
        try:
            refusals = await anyio.to_thread.run_sync(
                record_batch, self.records, self.vault, self.senders, [Incoming.of(m) for m in messages]
            )
        except Exception:
            await self.pull.hand_back(messages)
            raise
        if refusals is None:
            await self.apply_one_by_one(messages)
            return
        for index, refusal in sorted(refusals.items()):
            await self._reject(messages[index], refusal)
        for index, message in enumerate(messages):
            if index not in refusals:
                await message.ack()
        self.pull.applied(messages[-1])

    async def apply_one_by_one(self, messages: list[Msg]) -> None:
        for position, message in enumerate(messages):
            try:
                refusal = await record(
                    self.records, self.vault, self.senders, message.subject, message.data, sequence_of(message)
                )
            except Exception:
                await self.pull.hand_back(messages[position:])
                raise
            if refusal is None:
                await message.ack()
            else:
                await self._reject(message, refusal)
            self.pull.applied(message)

    async def _reject(self, message: Msg, refusal: Refusal) -> None:
        sequence = sequence_of(message)
        await publish_rejection(self.js, rejection_of(refusal, message.subject, sequence, message.data))
        await message.term()
        log.info("INBOX #%d on %s rejected: %s", sequence, message.subject, refusal.reason)
