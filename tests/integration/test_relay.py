"""The relay on the real servers: every notification once, in order, resumed after a restart."""

import asyncio
from typing import cast

import pytest
from eventsourcing.postgres import PostgresApplicationRecorder
from nats.js import JetStreamContext

from contracts.outbound import CONTENT_HASH_HEADER, HASH_HEADER, PREV_HASH_HEADER, StoredEventEnvelope
from contracts.streams import EVENTS_STREAM
from domain.records import Recorded, Records
from services.audit.offline import link
from services.relay.worker import Relay, last_relayed_position
from tests.builders import employment_of, origin, record_training, submission, unique_nip
from tests.conftest import Stack
from tests.waiting import eventually

pytestmark = pytest.mark.integration


def record_one(records: Records) -> tuple[int, ...]:
    """Register someone and record a training; the positions of all four stored events."""
    nip = unique_nip()
    registration = records.register_employee(submission("employee-registered"), nip, employment_of(nip), origin())
    training = record_training(records, nip)
    assert isinstance(registration, Recorded)
    assert isinstance(training, Recorded)
    return registration.positions + training.positions


def records_links(records: Records, positions: list[int]) -> list[tuple[bytes, bytes]]:
    recorder = cast(PostgresApplicationRecorder, records.recorder)
    with recorder.datastore.transaction(commit=False) as cursor:
        cursor.execute(
            "SELECT prev_hash, hash FROM jejak_events WHERE notification_id = ANY(%s) ORDER BY notification_id",
            (positions,),
        )
        return [(bytes(row["prev_hash"]), bytes(row["hash"])) for row in cursor.fetchall()]


async def drain(relay: Relay) -> None:
    while await relay.relay_batch():
        pass


async def test_a_restarted_relay_continues_where_the_stream_ends(records: Records, js: JetStreamContext) -> None:
    first = Relay(records, js, batch_size=2, poll_seconds=0.05)
    first.position = await last_relayed_position(js)
    await drain(first)  # catch up with whatever earlier tests stored
    positions = record_one(records)
    await drain(first)
    assert await last_relayed_position(js) == positions[-1]
    before = (await js.stream_info(EVENTS_STREAM)).state.messages

    more = record_one(records)
    restarted = Relay(records, js, batch_size=2, poll_seconds=0.05)
    stop = asyncio.Event()
    task = asyncio.create_task(restarted.run(stop))
    try:

        async def caught_up() -> bool | None:
            return True if await last_relayed_position(js) >= more[-1] else None

        await eventually(caught_up, what="the restarted relay caught up")
    finally:
        stop.set()
        await task
    info = await js.stream_info(EVENTS_STREAM)
    assert info.state.messages == before + len(more)  # nothing published twice
    first_seq = info.state.last_seq - len(more) + 1
    relayed = [await js.get_msg(EVENTS_STREAM, seq=s) for s in range(first_seq, info.state.last_seq + 1)]
    assert [int((m.headers or {})["Nats-Msg-Id"]) for m in relayed] == list(more)
    assert [StoredEventEnvelope.model_validate_json(m.data or b"").position for m in relayed] == list(more)
    assert [m.subject for m in relayed] == [
        "asn.events.civil-servant.registered",
        "asn.events.receipt.issued",
        "asn.events.civil-servant.training-completed",
        "asn.events.receipt.issued",
    ]
    # Each message carries its chain links: consecutive, and the store's own.
    links = [((m.headers or {})[PREV_HASH_HEADER], (m.headers or {})[HASH_HEADER]) for m in relayed]
    assert all(links[i + 1][0] == links[i][1] for i in range(len(links) - 1))
    stored = records_links(records, list(more))
    assert links == [(prev.hex(), chain.hex()) for prev, chain in stored]
    for message in relayed:  # and each message's links recompute from its content digest
        headers = message.headers or {}
        position = int(headers["Nats-Msg-Id"])
        recomputed = link(
            bytes.fromhex(headers[PREV_HASH_HEADER]), position, bytes.fromhex(headers[CONTENT_HASH_HEADER])
        )
        assert recomputed.hex() == headers[HASH_HEADER]


async def test_a_relay_that_lost_its_place_cannot_skip_events(records: Records, js: JetStreamContext) -> None:
    live = Relay(records, js, batch_size=100, poll_seconds=0.05)
    live.position = await last_relayed_position(js)
    await drain(live)
    positions = record_one(records)
    confused = Relay(records, js, batch_size=100, poll_seconds=0.05)
    confused.position = positions[0]  # believes the first new event is already on EVENTS
    with pytest.raises(RuntimeError, match="does not end where this relay thinks"):
        await confused.relay_batch()
    await drain(live)
    assert await last_relayed_position(js) == positions[-1]


async def test_a_relay_behind_the_stream_only_makes_duplicates(records: Records, js: JetStreamContext) -> None:
    live = Relay(records, js, batch_size=100, poll_seconds=0.05)
    live.position = await last_relayed_position(js)
    await drain(live)
    positions = record_one(records)
    await drain(live)
    before = (await js.stream_info(EVENTS_STREAM)).state.messages
    behind = Relay(records, js, batch_size=100, poll_seconds=0.05)
    behind.position = positions[0] - 1
    await drain(behind)
    assert (await js.stream_info(EVENTS_STREAM)).state.messages == before


async def test_an_idle_relay_wakes_on_the_stores_insert_notification(
    records: Records, js: JetStreamContext, stack: Stack
) -> None:
    """The poll is the fallback: set to a minute here, the relay must still publish within seconds."""
    relay = Relay(records, js, batch_size=100, poll_seconds=60.0, wake_url=stack.database_url)
    relay.position = await last_relayed_position(js)
    await drain(relay)
    stop = asyncio.Event()
    task = asyncio.create_task(relay.run(stop))
    try:
        await asyncio.sleep(0.5)  # idle, listening
        positions = record_one(records)

        async def relayed() -> int | None:
            ends_at = await last_relayed_position(js)
            return ends_at if ends_at >= positions[-1] else None

        await eventually(relayed, within=10, what="the new events on EVENTS without waiting for the poll")
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=10)  # and stopping does not wait for the poll either
