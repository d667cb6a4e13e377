"""The answer cache follows read-model changes through PostgreSQL notifications, and stops when it cannot."""

import asyncio

import psycopg
import pytest

from services.api.answer_cache import AnswerCache, follow_read_models
from tests.conftest import Stack
from tests.waiting import eventually

pytestmark = pytest.mark.integration


async def test_a_projection_moving_its_position_starts_a_new_generation(stack: Stack) -> None:
    cache, ready = AnswerCache(), asyncio.Event()
    task = asyncio.create_task(follow_read_models(stack.database_url, cache, retry_seconds=0.1, ready=ready))
    try:
        await asyncio.wait_for(ready.wait(), 10)
        assert cache.live
        before = cache.generation
        async with await psycopg.AsyncConnection.connect(stack.database_url, autocommit=True) as conn:
            await conn.execute(
                "INSERT INTO projection_position (projection, position) VALUES ('cache-test', 0) "
                "ON CONFLICT (projection) DO UPDATE SET position = projection_position.position + 1"
            )

        async def moved() -> int | None:
            return cache.generation if cache.generation > before else None

        await eventually(moved, within=5, what="the notification of the position change")

        ready.clear()
        async with await psycopg.AsyncConnection.connect(stack.database_url, autocommit=True) as conn:
            await conn.execute(  # the listening connection is cut
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE query LIKE 'LISTEN%%' AND pid <> pg_backend_pid() AND datname = current_database()"
            )

        async def off() -> bool | None:
            return True if not cache.live or ready.is_set() else None

        await eventually(off, within=5, what="the cache noticing the lost connection")
        await asyncio.wait_for(ready.wait(), 10)  # and listening again afterwards
        assert cache.live
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert not cache.live
