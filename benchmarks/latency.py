"""Publish-to-visible latency at a fixed offered load, on a running, idle pipeline.

Events are offered on a fixed schedule (event i at t0 + i/rate, each source on its own login;
an event that depends on another source's earlier one waits for that one's INBOX ack, as
``jejak demo load`` does). Each event's store position is learned by listening to EVENTS (the
envelope's ``provenance.event_id``); it counts as visible the first time the slowest store-built
read model's ``projection_position`` is seen at or past it (polled every 5 ms). If the pipeline
falls behind (a backlog that does not drain soon after the last publish), no percentile is given:
the achieved rate and the backlog are reported instead.
"""

import asyncio
import heapq
import json
import time
from dataclasses import dataclass, field
from typing import Any

import nats
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js.api import PubAck

from benchmarks.probes import Probe
from benchmarks.stack import BenchStack
from benchmarks.stats import not_measured, percentile
from benchmarks.workload import payload_of
from contracts.streams import EVENTS_SUBJECTS
from services.demo.city import Publication
from services.demo.publisher import dependency_keys

VISIBILITY_POLL_SECONDS = 0.005


@dataclass
class Tracker:
    """Publish times, learned positions and visibility times, by event id."""

    published: dict[str, float] = field(default_factory=dict)
    position: dict[str, int] = field(default_factory=dict)
    visible: dict[str, float] = field(default_factory=dict)
    heap: list[tuple[int, str]] = field(default_factory=list)

    async def on_envelope(self, msg: Msg) -> None:
        envelope = json.loads(msg.data)
        provenance = envelope.get("provenance") or {}
        event_id = provenance.get("event_id")
        if event_id in self.published:
            position = int(envelope["position"])
            self.position[event_id] = max(position, self.position.get(event_id, 0))
            heapq.heappush(self.heap, (position, event_id))

    def seen_up_to(self, visible: int, now: float) -> None:
        while self.heap and self.heap[0][0] <= visible:
            position, event_id = heapq.heappop(self.heap)
            if position >= self.position[event_id] and event_id not in self.visible:
                self.visible[event_id] = now


@dataclass(frozen=True)
class LatencyRun:
    offered_per_s: float
    offering_seconds: float
    published: int
    latencies_ms: list[float]
    backlog_at_end: int
    drain_seconds: float
    achieved_per_s: float

    @property
    def not_visible(self) -> int:
        return self.published - len(self.latencies_ms)

    def sustained(self) -> bool:
        """Everything visible, and the backlog gone within 1 s plus 10% of the offering time."""
        return self.not_visible == 0 and self.drain_seconds <= 1.0 + 0.1 * self.offering_seconds

    def as_json(self) -> dict[str, Any]:
        facts: dict[str, Any] = {
            "offered_per_s": self.offered_per_s,
            "achieved_per_s": self.achieved_per_s,
            "published": self.published,
            "backlog_at_end_of_offering": self.backlog_at_end,
            "drain_seconds_after_last_publish": self.drain_seconds,
            "not_visible": self.not_visible,
            "sustained": self.sustained(),
        }
        if self.sustained() and self.latencies_ms:
            return {**facts, **{f"p{p}": percentile(self.latencies_ms, p) for p in (50, 95, 99)}}
        reason = (
            f"the pipeline did not sustain {self.offered_per_s:g}/s (achieved {self.achieved_per_s:.0f}/s, "
            f"backlog {self.backlog_at_end} at the end of offering, "
            f"{self.not_visible} not visible after the drain wait)"
        )
        return {**facts, **{f"p{p}": not_measured(reason) for p in (50, 95, 99)}}


async def offered_load(
    stack: BenchStack, probe: Probe, publications: list[Publication], per_second: float, drain_timeout: float
) -> LatencyRun:
    tracker = Tracker()
    subscription = await probe.nc.subscribe(EVENTS_SUBJECTS, cb=tracker.on_envelope)
    stop = asyncio.Event()
    watcher = asyncio.create_task(_watch(probe, tracker, stop))
    connections: dict[str, Client] = {}
    try:
        for source in dict.fromkeys(p.source for p in publications):
            connections[source] = await nats.connect(stack.sender_url(source), name=f"jejak-bench-{source}")
        began = time.monotonic()
        acks = await _offer(connections, publications, per_second, tracker, began)
        ended = time.monotonic()
        backlog = len(publications) - len(tracker.visible)
        await asyncio.wait_for(asyncio.gather(*acks), timeout=60)
        deadline = ended + drain_timeout
        while len(tracker.visible) < len(publications) and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.05)  # the watcher task marks visibility; nothing to wait on but time
    finally:
        stop.set()
        await watcher
        await subscription.unsubscribe()
        for connection in connections.values():
            await connection.close()
    latencies = [(tracker.visible[e] - tracker.published[e]) * 1000 for e in tracker.visible]
    last = max(tracker.visible.values(), default=ended)
    return LatencyRun(
        offered_per_s=per_second,
        offering_seconds=ended - began,
        published=len(publications),
        latencies_ms=latencies,
        backlog_at_end=backlog,
        drain_seconds=max(last - ended, 0.0),
        achieved_per_s=len(tracker.visible) / max(last - began, 1e-9),
    )


async def _offer(
    connections: dict[str, Client], publications: list[Publication], per_second: float, tracker: Tracker, began: float
) -> list[asyncio.Future[PubAck]]:
    """Publish on schedule; returns every ack future. Falling behind schedule publishes at once (no catch-up gap)."""
    streams = {source: nc.jetstream(publish_async_max_pending=100_000) for source, nc in connections.items()}
    latest: dict[str, tuple[str, asyncio.Future[PubAck]]] = {}
    acks = []
    for i, publication in enumerate(publications):
        delay = began + i / per_second - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        keys = dependency_keys(publication)
        for key in keys:
            before = latest.get(key)
            if before is not None and before[0] != publication.source:
                await asyncio.wait_for(asyncio.shield(before[1]), timeout=30)
        payload = payload_of(publication)
        tracker.published[payload.event_id] = time.monotonic()
        future = await streams[publication.source].publish_async(
            payload.subject, payload.data, headers={"Nats-Msg-Id": payload.event_id}
        )
        acks.append(future)
        for key in keys:
            latest[key] = (publication.source, future)
    return acks


async def _watch(probe: Probe, tracker: Tracker, stop: asyncio.Event) -> None:
    while not stop.is_set():
        tracker.seen_up_to(await probe.visible(), time.monotonic())
        await asyncio.sleep(VISIBILITY_POLL_SECONDS)
