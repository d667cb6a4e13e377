"""Publish a generated city to INBOX as its departmental systems would: each logged in as itself.

Order is what matters: ingest applies INBOX in the order it was stored, and JetStream stores the
publishes of one connection in the order they were sent. So each source publishes its events in
list order on its own connection, with up to ``concurrency`` acknowledgements outstanding. An
event that depends on an earlier one another source sent (about the same employee, complaint,
forum or complainant) is published only after that one is acknowledged, that is stored: it can
never overtake it. Independent events of different sources may be stored in either order, as
they would be from real senders. A missing acknowledgement stops the load (``PublishFailed``);
loading the same city again is safe: JetStream drops repeats inside its duplicate window, and
ingest's receipts recognise the rest.
"""

import asyncio
import json
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import nats
import nats.errors
from nats.aio.client import Client
from nats.js.api import PubAck
from nats.js.errors import Error as JetStreamError

from contracts.streams import inbox_subject
from services.demo.city import City, Publication


class PublishFailed(RuntimeError):
    """The load stopped: a submission was not acknowledged by INBOX. Running it again is safe."""


class NotConnected(PublishFailed):
    """A source could not log in to NATS: the server is not there, or the login is not its."""


@dataclass
class PublishReport:
    """How many events INBOX acknowledged, how many of them it already had, and how fast."""

    published: int = 0
    duplicates: int = 0
    by_source: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        """Acknowledged events per second."""
        return self.published / self.seconds if self.seconds > 0 else 0.0


def dependency_keys(publication: Publication) -> list[str]:
    """What an event is about: it must not overtake what another source said about the same thing."""
    body, keys = publication.body, []
    for name in ("employee_nip", "named_employee_nip"):
        if name in body:
            keys.append(f"employee:{body[name]}")
    for name in ("complaint_id", "forum_id"):
        if name in body:
            keys.append(f"{name}:{body[name]}")
    complainant = body.get("complainant")
    if isinstance(complainant, dict):
        keys.append(f"person:{publication.source}/{complainant['reference']}")
    if publication.event_type == "personal-data-erased":
        keys.append(f"person:{body['subject_source']}/{body['subject_reference']}")
    return keys


def _keeping(errors: list[Exception]) -> Callable[[Exception], Awaitable[None]]:
    """An error callback that keeps the connection's errors for the report, instead of logging tracebacks."""

    async def keep(error: Exception) -> None:
        errors.append(error)

    return keep


async def _connect(source: str, url: str, errors: list[Exception]) -> Client:
    """Log in as ``source``; fail at once rather than retry, since a load can simply be run again."""
    try:
        return await nats.connect(
            url,
            name=f"jejak-demo-{source}",
            allow_reconnect=False,
            max_reconnect_attempts=1,
            reconnect_time_wait=0.2,
            error_cb=_keeping(errors),
        )
    except (OSError, nats.errors.Error) as error:
        raise NotConnected(f"cannot log in to NATS as {source}: {errors[-1] if errors else error!r}") from None


class _Sender:
    """One source's connection and its window of publishes awaiting their acknowledgement."""

    def __init__(
        self,
        source: str,
        connection: Client,
        errors: list[Exception],
        report: PublishReport,
        window: int,
        ack_timeout: float,
        on_ack: Callable[[], None],
    ) -> None:
        self.source, self.connection, self.errors, self.report = source, connection, errors, report
        self.on_ack = on_ack
        self.js = connection.jetstream(publish_async_max_pending=window + 1)
        self.window, self.ack_timeout = window, ack_timeout
        self.pending: deque[tuple[int, str, asyncio.Future[PubAck]]] = deque()
        self.sent = 0

    async def send(self, publication: Publication) -> int:
        """Publish the next event of this source; returns its number, to settle it by later."""
        if len(self.pending) >= self.window:
            await self._settle_oldest()
        future = await self.js.publish_async(
            inbox_subject(self.source, publication.event_type, 1),
            json.dumps(publication.body, ensure_ascii=False, separators=(",", ":")).encode(),
            wait_stall=self.ack_timeout,
            headers={"Nats-Msg-Id": publication.event_id},
        )
        self.sent += 1
        self.pending.append((self.sent, publication.event_id, future))
        return self.sent

    async def settle(self, through: int | None = None) -> None:
        """Wait for the acknowledgements of this source's events up to number ``through`` (all by default)."""
        while self.pending and (through is None or self.pending[0][0] <= through):
            await self._settle_oldest()

    async def _settle_oldest(self) -> None:
        _, event_id, future = self.pending.popleft()
        try:
            ack = await asyncio.wait_for(future, self.ack_timeout)
        except TimeoutError:
            cause = f" (last error: {self.errors[-1]})" if self.errors else ""
            raise PublishFailed(
                f"INBOX did not acknowledge {event_id} from {self.source} within {self.ack_timeout:.0f} s{cause}"
            ) from None
        except JetStreamError as error:
            raise PublishFailed(f"INBOX refused {event_id} from {self.source}: {error}") from None
        self.report.published += 1
        self.report.duplicates += 1 if ack.duplicate else 0
        self.report.by_source[self.source] = self.report.by_source.get(self.source, 0) + 1
        self.on_ack()


async def publish_city(
    city: City,
    nats_urls_by_source: Callable[[str], str],
    *,
    concurrency: int = 256,
    progress: Callable[[int], None] | None = None,
    ack_timeout: float = 30.0,
) -> PublishReport:
    """Publish every event of ``city`` in order and await every acknowledgement.

    ``nats_urls_by_source`` gives the URL a source logs in with; ``progress`` is called with the
    number of events acknowledged so far.
    """
    if concurrency < 1:
        raise ValueError("concurrency must be at least 1")
    began, report = time.monotonic(), PublishReport()
    senders: dict[str, _Sender] = {}

    def acknowledged() -> None:
        if progress is not None:
            progress(report.published)

    try:
        for source in dict.fromkeys(event.source for event in city.events):
            errors: list[Exception] = []
            connection = await _connect(source, nats_urls_by_source(source), errors)
            senders[source] = _Sender(source, connection, errors, report, concurrency, ack_timeout, acknowledged)
        latest: dict[str, tuple[str, int]] = {}
        for publication in city.events:
            keys = dependency_keys(publication)
            for key in keys:  # stored before this is sent, when another connection sent it
                before = latest.get(key)
                if before is not None and before[0] != publication.source:
                    await senders[before[0]].settle(through=before[1])
            number = await senders[publication.source].send(publication)
            for key in keys:
                latest[key] = (publication.source, number)
        for sender in senders.values():
            await sender.settle()
    finally:
        for sender in senders.values():
            await sender.connection.close()
    report.seconds = time.monotonic() - began
    return report
