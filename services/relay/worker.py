"""Tail the notification log and publish each notification to EVENTS, waiting for every ack.

``Nats-Msg-Id`` is the notification id, so a republish inside the window is a duplicate; the
position is recovered from the last message on EVENTS, so a restart continues where it stopped;
``Nats-Expected-Last-Msg-Id`` makes a relay that lost its place fail loudly instead of skipping;
a relay behind the stream only produces duplicates, which the window drops.
"""

import asyncio
import contextlib
import logging
from typing import cast

import anyio.to_thread
from eventsourcing.persistence import Notification
from eventsourcing.postgres import PostgresApplicationRecorder
from nats.js import JetStreamContext
from nats.js.errors import APIError

from contracts.outbound import CONTENT_HASH_HEADER, HASH_HEADER, POSITION_HEADER, PREV_HASH_HEADER
from contracts.streams import EVENTS_STREAM
from domain.records import Records
from services.audit.offline import content_digest
from services.relay.translate import envelope_of, subject_of
from services.retry import backoff_seconds

log = logging.getLogger(__name__)

WRONG_LAST_MSG_ID = 10070


async def last_relayed_position(js: JetStreamContext) -> int:
    """The notification id of the last message on EVENTS; 0 when the stream is empty."""
    info = await js.stream_info(EVENTS_STREAM)
    if info.state.last_seq == 0:
        return 0
    message = await js.get_msg(EVENTS_STREAM, seq=info.state.last_seq)
    return int((message.headers or {})["Nats-Msg-Id"])


class Relay:
    """One relay per store; run it with :meth:`run` until ``stop`` is set."""

    def __init__(self, records: Records, js: JetStreamContext, *, batch_size: int, poll_seconds: float) -> None:
        self.records = records
        self.js = js
        self.batch_size = batch_size
        self.poll_seconds = poll_seconds
        self.position = 0

    async def run(self, stop: asyncio.Event, max_delay: float = 60.0) -> None:
        failures = 0
        while not stop.is_set():
            try:
                self.position = await last_relayed_position(self.js)
                while not stop.is_set():
                    if await self.relay_batch() == 0:
                        await _sleep_unless(stop, self.poll_seconds)
                    failures = 0
            except Exception:
                failures += 1
                delay = backoff_seconds(failures, max_delay)
                log.exception("relay stopped at position %d; recovering in %.0f s", self.position, delay)
                await _sleep_unless(stop, delay)

    def _next_batch(self) -> tuple[list[Notification], dict[int, tuple[bytes, bytes]]]:
        """The next notifications and their chain links (read after them: committed rows only)."""
        notifications = list(self.records.recorder.select_notifications(start=self.position + 1, limit=self.batch_size))
        if not notifications:
            return [], {}
        recorder = cast(PostgresApplicationRecorder, self.records.recorder)
        with recorder.datastore.transaction(commit=False) as cursor:
            cursor.execute(
                "SELECT notification_id, prev_hash, hash FROM public.jejak_events "
                "WHERE notification_id BETWEEN %s AND %s",
                (notifications[0].id, notifications[-1].id),
            )
            links = {row["notification_id"]: (row["prev_hash"], row["hash"]) for row in cursor.fetchall()}
        if any(prev is None or chain is None for prev, chain in links.values()):
            raise RuntimeError("stored events without their hash chain: run `jejak provision` (it chains them)")
        return notifications, {position: (bytes(prev), bytes(chain)) for position, (prev, chain) in links.items()}

    async def relay_batch(self) -> int:
        """Publish the next notifications after ``position``; return how many were published."""
        notifications, links = await anyio.to_thread.run_sync(self._next_batch)
        for notification in notifications:
            envelope = envelope_of(self.records, notification)
            prev_hash, chain_hash = links[notification.id]
            content = content_digest(
                notification.originator_id,  # type: ignore[arg-type]
                notification.originator_version,
                notification.topic,
                notification.state,
            )
            headers = {
                "Nats-Msg-Id": str(notification.id),
                POSITION_HEADER: str(notification.id),
                PREV_HASH_HEADER: prev_hash.hex(),
                CONTENT_HASH_HEADER: content.hex(),
                HASH_HEADER: chain_hash.hex(),
            }
            if self.position:
                headers["Nats-Expected-Last-Msg-Id"] = str(self.position)
            try:
                await self.js.publish(
                    subject_of(envelope),
                    envelope.model_dump_json().encode(),
                    stream=EVENTS_STREAM,
                    headers=headers,
                    timeout=5.0,
                )
            except APIError as error:
                if error.err_code == WRONG_LAST_MSG_ID:
                    raise RuntimeError(
                        f"EVENTS does not end where this relay thinks (at {self.position}): "
                        "is a second relay running? Restarting recovers the position from the stream."
                    ) from error
                raise
            self.position = notification.id
        return len(notifications)


async def _sleep_unless(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)
