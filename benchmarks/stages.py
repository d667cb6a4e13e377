"""Jejak stage by stage, each alone on data the previous stage left: ingest, relay, projections, rebuild.

On one fresh stack: the stage part of the city is published to INBOX with nothing running, then
``jejak run ingest`` alone drains INBOX into the store (timed from its "running" line until the
consumer has nothing pending), then ``jejak run relay`` alone publishes the store to the empty
EVENTS (until EVENTS ends at the store's head), then ``jejak run projections`` alone applies
EVENTS (until every read model built from the store is at the head), then every such read model
is rebuilt from the store with ``services.rebuild.rebuild``, one after another. The rebuild figure
is the slowest read model's rate (issue 6: "rebuild a read model in minutes"); the rate of all of
them in turn is kept beside it.
"""

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from benchmarks.cpu import CpuReading, read_cpu
from benchmarks.probes import STORE_PROJECTIONS, Probe, StageTimedOut, wait_for
from benchmarks.processes import ServiceProcess, jejak_service, running
from benchmarks.results import Results
from benchmarks.stack import BenchStack
from benchmarks.stats import rate
from services.database import open_records
from services.rebuild import rebuild

STEPS = (
    ("jejak.ingest", "ingest: INBOX → store (alone)", "submissions/s"),
    ("jejak.relay", "relay: store → EVENTS (alone)", "events/s"),
    ("jejak.projections", "projections: EVENTS → read models (alone)", "events/s"),
    ("jejak.rebuild", "rebuild one read model from the store (the slowest)", "events/s"),
)
"""(figure key, label, unit) of each isolated stage, in the order they run."""


@dataclass(frozen=True)
class StageRun:
    """One timed stage: items done, seconds from ready to done, and the process's peak RSS."""

    items: int
    seconds: float
    peak_rss_mb: float
    cpu: CpuReading | None = None
    """CPU seconds spent from ready to done (service, PostgreSQL, NATS)."""

    @property
    def rate(self) -> float:
        return rate(self.items, self.seconds)


async def ingest_alone(stack: BenchStack, probe: Probe, submissions: int, log_dir: Path, limit: float) -> StageRun:
    """INBOX holds ``submissions`` unread messages; time ``jejak run ingest`` until none is pending."""

    async def done() -> bool:
        return await probe.inbox_backlog() == 0

    async def progress() -> str:
        return f"{submissions - await probe.inbox_backlog()} of {submissions} submissions"

    return await _timed(jejak_service("ingest", stack.service_env(), log_dir), "ingest", done, progress, limit,
                        submissions)  # fmt: skip


async def relay_alone(stack: BenchStack, probe: Probe, log_dir: Path, limit: float) -> StageRun:
    """The store is full and EVENTS behind; time ``jejak run relay`` until EVENTS ends at the store head."""
    service = jejak_service("relay", stack.service_env(), log_dir)
    return await _positions(probe, service, "relay", probe.relayed, limit)


async def projections_alone(stack: BenchStack, probe: Probe, log_dir: Path, limit: float) -> StageRun:
    """EVENTS is full; time ``jejak run projections`` until every store-built read model is at the head."""
    service = jejak_service("projections", stack.service_env(), log_dir)
    return await _positions(probe, service, "projections", probe.visible, limit)


async def _positions(
    probe: Probe, service: ServiceProcess, what: str, position: Callable[[], Awaitable[int]], limit: float
) -> StageRun:
    """Time ``service`` from ready until ``position`` reaches the store head."""
    start, head = await position(), await probe.store_head()

    async def done() -> bool:
        return await position() >= head

    async def progress() -> str:
        return f"position {await position()} of {head}"

    return await _timed(service, what, done, progress, limit, await _stored_between(probe, start, head))


async def _stored_between(probe: Probe, after: int, through: int) -> int:
    """Stored events with a position in (after, through]: what a stage had to carry."""
    cur = await probe.db.execute(
        "SELECT count(*) FROM jejak_events WHERE notification_id > %s AND notification_id <= %s", (after, through)
    )
    row = await cur.fetchone()
    return int(row[0]) if row else 0


async def rebuild_all(stack: BenchStack) -> tuple[StageRun, dict[str, float]]:
    """Rebuild every store-built read model in turn; (store events per second overall, per model)."""
    records = open_records(stack.database_url)
    per_model: dict[str, float] = {}
    total_seconds, events = 0.0, 0
    try:
        for name in STORE_PROJECTIONS:
            began = time.perf_counter()
            rebuilt = await rebuild(records, stack.database_url, name)
            seconds = time.perf_counter() - began
            total_seconds += seconds
            events = rebuilt.events
            per_model[name] = rate(rebuilt.events, seconds)
    finally:
        records.close()
    return StageRun(events, total_seconds, 0.0), per_model


async def _timed(
    service: ServiceProcess,
    what: str,
    done: Callable[[], Awaitable[bool]],
    progress: Callable[[], Awaitable[str]],
    limit: float,
    items: int,
) -> StageRun:
    """Run ``service`` until ``done``: seconds from ready, its peak RSS and the CPU spent meanwhile."""
    with running(service):
        ready = await asyncio.to_thread(service.wait_ready)
        began = read_cpu(service.pid)
        finished = await wait_for(what, done, limit, progress, service.check_alive)
        cpu = read_cpu(service.pid).since(began)
        return StageRun(items, finished - ready, service.peak_rss_mb(), cpu)


async def isolated_stages(
    stack: BenchStack, probe: Probe, submissions: int, log_dir: Path, limit: float, results: Results
) -> None:
    """The four stages in order on ``stack``; one that times out is recorded as not measured and ends the chain."""
    steps = STEPS
    try:
        run = await ingest_alone(stack, probe, submissions, log_dir, limit)
        results.add(*steps[0], run.rate)
        results.figure(*steps[0]).detail.setdefault("stored_rows", []).append(await probe.store_rows())
        _cpu_detail(results, steps[0], run)
        run = await relay_alone(stack, probe, log_dir, limit)
        results.add(*steps[1], run.rate)
        _cpu_detail(results, steps[1], run)
        run = await projections_alone(stack, probe, log_dir, limit)
        results.add(*steps[2], run.rate)
        _cpu_detail(results, steps[2], run)
        run, per_model = await rebuild_all(stack)
        results.add(*steps[3], min(per_model.values()))
        results.figure(*steps[3]).detail.setdefault("per_read_model", []).append(per_model)
        results.figure(*steps[3]).detail.setdefault("all_in_turn_per_s", []).append(run.rate)
    except StageTimedOut as timed_out:
        for key, label, unit in steps:
            if not results.figure(key, label, unit).values:
                results.miss(key, label, unit, str(timed_out))


def _cpu_detail(results: Results, step: tuple[str, str, str], run: StageRun) -> None:
    """CPU milliseconds per item of ``step`` (service, postgres, nats-server, total), one entry per repeat."""
    if run.cpu is not None:
        results.figure(*step).detail.setdefault("cpu_ms_per_item", []).append(run.cpu.per_item_ms(run.items))
