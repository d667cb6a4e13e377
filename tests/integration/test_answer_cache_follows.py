"""The API's caches follow changes through PostgreSQL notifications, and stop when they cannot.

Kept answers follow the read models; kept token holders follow the token store.
"""

import asyncio

import psycopg
import pytest

from projections.tracking import READ_MODELS_CHANNEL
from services import tokens
from services.api.answer_cache import AnswerCache
from services.api.app import what_to_follow
from services.api.auth import Caller
from services.api.notifications import Follower, follow
from services.api.token_cache import TokenCache
from services.database import read_pool
from tests.conftest import Stack
from tests.waiting import eventually

pytestmark = pytest.mark.integration


async def test_a_projection_moving_its_position_starts_a_new_generation(stack: Stack) -> None:
    cache, ready = AnswerCache(), asyncio.Event()
    followers = {READ_MODELS_CHANNEL: cache}
    task = asyncio.create_task(follow(stack.database_url, followers, retry_seconds=0.1, ready=ready))
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


async def test_a_revoked_token_is_forgotten_and_a_new_one_forgets_nothing(stack: Stack) -> None:
    answers, kept, ready = AnswerCache(), TokenCache(), asyncio.Event()
    followers: dict[str, Follower] = {READ_MODELS_CHANNEL: answers, tokens.TOKENS_CHANNEL: kept}
    task = asyncio.create_task(follow(stack.database_url, followers, retry_seconds=0.1, ready=ready))
    try:
        await asyncio.wait_for(ready.wait(), 10)
        async with await psycopg.AsyncConnection.connect(stack.database_url, autocommit=True) as conn:
            async with conn.cursor() as cur:
                issued = await tokens.create(cur, tokens.Role.BKPSDM)
            kept.keep(issued.token, kept.generation, Caller(issued.record.token_id, tokens.Role.BKPSDM))
            async with conn.cursor() as cur:
                await tokens.create(cur, tokens.Role.PUBLIC)  # a new token changes no holder
            await asyncio.sleep(0.3)
            assert kept.holder(issued.token) == Caller(issued.record.token_id, tokens.Role.BKPSDM)
            answers_generation = answers.generation
            async with conn.cursor() as cur:
                await tokens.revoke(cur, issued.record.token_id)

        async def forgotten() -> bool | None:
            return True if kept.holder(issued.token) is None else None

        await eventually(forgotten, within=5, what="the revocation's notification")
        assert answers.generation == answers_generation  # a token change leaves kept answers alone
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert not kept.live


async def test_a_store_that_announces_no_token_changes_gets_no_token_holders_kept(stack: Stack) -> None:
    """A store provisioned before the trigger: keeping holders would let a revoked token through."""
    answers, kept = AnswerCache(), TokenCache()
    async with read_pool(stack.database_url) as pool:
        assert set(await what_to_follow(pool, answers, kept)) == {READ_MODELS_CHANNEL, tokens.TOKENS_CHANNEL}
        async with await psycopg.AsyncConnection.connect(stack.database_url, autocommit=True) as conn:
            await conn.execute("DROP TRIGGER api_token_changed ON api_token")
            try:
                assert await what_to_follow(pool, answers, kept) == {READ_MODELS_CHANNEL: answers}
            finally:
                for statement in tokens.TOKENS_NOTIFY:
                    await conn.execute(statement)
        assert tokens.TOKENS_CHANNEL in await what_to_follow(pool, answers, kept)
