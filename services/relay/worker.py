"""Tail the notification log and publish each notification to EVENTS, waiting for every ack.

``Nats-Msg-Id`` is the notification id, so a republish inside the window is a duplicate; the
position is recovered from the last message on EVENTS, so a restart continues where it stopped;
``Nats-Expected-Last-Msg-Id`` makes a relay that lost its place fail loudly instead of skipping;
a relay behind the stream only produces duplicates, which the window drops.
"""

import asyncio
import contextlib
import logging
from collections.abc import AsyncGenerator
from typing import Any, cast

import anyio.to_thread
from eventsourcing.persistence import Notification
from eventsourcing.postgres import PostgresApplicationRecorder
from nats.js import JetStreamContext
from nats.js.errors import APIError
from psycopg import AsyncConnection, sql

from contracts.outbound import CONTENT_HASH_HEADER, HASH_HEADER, POSITION_HEADER, PREV_HASH_HEADER
from contracts.streams import EVENTS_STREAM
from domain.records import Records
from projections.ordered_pull import sleep_unless
from services.audit.offline import content_digest
from services.relay.translate import envelope_of, subject_of
from services.retry import backoff_seconds

log = logging.getLogger(__name__)

WRONG_LAST_MSG_ID = 10070
ACK_TIMEOUT = 5.0


async def last_relayed_position(js: JetStreamContext) -> int:
    """The notification id of the last message on EVENTS; 0 when the stream is empty."""
    info = await js.stream_info(EVENTS_STREAM)
    if info.state.last_seq == 0:
        return 0
    message = await js.get_msg(EVENTS_STREAM, seq=info.state.last_seq)
    return int((message.headers or {})["Nats-Msg-Id"])


async def _next(notifications: AsyncGenerator[Any, None]) -> None:
    """Wait for one notification, or for the generator to end (its timeout); then close it at once.

    Closed explicitly: psycopg's generator holds the connection's lock until it is closed.
    """
    async with contextlib.aclosing(notifications) as waiting:
        async for _ in waiting:
            return


class Relay:
    """One relay per store; run it with :meth:`run` until ``stop`` is set."""

    def __init__(
        self,
        records: Records,
        js: JetStreamContext,
        *,
        batch_size: int,
        poll_seconds: float,
        wake_url: str | None = None,
    ) -> None:
        self.records = records
        self.js = js
        self.batch_size = batch_size
        self.poll_seconds = poll_seconds
        self.wake_url = wake_url
        """Where to LISTEN for the store's insert notifications; None: poll only."""
        self.position = 0
        self._listening: AsyncConnection[Any] | None = None

    async def run(self, stop: asyncio.Event, max_delay: float = 60.0) -> None:
        try:
            await self._run(stop, max_delay)
        finally:
            await self._stop_listening()

    async def _run(self, stop: asyncio.Event, max_delay: float) -> None:
        failures = 0
        while not stop.is_set():
            try:
                self.position = await last_relayed_position(self.js)
                while not stop.is_set():
                    if await self.relay_batch() == 0:
                        await self.wait_for_more(stop)
                    failures = 0
            except Exception:
                await self._stop_listening()
                failures += 1
                delay = backoff_seconds(failures, max_delay)
                log.exception("relay stopped at position %d; recovering in %.0f s", self.position, delay)
                await sleep_unless(stop, delay)

    async def wait_for_more(self, stop: asyncio.Event) -> None:
        """Until the store notifies an insert (at commit), ``poll_seconds`` pass, or ``stop`` is set.

        The library's recorder NOTIFYs its channel in every insert transaction. Waking on it rather
        than on the poll alone takes the poll's wait (on average half of it) out of every event's
        publish-to-visible time; the poll stays as the fallback for a missed notification.
        """
        if self.wake_url is None:
            await sleep_unless(stop, self.poll_seconds)
            return
        if self._listening is None:
            self._listening = await AsyncConnection.connect(self.wake_url, autocommit=True)
            channel = cast(PostgresApplicationRecorder, self.records.recorder).channel_name
            await self._listening.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))
        notified = asyncio.ensure_future(_next(self._listening.notifies(timeout=self.poll_seconds, stop_after=1)))
        stopped = asyncio.ensure_future(stop.wait())
        await asyncio.wait({notified, stopped}, return_when=asyncio.FIRST_COMPLETED)
        for waiting in (notified, stopped):
            waiting.cancel()
        await asyncio.gather(notified, stopped, return_exceptions=True)
        if notified.done() and not notified.cancelled() and notified.exception() is not None:
            raise cast(BaseException, notified.exception())

    async def _stop_listening(self) -> None:
        if self._listening is not None:
            with contextlib.suppress(Exception):
                await self._listening.close()
            self._listening = None

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
        """Publish the next notifications after ``position``, acks pipelined; return how many were published.

        Each message expects the one before it as the stream's last (``Nats-Expected-Last-Msg-Id``),
        and JetStream applies one connection's publishes in order, so pipelining keeps the order:
        if one fails, every later one fails too, and ``position`` stays at the last one stored.
        """
        notifications, links = await anyio.to_thread.run_sync(self._next_batch)
        pending: list[asyncio.Future[Any]] = []
        expected = self.position
        for notification in notifications:
            envelope = envelope_of(self.records, notification)
            headers = self._headers(notification, links[notification.id], expected)
            pending.append(
                await self.js.publish_async(
                    subject_of(envelope), envelope.model_dump_json().encode(), stream=EVENTS_STREAM, headers=headers
                )
            )
            expected = notification.id
        # publish_async's futures have no timeout of their own (LIBRARY-NOTES §8), and nats-py never
        # completes one that the server refused (its reply handler raises instead of failing the future).
        try:
            acks = await asyncio.wait_for(
                asyncio.gather(*pending, return_exceptions=True), timeout=ACK_TIMEOUT + len(pending) / 100
            )
        except TimeoutError:
            stream_ends_at = await last_relayed_position(self.js)
            if stream_ends_at != self.position and stream_ends_at not in {n.id for n in notifications}:
                raise self._lost_place() from None  # refused: the stream does not end where we started
            raise  # slow or lost acks: run() recovers the position from the stream and goes on
        for notification, ack in zip(notifications, acks, strict=True):
            if isinstance(ack, APIError) and ack.err_code == WRONG_LAST_MSG_ID:
                raise self._lost_place() from ack
            if isinstance(ack, BaseException):
                raise ack
            self.position = notification.id
        return len(notifications)

    def _lost_place(self) -> RuntimeError:
        return RuntimeError(
            f"EVENTS does not end where this relay thinks (at {self.position}): "
            "is a second relay running? Restarting recovers the position from the stream."
        )

    @staticmethod
    def _headers(notification: Notification, link: tuple[bytes, bytes], expected: int) -> dict[str, str]:
        prev_hash, chain_hash = link
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
        if expected:
            headers["Nats-Expected-Last-Msg-Id"] = str(expected)
        return headers
