"""Measuring the naive reference (benchmarks/naive.py) end to end, exactly as Jejak's end to end is measured.

The naive service is started alone on a fresh stack with its own durable consumer on INBOX; the
stage part of the city is published as ``jejak demo load`` publishes it; the clock runs from the
first publish until the consumer has nothing pending and the naive view's tracking record has
reached the naive store's head.
"""

import asyncio
import sys
import time
from pathlib import Path
from typing import Any

from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from psycopg import AsyncConnection, sql

from benchmarks import naive
from benchmarks.probes import Probe, wait_for
from benchmarks.processes import ServiceProcess, running
from benchmarks.stack import BenchStack
from benchmarks.stats import rate
from benchmarks.workload import Workload, publish_part
from contracts.streams import INBOX_STREAM, INBOX_SUBJECTS

HEAD = sql.SQL("SELECT coalesce(max(notification_id), 0) FROM {}").format(sql.Identifier(f"{naive.APPLICATION}_events"))
TRACKED = sql.SQL("SELECT coalesce(max(notification_id), 0) FROM {} WHERE application_name = {}").format(
    sql.Identifier(f"{naive.VIEW}_tracking"), sql.Literal(naive.APPLICATION)
)
"""The single-row tracking table also holds the library's ``__migration__`` row."""


async def _scalar(conn: AsyncConnection[Any], query: sql.Composed) -> int:
    row = await (await conn.execute(query)).fetchone()
    return int(row[0]) if row else 0


async def naive_end_to_end(stack: BenchStack, probe: Probe, workload: Workload, log_dir: Path, limit: float) -> float:
    """Submissions per second through the naive subscriber and projection, publish to view."""
    await probe.js.add_consumer(
        INBOX_STREAM,
        ConsumerConfig(
            durable_name=naive.DURABLE,
            filter_subject=INBOX_SUBJECTS,
            deliver_policy=DeliverPolicy.NEW,  # on given servers INBOX already holds earlier runs
            ack_policy=AckPolicy.EXPLICIT,
        ),
    )
    argv = [sys.executable, "-m", "benchmarks.naive", "--nats", stack.nats_url, "--database", stack.owner_database_url]
    service = ServiceProcess("naive", argv, stack.service_env(), log_dir / "naive.log", ready_mark=naive.READY)
    owner = await AsyncConnection.connect(stack.owner_database_url, autocommit=True)
    try:
        with running(service):
            await asyncio.to_thread(service.wait_ready)
            began = time.monotonic()
            # The naive design has one INBOX and no senders' own streams: it is published into directly.
            await publish_part(workload, workload.stage, lambda _source: stack.nats_url)

            async def done() -> bool:
                info = await probe.js.consumer_info(INBOX_STREAM, naive.DURABLE)
                if (info.num_pending or 0) + (info.num_ack_pending or 0) > 0:
                    return False
                return await _scalar(owner, TRACKED) >= await _scalar(owner, HEAD) > 0

            async def progress() -> str:
                return f"tracking {await _scalar(owner, TRACKED)} of store head {await _scalar(owner, HEAD)}"

            finished = await wait_for("naive", done, limit, progress, service.check_alive)
        return rate(len(workload.stage), finished - began)
    finally:
        await owner.close()
        await probe.js.delete_consumer(INBOX_STREAM, naive.DURABLE)
