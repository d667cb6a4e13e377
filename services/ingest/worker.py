"""The ingest worker: a durable pull consumer on INBOX, a batch per fetch, acks after commit.

Each fetch (up to ``ingest_batch_size`` messages) is applied as one batch: every submission's
changes in submission order, saved in one transaction (``Records.batch``), then the contract
refusals are published to REJECTED, then every message is acknowledged (refused ones terminated);
one that may hold a complainant's personal data is deleted from NATS before its ack
(``services.ingest.forget``).
If any submission of the batch breaks a rule, or the save meets another writer, nothing of the
batch is kept and its messages are applied one by one, so one bad event never holds up the others.
A transient failure (database away) stores nothing, is retried with back-off, and is never a
rejection. Nothing a sender sends stops ingest: a body beyond the bounds, or one whose reading
raises anything at all, is refused; a submission that fails for a fault of our own (neither a rule
nor transient, ``services.ingest.faults``) is tried ``park_after_attempts`` times, then parked
(``services.ingest.parking``), and the ones after it go on.

Order: INBOX sequence numbers are applied strictly in order (``projections.ordered_pull``); a
message that arrives early (after a crash, one delivered to the dead worker comes back only after
its ack wait) is handed back until the earlier ones have been applied.
"""

import asyncio
import functools
import hashlib
import logging
from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple

import anyio.to_thread
from nats.aio.msg import Msg
from nats.js import JetStreamContext

from contracts.limits import DEFAULT_LIMITS, BodyLimits
from contracts.rejection import RejectionKind, RejectionV1
from contracts.streams import INBOX_STREAM, INGEST_CONSUMER, REJECTED_STREAM, parse_inbox_subject, rejected_subject
from domain.errors import ConcurrentChange, EventIdReused, RuleViolation
from domain.records import Records, Submission
from projections.ordered_pull import OrderedPull, run_until_stopped, sequence_of, stored_at_of
from services.ingest.commands import execute
from services.ingest.decode import Decoded, Refusal, decode, event_id_of
from services.ingest.faults import is_transient
from services.ingest.forget import erasure_of, forget_settled, forget_stored
from services.ingest.intake import Intake, moved_submission_of, received_at_of
from services.ingest.lookup import look_up_batch
from services.ingest.parking import ParkedSubmissions, error_line
from services.ingest.rejections import rejection_of
from services.personal_data import KeyVault
from services.retry import backoff_seconds
from services.senders import Senders
from services.settings import Settings

log = logging.getLogger(__name__)

MAX_BATCH_BYTES = 2_000_000
"""A batch is saved in one statement; the library's pipelined save hangs around 12 MB (LIBRARY-NOTES §8)."""


PARKED_NOTICE = (
    "Jejak could not apply this submission because of a fault of its own; it is kept and will be applied after "
    "a fix. Do not send it again."
)
"""What the sender of a parked submission reads on REJECTED (kind ``parked``)."""


def refusal_for(violation: RuleViolation, decoded: Decoded) -> Refusal:
    kind = RejectionKind.CONFLICT if isinstance(violation, EventIdReused) else RejectionKind.RULE
    event = decoded.event
    return Refusal(kind, violation.message, event.source, event.event_type, event.event_id, rule=violation.rule)


def submission_of(decoded: Decoded, message: "Incoming") -> Submission:
    event = decoded.event
    return Submission(
        event.source, event.event_id, event.event_type, message.inbox_sequence, decoded.content_sha256,
        message.received_at, hashlib.sha256(message.body).hexdigest(),
    )  # fmt: skip


class Incoming(NamedTuple):
    """What ingest needs of one INBOX message."""

    subject: str
    body: bytes
    inbox_sequence: int
    received_at: datetime | None = None
    """INBOX's timestamp of the message: no fact in it may be dated later (plus the policy's tolerance)."""

    submission_sequence: int | None = None
    """The sequence its sender's PubAck named (in ``SUBMIT-<source>``); None when published into INBOX directly."""

    @classmethod
    def of(cls, message: Msg) -> "Incoming":
        moved = moved_submission_of(message.headers)
        received_at = received_at_of(message.headers) or stored_at_of(message)
        return cls(message.subject, message.data, sequence_of(message), received_at, moved[1] if moved else None)


def record_one(
    records: Records, vault: KeyVault, senders: Senders, message: Incoming, limits: BodyLimits = DEFAULT_LIMITS
) -> Refusal | None:
    """Store one submission in its own transaction, or return why it is refused (other errors propagate)."""
    decoded = decode(message.subject, message.body, senders, limits)
    if isinstance(decoded, Refusal):
        return decoded
    try:
        execute(records, vault, decoded.event, submission_of(decoded, message), stewards=senders.stewards)
    except RuleViolation as violation:
        return refusal_for(violation, decoded)
    return None


def record_batch(
    records: Records,
    vault: KeyVault,
    senders: Senders,
    messages: Sequence[Incoming],
    limits: BodyLimits = DEFAULT_LIMITS,
) -> dict[int, Refusal] | None:
    """Store every acceptable submission of ``messages`` in one transaction; the contract refusals by index.

    None when the batch cannot be kept as a whole (a rule refused one of them, another writer
    changed a record meanwhile, or one of them met a fault of ours): nothing was stored, apply them
    one by one, which finds the one at fault. A transient failure propagates: retry the batch later.
    """
    refusals: dict[int, Refusal] = {}
    accepted: dict[int, Decoded] = {}
    for index, message in enumerate(messages):
        decoded = decode(message.subject, message.body, senders, limits)
        if isinstance(decoded, Refusal):
            refusals[index] = decoded
        else:
            accepted[index] = decoded
    try:
        lookup = look_up_batch(records, accepted.values())
        with records.batch(absent=lookup.absent, found=lookup.found):
            for index, decoded in accepted.items():
                execute(
                    records, vault, decoded.event, submission_of(decoded, messages[index]), stewards=senders.stewards
                )
    except (RuleViolation, ConcurrentChange):
        return None
    except Exception as error:
        if is_transient(error):
            raise
        log.warning("a batch of %d met a fault (%s); applying them one by one", len(messages), error_line(error))
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
        self, records: Records, vault: KeyVault, senders: Senders, js: JetStreamContext, settings: Settings,
        parked: ParkedSubmissions, intake: Intake | None = None,
    ) -> None:  # fmt: skip
        self.records = records
        self.vault = vault
        self.senders = senders
        self.js = js
        self.settings = settings
        self.parked = parked
        self.intake = intake
        """Moves the senders' own streams into INBOX; run beside ingest (None: INBOX is fed otherwise)."""
        self.limits = settings.body_limits()
        self.faults: dict[int, int] = {}
        """Tries so far of each INBOX sequence that failed for a fault of ours (forgotten once it is settled)."""
        self.pull = OrderedPull(
            js,
            INBOX_STREAM,
            INGEST_CONSUMER,
            batch=settings.ingest_batch_size,
            timeout=settings.pull_timeout_seconds,
        )

    async def run(self, stop: asyncio.Event) -> None:
        backoff = functools.partial(backoff_seconds, ceiling=self.settings.retry_max_delay_seconds)
        applying = run_until_stopped("ingest", self.pull, self.step, stop, backoff)
        if self.intake is None:
            await applying
            return
        await asyncio.gather(applying, self.intake.run(stop, self.settings.retry_max_delay_seconds))

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
                record_batch, self.records, self.vault, self.senders, [Incoming.of(m) for m in messages], self.limits
            )
        except Exception:
            await self.pull.hand_back(messages)
            raise
        if refusals is None:
            await self.apply_one_by_one(messages)
            return
        for index, message in enumerate(messages):
            try:
                await self._settle(message, refusals.get(index))
            except Exception:
                await self.pull.hand_back(messages[index:])
                raise
        self.pull.applied(messages[-1])

    async def apply_one_by_one(self, messages: list[Msg]) -> None:
        for position, message in enumerate(messages):
            incoming = Incoming.of(message)
            try:
                refusal = await anyio.to_thread.run_sync(
                    record_one, self.records, self.vault, self.senders, incoming, self.limits
                )
            except Exception as error:
                if is_transient(error) or not self._tried_enough(incoming.inbox_sequence):
                    await self.pull.hand_back(messages[position:])
                    raise
                try:
                    await self._park(message, error)
                except Exception:  # parking needs the database and NATS: retried like any other step
                    await self.pull.hand_back(messages[position:])
                    raise
                self.pull.applied(message)
                continue
            self.faults.pop(incoming.inbox_sequence, None)
            try:
                await self._settle(message, refusal)
            except Exception:
                await self.pull.hand_back(messages[position:])
                raise
            self.pull.applied(message)

    def _tried_enough(self, inbox_sequence: int) -> bool:
        """Count one more try that failed for a fault of ours; True once it is time to park it."""
        tries = self.faults[inbox_sequence] = self.faults.get(inbox_sequence, 0) + 1
        return tries >= self.settings.park_after_attempts

    async def _park(self, message: Msg, error: BaseException) -> None:
        """Keep it aside with the error, tell its sender it is kept (not refused), and move on."""
        sequence = sequence_of(message)
        attempts = self.faults[sequence]
        address = parse_inbox_subject(message.subject)
        source, event_type = (address.source, address.event_type) if address else (None, None)
        event_id, line = event_id_of(message.data), error_line(error)
        await anyio.to_thread.run_sync(
            functools.partial(
                self.parked.park, inbox_sequence=sequence, subject=message.subject, source=source,
                event_type=event_type, event_id=event_id, original=message.data, error=line, attempts=attempts,
            )
        )  # fmt: skip
        notice = Refusal(RejectionKind.PARKED, PARKED_NOTICE, source, event_type, event_id)
        await self._reject(message, notice)
        del self.faults[sequence]
        log.error("INBOX #%d on %s parked after %d tries: %s", sequence, message.subject, attempts, line)

    async def _settle(self, message: Msg, refusal: Refusal | None) -> None:
        """Acknowledge a stored submission or refuse it; either way it is settled, and one that may hold a
        complainant's personal data is then deleted from NATS (``services.ingest.forget``): after the refusal
        is published, so a crash between the two leaves it to be delivered and refused again."""
        if refusal is not None:
            await self._publish_refusal(message, refusal)
        elif (erased := erasure_of(message)) is not None:
            await self._erase_parked_mentions(message, reference=erased[1])
        await forget_settled(self.js, message)
        if refusal is None:
            await message.ack()
        else:
            await message.term()

    async def _erase_parked_mentions(self, message: Msg, reference: str) -> None:
        """A stored erasure also wipes the parked submissions that name the person, here and on NATS."""
        sequences = await anyio.to_thread.run_sync(self.parked.erase_mentions, reference, sequence_of(message))
        for sequence in sequences:
            await forget_stored(self.js, sequence)

    async def _reject(self, message: Msg, refusal: Refusal) -> None:
        await self._publish_refusal(message, refusal)
        await message.term()

    async def _publish_refusal(self, message: Msg, refusal: Refusal) -> None:
        incoming = Incoming.of(message)
        sequence = incoming.inbox_sequence
        rejection = rejection_of(
            refusal, message.subject, sequence, message.data, self.settings.rejection_original_max_bytes,
            incoming.submission_sequence,
        )  # fmt: skip
        await publish_rejection(self.js, rejection)
        log.info("INBOX #%d on %s rejected: %s", sequence, message.subject, refusal.reason)
