"""Physical baselines, on the same servers and the same payload bytes: what the hardware allows.

- JetStream publish with plain nats-py, acknowledgements pipelined (``publish_async``), to a
  stream of the benchmark's own with the same settings as INBOX;
- JetStream pull-consume of those messages (``fetch(500)`` and an ack each);
- PostgreSQL ``executemany`` (500 rows per transaction) and ``COPY`` of the same payloads into
  a table of (event id, subject, body bytea).

The payload list is cycled (with new message ids) until it has at least ``min_messages``
entries, so a small city still gives a measurement long enough to time.
"""

import asyncio
import time
from collections.abc import Sequence

import nats
import psycopg
from nats.js.api import DiscardPolicy, RetentionPolicy, StorageType, StreamConfig
from psycopg import sql

from benchmarks.stats import rate
from benchmarks.workload import Payload

STREAM = "BENCH_RAW"
SUBJECTS = "bench.raw.>"
TABLE = sql.Identifier("bench_raw")
BATCH = 500


def cycled(payloads: Sequence[Payload], min_messages: int) -> list[Payload]:
    """The payloads repeated until there are at least ``min_messages``, each copy with its own id."""
    out: list[Payload] = []
    round_ = 0
    while len(out) < max(min_messages, len(payloads)):
        suffix = "" if round_ == 0 else f"#{round_}"
        out.extend(Payload(p.source, p.subject, p.data, p.event_id + suffix) for p in payloads)
        round_ += 1
    return out


async def jetstream_baselines(nats_url: str, payloads: Sequence[Payload]) -> tuple[float, float]:
    """(publish msg/s with pipelined acks, pull-consume msg/s), on a fresh stream deleted afterwards."""
    nc = await nats.connect(nats_url, name="jejak-bench-raw")
    js = nc.jetstream(publish_async_max_pending=4096)
    try:
        await js.add_stream(
            StreamConfig(
                name=STREAM,
                subjects=[SUBJECTS],
                retention=RetentionPolicy.LIMITS,
                storage=StorageType.FILE,
                discard=DiscardPolicy.NEW,
                duplicate_window=120.0,
            )
        )
        began = time.perf_counter()
        futures = []
        for payload in payloads:
            subject = "bench.raw." + payload.subject.removeprefix("asn.in.")
            futures.append(await js.publish_async(subject, payload.data, headers={"Nats-Msg-Id": payload.event_id}))
        await asyncio.wait_for(asyncio.gather(*futures), timeout=120)
        published = rate(len(payloads), time.perf_counter() - began)

        sub = await js.pull_subscribe(SUBJECTS, durable="bench-raw", stream=STREAM)
        began, consumed = time.perf_counter(), 0
        while consumed < len(payloads):
            for message in await sub.fetch(BATCH, timeout=10):
                await message.ack()
                consumed += 1
        await nc.flush()
        return published, rate(consumed, time.perf_counter() - began)
    finally:
        await js.delete_stream(STREAM)
        await nc.close()


def postgres_baselines(database_url: str, payloads: Sequence[Payload]) -> tuple[float, float]:
    """(executemany rows/s, COPY rows/s) into a scratch table dropped afterwards."""
    rows = [(p.event_id, p.subject, p.data) for p in payloads]
    create = sql.SQL("CREATE TABLE {} (event_id text PRIMARY KEY, subject text NOT NULL, body bytea NOT NULL)")
    with psycopg.connect(database_url, autocommit=True) as conn:
        try:
            conn.execute(create.format(TABLE))
            insert = sql.SQL("INSERT INTO {} (event_id, subject, body) VALUES (%s, %s, %s)").format(TABLE)
            began = time.perf_counter()
            for start in range(0, len(rows), BATCH):
                with conn.transaction(), conn.cursor() as cur:
                    cur.executemany(insert, rows[start : start + BATCH])
            many = rate(len(rows), time.perf_counter() - began)

            conn.execute(sql.SQL("TRUNCATE {}").format(TABLE))
            began = time.perf_counter()
            with (
                conn.transaction(),
                conn.cursor() as cur,
                cur.copy(sql.SQL("COPY {} (event_id, subject, body) FROM STDIN").format(TABLE)) as copy,
            ):
                for row in rows:
                    copy.write_row(row)
            copied = rate(len(rows), time.perf_counter() - began)
        finally:
            conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(TABLE))
    return many, copied
