"""Batches in stream order on the real JetStream: handed-back and crashed deliveries keep their place."""

from collections.abc import AsyncIterator
from uuid import uuid4

import pytest
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy, StreamConfig

from projections.ordered_pull import OrderedPull, sequence_of
from tests.waiting import eventually

pytestmark = pytest.mark.integration

ACK_WAIT = 2.0


@pytest.fixture
async def stream(js: JetStreamContext) -> AsyncIterator[str]:
    """A stream and durable consumer of their own (batch in flight, a short ack wait)."""
    name = f"ORDERED_{uuid4().hex[:8].upper()}"
    await js.add_stream(StreamConfig(name=name, subjects=[f"{name.lower()}.>"]))
    await js.add_consumer(
        name,
        ConsumerConfig(
            durable_name="worker", deliver_policy=DeliverPolicy.ALL, ack_policy=AckPolicy.EXPLICIT,
            ack_wait=ACK_WAIT, max_deliver=-1, max_ack_pending=100,
        ),
    )  # fmt: skip
    yield name
    await js.delete_stream(name)


class RaisesAsyncioTimeout:
    async def fetch(self, batch: int, timeout: float) -> list[Msg]:  # noqa: ASYNC109 (nats-py's signature)
        raise TimeoutError


async def publish(js: JetStreamContext, stream: str, count: int) -> None:
    for _ in range(count):
        await js.publish(f"{stream.lower()}.x", b"{}", stream=stream)


def puller(js: JetStreamContext, stream: str) -> OrderedPull:
    return OrderedPull(js, stream, "worker", batch=100, timeout=0.5)


async def drain_in_order(pull: OrderedPull, until: int) -> list[int]:
    """Fetch, ack and record sequences until ``until`` was applied."""
    seen: list[int] = []

    async def step() -> bool | None:
        for message in await pull.fetch():
            await message.ack()
            pull.applied(message)
            seen.append(sequence_of(message))
        return True if seen and seen[-1] >= until else None

    await eventually(step, within=20, what=f"sequence {until} applied")
    return seen


async def test_messages_handed_back_come_again_before_later_ones(js: JetStreamContext, stream: str) -> None:
    await publish(js, stream, 10)
    pull = puller(js, stream)
    first = await drain_until_some(pull)
    for message in first[:3]:
        await message.ack()
    pull.applied(first[2])
    await pull.hand_back(first[3:])  # a failed batch: nothing of it applied
    await publish(js, stream, 5)
    assert await drain_in_order(pull, 15) == list(range(4, 16))
    await pull.close()


async def test_a_crashed_workers_deliveries_are_applied_before_anything_after_them(
    js: JetStreamContext, stream: str
) -> None:
    await publish(js, stream, 5)
    dead = puller(js, stream)
    assert [sequence_of(message) for message in await drain_until_some(dead)] == [1, 2, 3, 4, 5]
    await dead.close()  # crashed: fetched, never acknowledged
    await publish(js, stream, 3)
    restarted = puller(js, stream)
    assert await drain_in_order(restarted, 8) == list(range(1, 9))  # 1..5 after their ack wait, then 6..8
    await restarted.close()


async def test_a_deleted_message_is_skipped_once_nothing_else_is_in_flight(js: JetStreamContext, stream: str) -> None:
    await publish(js, stream, 5)
    await js.delete_msg(stream, 3)
    pull = puller(js, stream)
    assert await drain_in_order(pull, 5) == [1, 2, 4, 5]
    await pull.close()


async def drain_until_some(pull: OrderedPull) -> list[Msg]:
    async def some() -> list[Msg] | None:
        return list(await pull.fetch()) or None

    return await eventually(some, within=10, what="a first batch")


async def test_nothing_to_fetch_is_an_empty_batch_not_a_failure(js: JetStreamContext, stream: str) -> None:
    """An idle consumer: nats-py raises asyncio's TimeoutError, which the workers took for a failure and
    backed off on (up to a minute), so the first event after a quiet spell waited that long."""
    # nats-py raises asyncio's own TimeoutError when the first (no-wait) request used up the deadline,
    # which happens under load; that path cannot be forced here, so a subscription that does just that:
    hurried = puller(js, stream)
    hurried._subscription = RaisesAsyncioTimeout()  # type: ignore[assignment]
    assert await hurried.fetch() == []
    pull = puller(js, stream)
    for _ in range(2):
        assert await pull.fetch() == []
    await publish(js, stream, 1)
    assert await drain_in_order(pull, 1) == [1]
    await pull.close()
