"""The ingest worker: a durable pull consumer on INBOX, a batch per fetch, acks after commit.

Each fetch (up to ``ingest_batch_size`` messages) is applied as one batch: every submission's
changes in submission order, saved in one transaction (``Records.batch``), then the contract
refusals are published to REJECTED, then every message is acknowledged (refused ones terminated).
If any submission of the batch breaks a rule, or the save meets another writer, nothing of the
batch is kept and its messages are applied one by one, so one bad event never holds up the others.
A transient failure (database away) stores nothing, is retried with back-off, and is never a
rejection.

Order. INBOX keeps every message (delete denied), so its sequence numbers have no gaps; this
worker applies them strictly in sequence. A message is taken only when every earlier one is
acknowledged or in the batch; one that arrives early (after a crash, a message delivered to the
dead worker comes back only after its ack wait) is handed back (nak) until the earlier ones have
been applied. One worker per INBOX consumer: scale-out partitions the subjects instead.
"""

import asyncio
import contextlib
import logging
from collections.abc import Sequence

import anyio.to_thread
import nats.errors
from nats.aio.msg import Msg
from nats.js import JetStreamContext

from contracts.rejection import RejectionKind, RejectionV1
from contracts.streams import INBOX_STREAM, INGEST_CONSUMER, REJECTED_STREAM, rejected_subject
from domain.errors import ConcurrentChange, EventIdReused, RuleViolation
from domain.records import Records, Submission
from services.ingest.commands import execute
from services.ingest.decode import Decoded, Refusal, decode
from services.ingest.rejections import rejection_of
from services.personal_data import KeyVault
from services.retry import backoff_seconds
from services.senders import Senders
from services.settings import Settings

log = logging.getLogger(__name__)

MAX_BATCH_BYTES = 2_000_000
"""A batch is saved in one statement; the library's pipelined save hangs around 12 MB (LIBRARY-NOTES §8)."""
WAIT_FOR_EARLIER_SECONDS = 0.5


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


def record_batch(
    records: Records, vault: KeyVault, senders: Senders, messages: Sequence[Msg]
) -> dict[int, Refusal] | None:
    """Store every acceptable submission of ``messages`` in one transaction; the contract refusals by index.

    None when the batch cannot be kept as a whole (a rule refused one of them, or another writer
    changed a record meanwhile): nothing was stored, apply them one by one.
    """
    refusals: dict[int, Refusal] = {}
    try:
        with records.batch():
            for index, message in enumerate(messages):
                decoded = decode(message.subject, message.data, senders)
                if isinstance(decoded, Refusal):
                    refusals[index] = decoded
                    continue
                execute(records, vault, decoded.event, submission_of(decoded, sequence_of(message)))
    except (RuleViolation, ConcurrentChange):
        return None
    return refusals


def sequence_of(message: Msg) -> int:
    return int(message.metadata.sequence.stream)


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
        self.next_sequence: int | None = None
        """The INBOX sequence to apply next; None until read from the consumer's ack floor."""
        self.failures = 0

    async def run(self, stop: asyncio.Event) -> None:
        subscription = None
        try:
            while not stop.is_set():
                try:
                    if subscription is None:
                        subscription = await self.js.pull_subscribe_bind(INGEST_CONSUMER, INBOX_STREAM)
                    await self.step(subscription)
                    self.failures = 0
                except Exception:
                    self.failures += 1
                    delay = backoff_seconds(self.failures, self.settings.retry_max_delay_seconds)
                    log.exception("ingest failed (attempt %d); retrying in %.0f s", self.failures, delay)
                    await _sleep_unless(stop, delay)
        finally:
            if subscription is not None:  # a pull subscription never drains: the connection's drain would wait 30 s
                with contextlib.suppress(Exception):
                    await subscription.unsubscribe()

    async def step(self, subscription: JetStreamContext.PullSubscription) -> int:
        """Fetch, apply in order, acknowledge; how many messages were applied."""
        try:
            fetched = await subscription.fetch(
                batch=self.settings.ingest_batch_size, timeout=self.settings.pull_timeout_seconds
            )
        except nats.errors.TimeoutError:
            return 0
        ready, early = await self.in_order(sorted(fetched, key=sequence_of))
        for message in early:
            await message.nak()  # back at once, after the earlier ones it must follow
        if not ready:
            await asyncio.sleep(WAIT_FOR_EARLIER_SECONDS)
            return 0
        for run in batches_by_size(ready):
            await self.apply(run)
        return len(ready)

    async def in_order(self, messages: list[Msg]) -> tuple[list[Msg], list[Msg]]:
        """Split into those that can be applied now (in sequence) and those that came early."""
        ready, early = self._split(messages)
        if not ready and messages:  # first fetch, or acknowledgements moved on meanwhile: ask the server
            ready, early = self._split(messages, await self._ack_floor() + 1)
        return ready, early

    def _split(self, messages: list[Msg], expected: int | None = None) -> tuple[list[Msg], list[Msg]]:
        expected = expected if expected is not None else self.next_sequence
        if expected is None:
            return [], messages
        ready: list[Msg] = []
        for message in messages:
            sequence = sequence_of(message)
            if sequence > expected:
                break
            ready.append(message)  # below ``expected``: applied before, its ack lost; the receipt knows it
            expected = max(expected, sequence + 1)
        return ready, messages[len(ready) :]

    async def _ack_floor(self) -> int:
        info = await self.js.consumer_info(INBOX_STREAM, INGEST_CONSUMER)
        return int(info.ack_floor.stream_seq if info.ack_floor else 0)

    async def apply(self, messages: list[Msg]) -> None:
        """One batch in one transaction; one by one when it cannot be kept whole."""
        try:
            refusals = await anyio.to_thread.run_sync(
                record_batch, self.records, self.vault, self.senders, list(messages)
            )
        except Exception:
            await self._hand_back(messages)
            raise
        if refusals is None:
            await self.apply_one_by_one(messages)
            return
        for index, refusal in sorted(refusals.items()):
            await self._reject(messages[index], refusal)
        for index, message in enumerate(messages):
            if index not in refusals:
                await message.ack()
        self.next_sequence = sequence_of(messages[-1]) + 1

    async def apply_one_by_one(self, messages: list[Msg]) -> None:
        for position, message in enumerate(messages):
            sequence = sequence_of(message)
            try:
                refusal = await record(self.records, self.vault, self.senders, message.subject, message.data, sequence)
            except Exception:
                await self._hand_back(messages[position:])
                raise
            if refusal is None:
                await message.ack()
            else:
                await self._reject(message, refusal)
            self.next_sequence = sequence + 1

    async def _reject(self, message: Msg, refusal: Refusal) -> None:
        sequence = sequence_of(message)
        await publish_rejection(self.js, rejection_of(refusal, message.subject, sequence, message.data))
        await message.term()
        self.next_sequence = sequence + 1
        log.info("INBOX #%d on %s rejected: %s", sequence, message.subject, refusal.reason)

    async def _hand_back(self, messages: Sequence[Msg]) -> None:
        """Nothing of these was stored: give them back, to come again, in order, after the back-off."""
        if messages:
            self.next_sequence = sequence_of(messages[0])
        for message in messages:
            with contextlib.suppress(Exception):
                await message.nak()


async def _sleep_unless(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)
