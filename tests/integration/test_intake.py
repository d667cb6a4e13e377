"""Intake on the real server: each sender's own stream moved into INBOX once, in the order of arrival."""

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta

import nats
import pytest
from nats.aio.client import Client
from nats.js import JetStreamContext

from contracts.streams import INBOX_STREAM, INTAKE_BUCKET, submission_stream
from services.ingest.forget import forget
from services.ingest.intake import (
    POSITIONS_KEY,
    RECEIVED_AT_HEADER,
    SUBMISSION_HEADER,
    Intake,
    intake_behind,
    moved_submission_of,
)
from tests.builders import BKPSDM
from tests.conftest import Stack
from tests.streams import SOURCES
from tests.waiting import eventually

LAN = "lan-ri"
LAPOR = "lapor"


@pytest.fixture(autouse=True)
def _sender_logins(stack: Stack) -> None:
    if stack.servers is None:
        pytest.skip("servers given by JEJAK_*_URL: senders publish with the operator's logins")


@asynccontextmanager
async def running_intake(stack: Stack, sources: list[str] | None = None) -> AsyncIterator[Intake]:
    connection = await nats.connect(stack.nats_url)
    intake = Intake(connection, SOURCES if sources is None else sources, poll_seconds=0.2)
    stop = asyncio.Event()
    task = asyncio.create_task(intake.run(stop))
    try:
        yield intake
    finally:
        stop.set()
        await task
        await connection.close()


@pytest.fixture
async def senders(stack: Stack) -> AsyncIterator[dict[str, Client]]:
    connections = {source: await nats.connect(stack.sender_url(source)) for source in (LAN, LAPOR, BKPSDM)}
    yield connections
    for connection in connections.values():
        await connection.close()


def token() -> str:
    return f"t{uuid.uuid4().hex}"


async def publish(senders: dict[str, Client], source: str, name: str) -> None:
    """One submission on a subject of its own (``asn.in.<source>.<name>.v1``), awaiting the sender's PubAck."""
    ack = await senders[source].jetstream().publish(f"asn.in.{source}.{name}.v1", b"{}", headers={"Nats-Msg-Id": name})
    assert ack.stream == submission_stream(source)


async def inbox_sequences(js: JetStreamContext, names: dict[str, str]) -> dict[str, int] | None:
    """INBOX sequence of each (source, name) submission; None until all are there."""
    found: dict[str, int] = {}
    for name, source in names.items():
        info = await js.stream_info(INBOX_STREAM, subjects_filter=f"asn.in.{source}.{name}.v1")
        if not info.state.subjects:
            return None
        assert info.state.subjects == {f"asn.in.{source}.{name}.v1": 1}, "moved more than once"
        found[name] = int((await js.get_last_msg(INBOX_STREAM, f"asn.in.{source}.{name}.v1")).seq or 0)
    return found


async def caught_up(js: JetStreamContext) -> bool | None:
    return True if await intake_behind(js, SOURCES) == 0 else None


async def test_submissions_waiting_in_several_streams_enter_inbox_in_the_order_they_arrived(
    stack: Stack, js: JetStreamContext, senders: dict[str, Client]
) -> None:
    order = [(source, token()) for _ in range(6) for source in (BKPSDM, LAN, LAPOR, LAN)]
    for source, name in order:  # each acknowledged before the next is sent, by whichever sender
        await publish(senders, source, name)
    async with running_intake(stack):
        sequences = await eventually(lambda: inbox_sequences(js, {name: source for source, name in order}))
    assert sorted(sequences, key=sequences.__getitem__) == [name for _, name in order]


async def test_while_it_runs_what_was_acknowledged_first_enters_inbox_first(
    stack: Stack, js: JetStreamContext, senders: dict[str, Client]
) -> None:
    """A registration acknowledged before another sender publishes the training: never overtaken."""
    order = [(source, token()) for _ in range(15) for source in (BKPSDM, LAN, LAPOR)]
    async with running_intake(stack):
        for source, name in order:
            await publish(senders, source, name)
        sequences = await eventually(lambda: inbox_sequences(js, {name: source for source, name in order}))
    assert sorted(sequences, key=sequences.__getitem__) == [name for _, name in order]


async def test_a_moved_submission_names_its_sender_and_when_it_arrived(
    stack: Stack, js: JetStreamContext, senders: dict[str, Client]
) -> None:
    name = token()
    await publish(senders, LAPOR, name)
    async with running_intake(stack):
        await eventually(lambda: inbox_sequences(js, {name: LAPOR}))
    moved = await js.get_last_msg(INBOX_STREAM, f"asn.in.{LAPOR}.{name}.v1")
    arrived = await js.get_last_msg(submission_stream(LAPOR), f"asn.submit.{LAPOR}.{name}.v1")
    assert moved.headers is not None
    assert moved.data == arrived.data == b"{}"
    assert moved.headers[SUBMISSION_HEADER] == f"{LAPOR} {arrived.seq}"
    assert arrived.time is not None
    received = datetime.fromisoformat(moved.headers[RECEIVED_AT_HEADER])
    assert abs(received - arrived.time) < timedelta(milliseconds=1)  # when the sender's stream stored it
    assert moved.headers["Nats-Msg-Id"] == f"submit/{LAPOR}/{arrived.seq}"  # not the sender's own id


@pytest.mark.parametrize("keep", ["stale", "lost"])
async def test_a_restart_moves_nothing_twice_whatever_happened_to_the_kept_positions(
    stack: Stack, js: JetStreamContext, senders: dict[str, Client], keep: str
) -> None:
    """Moves after the last keep (a crash between them) are read back from INBOX itself."""
    kv = await js.key_value(INTAKE_BUCKET)
    async with running_intake(stack):
        await eventually(lambda: caught_up(js))
    before = await kv.get(POSITIONS_KEY)
    first = [token() for _ in range(20)]
    for name in first:
        await publish(senders, LAN, name)
    async with running_intake(stack):
        await eventually(lambda: inbox_sequences(js, dict.fromkeys(first, LAN)))
    if keep == "stale":
        await kv.put(POSITIONS_KEY, before.value or b"{}")  # as if it stopped before keeping these moves
    else:
        await kv.delete(POSITIONS_KEY)

    later = [token() for _ in range(5)]
    for name in later:
        await publish(senders, LAN, name)
    async with running_intake(stack):
        await eventually(lambda: inbox_sequences(js, dict.fromkeys(first + later, LAN)))  # each once (asserted)
        await eventually(lambda: caught_up(js))
    kept = json.loads((await kv.get(POSITIONS_KEY)).value or b"{}")
    last = (await js.stream_info(submission_stream(LAN))).state.last_seq
    assert kept["positions"][LAN] == last


async def test_once_caught_up_it_waits_instead_of_looking_again_and_again(
    stack: Stack, js: JetStreamContext, senders: dict[str, Client]
) -> None:
    """A submission wakes it; after moving it, it sleeps until the next one (or its poll)."""
    async with running_intake(stack) as intake:
        name = token()
        await publish(senders, LAN, name)  # sets the wake-up
        await eventually(lambda: inbox_sequences(js, {name: LAN}))
        rounds = 0
        look = intake._look_all

        async def counted() -> None:
            nonlocal rounds
            rounds += 1
            await look()

        intake._look_all = counted  # type: ignore[method-assign]
        await asyncio.sleep(1.0)  # five polls of 0.2 s
    assert rounds <= 10, f"{rounds} rounds in a second with nothing arriving"


async def test_a_sender_not_provisioned_yet_does_not_hold_up_the_others(
    stack: Stack, js: JetStreamContext, senders: dict[str, Client]
) -> None:
    async with running_intake(stack, [*SOURCES, "added-to-the-map-later"]):
        name = token()
        await publish(senders, LAN, name)
        await eventually(lambda: inbox_sequences(js, {name: LAN}))


@pytest.mark.parametrize("keep", ["stale", "lost"])
async def test_a_restart_after_settled_submissions_were_deleted_moves_the_rest_at_once_and_none_twice(
    stack: Stack, js: JetStreamContext, senders: dict[str, Client], keep: str
) -> None:
    """Ingest deletes settled complaint submissions from INBOX and the sender's stream (services.ingest.forget),
    so a restart from an older position meets gaps, and a tail of the sender's stream that is all gone."""
    kv = await js.key_value(INTAKE_BUCKET)
    async with running_intake(stack):
        await eventually(lambda: caught_up(js))
    before = await kv.get(POSITIONS_KEY)
    kept, forgotten = [token() for _ in range(3)], [f"complaint-{token()}" for _ in range(3)]
    for name in [kept[0], forgotten[0], kept[1], forgotten[1], kept[2], forgotten[2]]:
        await publish(senders, LAPOR, name)
    async with running_intake(stack):
        await eventually(lambda: inbox_sequences(js, dict.fromkeys(kept + forgotten, LAPOR)))
    for name in forgotten:  # as ingest does once they are settled
        moved = await js.get_last_msg(INBOX_STREAM, f"asn.in.{LAPOR}.{name}.v1")
        assert moved.headers is not None
        assert moved.seq is not None
        await forget(js, moved.seq, moved_submission_of(moved.headers))
    if keep == "stale":
        await kv.put(POSITIONS_KEY, before.value or b"{}")
    else:
        await kv.delete(POSITIONS_KEY)

    later = [token() for _ in range(3)]
    async with running_intake(stack):
        await eventually(lambda: caught_up(js), within=4)  # the deleted tail counts as moved, and is kept so
        for name in later:
            await publish(senders, LAPOR, name)
        await eventually(lambda: inbox_sequences(js, dict.fromkeys(kept + later, LAPOR)), within=4)  # once each
        await eventually(lambda: caught_up(js), within=4)
    for name in forgotten:
        info = await js.stream_info(INBOX_STREAM, subjects_filter=f"asn.in.{LAPOR}.{name}.v1")
        assert not info.state.subjects, "a deleted submission was not moved again"
