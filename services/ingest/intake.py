"""Intake: every sender's own stream, moved into INBOX in the order the submissions arrived.

JetStream de-duplicates ``Nats-Msg-Id`` per stream. With every sender publishing into INBOX, one
sender could publish junk under the (predictable) event id another is about to use and make the
real event a "duplicate": its sender would be told it was stored, and it never would be. So each
sender's account maps its ``asn.in.<source>.>`` onto ``asn.submit.<source>.>`` in Jejak's account,
captured by a stream of its own, ``SUBMIT-<source>``: a sender's ids can collide only with its
own. Nothing here reads a header a sender wrote; who sent a submission is the stream it is in.

Intake moves those streams into INBOX, the one ordered log ingest applies:

- **In arrival order.** A submission is moved only once no other sender's stream can still hold an
  earlier one: each other stream either has its next submission waiting here (its arrival time is
  known) or the server reported it caught up at a moment after this one arrived (``ts`` of stream
  info, the server's own clock, like the arrival times). So an event acknowledged before another
  sender published one that depends on it (a registration before the training) is in INBOX first,
  exactly as when every sender published into INBOX.
- **Exactly once.** A round's moves are one atomic batch (INBOX allows them): stored all, in
  order, or none, with one fsync; so INBOX holds a prefix of what intake decided. Each carries
  ``Nats-Msg-Id: submit/<source>/<seq>`` (a second intake by mistake is refused as a duplicate)
  and ``Jejak-Submission: <source> <seq>``. After each round the positions are kept in the
  key-value bucket ``jejak-intake`` with INBOX's last sequence; on start they are read back and
  INBOX after that sequence is read (headers only) to count the moves made after the last keep.
- Headers a sender set are not carried: ingest reads the body and the subject. Intake adds two:
  ``Jejak-Received-At``, when the sender's stream stored the submission (no fact in it may be dated
  later), and ``Jejak-Submission``, whose sequence is the one the sender's PubAck named, so that a
  rejection can name it too.
"""

import asyncio
import contextlib
import json
import logging
import re
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import KeyNotFoundError

from contracts.streams import (
    INBOX_STREAM,
    INBOX_SUBJECTS,
    INTAKE_BUCKET,
    SUBMISSIONS_SUBJECTS,
    inbox_subject_of_submission,
    submission_stream,
    submission_subjects_of,
)
from projections.ordered_pull import pending_of, sequence_of, sleep_unless, stored_ns_of
from services.retry import backoff_seconds

log = logging.getLogger(__name__)

SUBMISSION_HEADER = "Jejak-Submission"
"""``<source> <sequence in SUBMIT-<source>>``: which sender's submission this is, as its PubAck named it."""
RECEIVED_AT_HEADER = "Jejak-Received-At"
"""When the sender's stream stored the submission (ISO 8601, UTC): the time Jejak received it."""
POSITIONS_KEY = "positions"
FETCH_BATCH = 100
MAX_BATCH = 1000
"""Submissions moved in one atomic batch at most (nats-server's limit)."""
"""Submissions taken from one sender's stream at a time (what intake holds per sender at most)."""
ACK_TIMEOUT = 5.0
READER_IDLE_SECONDS = 600.0
"""A reader unused for longer is made anew (the server deletes it after twice as long)."""
_RFC3339 = re.compile(r"^(?P<head>[^.]+?)(?:\.(?P<fraction>\d+))?(?P<zone>Z|[+-]\d\d:\d\d)$")


def nanoseconds_of(stamp: str) -> int:
    """Nanoseconds since the epoch of an RFC 3339 time as nats-server writes it (nine decimals)."""
    match = _RFC3339.match(stamp)
    if match is None:
        raise ValueError(f"not an RFC 3339 time: {stamp!r}")
    zone = "+00:00" if match["zone"] == "Z" else match["zone"]
    whole = datetime.fromisoformat(match["head"] + zone)
    fraction = (match["fraction"] or "")[:9].ljust(9, "0")
    return int(whole.timestamp()) * 1_000_000_000 + int(fraction)


def moved_submission_of(headers: dict[str, str] | None) -> tuple[str, int] | None:
    """``(source, sequence)`` of a message intake moved into INBOX; None for any other message."""
    value = (headers or {}).get(SUBMISSION_HEADER)
    if value is None:
        return None
    source, _, sequence = value.partition(" ")
    return (source, int(sequence)) if sequence.isdigit() else None


def received_at_of(headers: dict[str, str] | None) -> datetime | None:
    value = (headers or {}).get(RECEIVED_AT_HEADER)
    return datetime.fromisoformat(value) if value else None


@dataclass
class SenderStream:
    """What intake knows of one sender's stream."""

    source: str
    position: int = 0
    """The last sequence moved into INBOX."""
    fetched: int = 0
    """The last sequence taken from the stream (moved, or waiting in ``waiting``)."""
    last_seq: int = 0
    """The stream's last sequence when the server was last asked ..."""
    seen_ns: int = 0
    """... and the server's time then: nothing stored in it later can have arrived earlier."""
    waiting: deque[Msg] = field(default_factory=deque)
    reader: Any = None
    consumer: str | None = None
    """The name of ``reader``'s consumer (ephemeral: intake deletes it when it stops reading)."""
    read_at: float = 0.0
    """When ``reader`` was last used (monotonic): the server forgets an idle ephemeral consumer."""

    @property
    def stream(self) -> str:
        return submission_stream(self.source)

    def may_hold_earlier_than(self, arrived_ns: int) -> bool:
        """Could this stream still hold a submission that arrived before ``arrived_ns`` and is not here?"""
        if self.waiting:
            return False  # its next submission is here, and the earliest one is moved first
        return self.last_seq > self.fetched or self.seen_ns < arrived_ns


class Intake:
    """Run with :meth:`run` until ``stop`` is set; one intake per INBOX."""

    def __init__(self, connection: Client, sources: list[str], *, poll_seconds: float = 1.0) -> None:
        self.connection = connection
        self.js: JetStreamContext = connection.jetstream()
        self.senders = [SenderStream(source) for source in sources]
        self._skipped = False
        """A sender's position moved past deleted submissions this round: keep it even if nothing moved."""
        self.poll_seconds = poll_seconds
        self.inbox_last = 0
        self._wake = asyncio.Event()
        self._wake_subscription: Any = None
        self._kv: Any = None
        self._unprovisioned: set[str] = set()

    async def run(self, stop: asyncio.Event, max_delay: float = 60.0) -> None:
        if not self.senders:
            return
        failures = 0
        self._wake_subscription = await self.connection.subscribe(SUBMISSIONS_SUBJECTS, cb=self._woken)
        try:
            while not stop.is_set():
                try:
                    await self.recover()
                    while not stop.is_set():
                        if await self.step() == 0 and self.idle():
                            await self.wait_for_more(stop)
                        failures = 0
                except Exception:
                    failures += 1
                    delay = backoff_seconds(failures, max_delay)
                    log.exception("intake stopped; recovering in %.0f s", delay)
                    await sleep_unless(stop, delay)
                finally:
                    await self._close_readers()
        finally:
            with contextlib.suppress(Exception):
                await self._wake_subscription.unsubscribe()

    async def _woken(self, _: Msg) -> None:
        self._wake.set()

    def idle(self) -> bool:
        return all(not s.waiting and s.last_seq <= s.fetched for s in self.senders)

    async def wait_for_more(self, stop: asyncio.Event) -> None:
        """Until a submission arrives (a plain subscription sees each), ``poll_seconds`` pass, or stop."""
        woken = asyncio.ensure_future(self._wake.wait())
        stopped = asyncio.ensure_future(stop.wait())
        await asyncio.wait({woken, stopped}, timeout=self.poll_seconds, return_when=asyncio.FIRST_COMPLETED)
        for waiting in (woken, stopped):
            waiting.cancel()
        await asyncio.gather(woken, stopped, return_exceptions=True)

    async def recover(self) -> None:
        """Positions from the last keep, advanced by the moves INBOX holds after it; readers from there."""
        await self._close_readers()
        kv = await self.js.key_value(INTAKE_BUCKET)  # missing: not provisioned, and said so by the error
        try:
            entry = await kv.get(POSITIONS_KEY)
            kept = json.loads(entry.value or b"{}")
        except KeyNotFoundError:
            kept = None
        self._kv = kv
        await self._look_all()
        self.inbox_last = (await self.js.stream_info(INBOX_STREAM)).state.last_seq
        positions: dict[str, int] = dict(kept["positions"]) if kept else {}
        if kept is not None:
            scan_from = int(kept["inbox_sequence"]) + 1
        elif any(sender.last_seq for sender in self.senders):
            scan_from = 1  # the keep is lost but senders' streams are not empty: read all of INBOX's headers
        else:
            scan_from = self.inbox_last + 1  # nothing submitted through intake yet
        if scan_from <= self.inbox_last:
            await self._read_moves(scan_from, positions)
        for sender in self.senders:
            sender.position = sender.fetched = positions.get(sender.source, 0)
            sender.waiting.clear()
        await self._keep()

    def _skip_deleted(self, sender: SenderStream, listed_last: int) -> None:
        """The stream listed submissions up to ``listed_last`` and its reader has none of them to deliver:
        they were deleted (settled ones with personal data are, ``services.ingest.forget``), so they were
        moved before; only a restart from an older position meets them. Nothing is waiting (``_fetch``
        is called only then), so the position moves past them too, and is kept this round."""
        sender.position = sender.fetched = max(sender.fetched, listed_last)
        self._skipped = True

    async def _open_reader(self, sender: SenderStream) -> int:
        """An ephemeral consumer on the sender's stream from the next submission not taken yet; how many
        submissions it has to deliver."""
        await self._close_reader(sender)
        info = await self.js.add_consumer(
            sender.stream,
            ConsumerConfig(
                filter_subject=submission_subjects_of(sender.source),
                deliver_policy=DeliverPolicy.BY_START_SEQUENCE,
                opt_start_seq=sender.fetched + 1,
                ack_policy=AckPolicy.NONE,
                inactive_threshold=READER_IDLE_SECONDS * 2,
                mem_storage=True,
            ),
        )
        sender.consumer = info.name
        sender.reader = await self.js.pull_subscribe_bind(durable=info.name, stream=sender.stream)
        sender.read_at = time.monotonic()
        return int(info.num_pending or 0)

    async def _read_moves(self, start: int, positions: dict[str, int]) -> None:
        """Advance ``positions`` by every moved submission INBOX holds from sequence ``start`` on."""
        reader = await self.js.pull_subscribe(
            INBOX_SUBJECTS,
            stream=INBOX_STREAM,
            config=ConsumerConfig(
                deliver_policy=DeliverPolicy.BY_START_SEQUENCE,
                opt_start_seq=start,
                ack_policy=AckPolicy.NONE,
                headers_only=True,
                mem_storage=True,
                inactive_threshold=30.0,
            ),
        )
        try:
            read_to = start - 1
            if (await reader.consumer_info()).num_pending == 0:
                return  # all of it deleted (settled submissions with personal data)
            while read_to < self.inbox_last:
                try:
                    messages = await reader.fetch(1000, timeout=ACK_TIMEOUT)
                except TimeoutError:
                    break  # the rest up to inbox_last was deleted (settled submissions with personal data)
                for message in messages:
                    read_to = sequence_of(message)
                    moved = moved_submission_of(message.headers)
                    if moved is not None:
                        positions[moved[0]] = max(positions.get(moved[0], 0), moved[1])
                if messages and pending_of(messages[-1]) == 0:
                    break
        finally:
            with contextlib.suppress(Exception):
                await reader.unsubscribe()

    async def step(self) -> int:
        """Look at every sender's stream, take what is new, move what is safe to move; how many moved."""
        self._wake.clear()  # a submission arriving from now on wakes the next wait
        await self._look_all()
        for sender in self.senders:
            if not sender.waiting and sender.last_seq > sender.fetched:
                await self._fetch(sender)
        moves: list[tuple[SenderStream, Msg]] = []
        while len(moves) < MAX_BATCH:
            ready = [sender for sender in self.senders if sender.waiting]
            if not ready:
                break
            first = min(ready, key=lambda sender: stored_ns_of(sender.waiting[0]))
            arrived = stored_ns_of(first.waiting[0])
            if any(other.may_hold_earlier_than(arrived) for other in self.senders if other is not first):
                break  # look again: the next round knows more
            moves.append((first, first.waiting.popleft()))
        if moves:
            await self._move(moves)
        if moves or self._skipped:
            await self._keep()
            self._skipped = False
        return len(moves)

    async def _look_all(self) -> None:
        """Every sender's stream's last sequence, with the server's time, from one listing.

        One request for all of them (nats-py's stream info drops the time, and asking each stream
        in turn cost more than moving the submissions).
        """
        found: dict[str, dict[str, Any]] = {}
        while True:
            request = {"subject": SUBMISSIONS_SUBJECTS, "offset": len(found)}
            reply = await self.connection.request("$JS.API.STREAM.LIST", json.dumps(request).encode(), ACK_TIMEOUT)
            listing = json.loads(reply.data)
            if "error" in listing:
                raise RuntimeError(f"cannot list the senders' streams: {listing['error'].get('description')}")
            streams = listing.get("streams") or []
            found.update({str(info["config"]["name"]): info for info in streams})
            if not streams or len(found) >= int(listing.get("total", 0)):
                break
        listed_at = max((nanoseconds_of(info["ts"]) for info in found.values()), default=time.time_ns())
        for sender in self.senders:
            info = found.get(sender.stream)
            if info is None:  # in the sender map but not provisioned: it cannot hold anything, and says so
                if sender.source not in self._unprovisioned:
                    log.warning("no stream %s for sender %s: run `jejak provision`", sender.stream, sender.source)
                    self._unprovisioned.add(sender.source)
                sender.last_seq, sender.seen_ns = sender.fetched, listed_at
                continue
            sender.last_seq = int(info["state"]["last_seq"])
            sender.seen_ns = nanoseconds_of(info["ts"])

    async def _fetch(self, sender: SenderStream) -> None:
        listed_last = sender.last_seq
        stale = sender.reader is None or time.monotonic() - sender.read_at > READER_IDLE_SECONDS
        if stale and await self._open_reader(sender) == 0:
            self._skip_deleted(sender, listed_last)
            return
        try:
            messages = await sender.reader.fetch(FETCH_BATCH, timeout=ACK_TIMEOUT)
        except TimeoutError:
            info = await sender.reader.consumer_info()
            if info.num_pending == 0 and int(info.delivered.stream_seq or 0) <= sender.fetched:
                self._skip_deleted(sender, listed_last)
            return
        sender.read_at = time.monotonic()
        for message in messages:
            sequence = sequence_of(message)
            if sequence <= sender.fetched:  # a gap is a deleted submission; going back would move one twice
                raise RuntimeError(f"{sender.stream}: expected #{sender.fetched + 1} or later, got #{sequence}")
            sender.fetched = sequence
            sender.waiting.append(message)

    async def _move(self, moves: list[tuple[SenderStream, Msg]]) -> None:
        """Publish ``moves`` into INBOX as one atomic batch: all stored, in this order, or none (one fsync).

        A failure leaves INBOX as it was or holding the whole batch; ``recover`` reads which.
        """
        batch = uuid.uuid4().hex
        for number, (sender, message) in enumerate(moves, start=1):
            sequence = sequence_of(message)
            received = datetime.fromtimestamp(stored_ns_of(message) / 1e9, UTC)
            headers = {
                "Nats-Msg-Id": f"submit/{sender.source}/{sequence}",
                SUBMISSION_HEADER: f"{sender.source} {sequence}",
                RECEIVED_AT_HEADER: received.isoformat(),
                "Nats-Batch-Id": batch,
                "Nats-Batch-Sequence": str(number),
            }
            subject = inbox_subject_of_submission(message.subject)
            if number < len(moves):
                await self.connection.publish(subject, message.data, headers=headers)
                continue
            headers["Nats-Batch-Commit"] = "1"
            reply = await self.connection.request(
                subject, message.data, timeout=ACK_TIMEOUT + len(moves) / 100, headers=headers
            )
            ack = json.loads(reply.data)
            if "error" in ack or ack.get("stream") != INBOX_STREAM:
                raise RuntimeError(f"INBOX refused {len(moves)} submission(s): {ack.get('error', ack)}")
            self.inbox_last = max(self.inbox_last, int(ack["seq"]))
        for sender, message in moves:
            sender.position = sequence_of(message)

    async def _keep(self) -> None:
        if self._kv is None:
            self._kv = await self.js.key_value(INTAKE_BUCKET)
        kv = self._kv
        positions = {sender.source: sender.position for sender in self.senders if sender.position}
        kept = {"inbox_sequence": self.inbox_last, "positions": positions}
        await kv.put(POSITIONS_KEY, json.dumps(kept).encode())

    async def _close_readers(self) -> None:
        for sender in self.senders:
            await self._close_reader(sender)

    async def _close_reader(self, sender: SenderStream) -> None:
        if sender.reader is not None:
            with contextlib.suppress(Exception):
                await sender.reader.unsubscribe()
            sender.reader = None
        if sender.consumer is not None:
            with contextlib.suppress(Exception):
                await self.js.delete_consumer(sender.stream, sender.consumer)
            sender.consumer = None


async def intake_behind(js: JetStreamContext, sources: list[str] | None = None) -> int:
    """Submissions in senders' streams not yet moved into INBOX, by the last keep (0 when none are waiting).

    ``sources``: the senders to count; None counts every ``SUBMIT-`` stream there is.
    """
    try:
        entry = await (await js.key_value(INTAKE_BUCKET)).get(POSITIONS_KEY)
        positions: dict[str, int] = json.loads(entry.value or b"{}").get("positions", {})
    except KeyNotFoundError:
        positions = {}
    if sources is None:
        prefix = submission_stream("")
        streams = [info for info in await js.streams_info() if info.config.name and info.config.name.startswith(prefix)]
        last = {str(info.config.name).removeprefix(prefix): info.state.last_seq for info in streams}
    else:
        last = {source: (await js.stream_info(submission_stream(source))).state.last_seq for source in sources}
    return sum(max(0, seq - positions.get(source, 0)) for source, seq in last.items())
