"""A batch's positions are claimed in memory and written once, in the rows' transaction."""

import psycopg
import pytest

from projections.tracking import claim, claims_in_batch, position_of
from tests.conftest import Stack

pytestmark = pytest.mark.integration


async def test_a_batch_claims_in_memory_and_writes_its_position_once(stack: Stack) -> None:
    name = "test-claims-batch"
    async with await psycopg.AsyncConnection.connect(stack.database_url) as conn:
        async with conn.transaction(), conn.cursor() as cur:
            assert await claim(cur, name, 5)  # one event, the ordinary way: position 5
        async with conn.transaction(), conn.cursor() as cur, claims_in_batch(cur, name):
            outcomes = [await claim(cur, name, position) for position in (4, 5, 6, 7, 7, 9)]
        assert outcomes == [False, False, True, True, False, True]  # older and repeated ones skipped
        async with conn.cursor() as cur:
            assert await position_of(cur, name) == 9


async def test_a_failed_batch_leaves_the_position_where_it_was(stack: Stack) -> None:
    name = "test-claims-failed"
    async with await psycopg.AsyncConnection.connect(stack.database_url) as conn:
        async with conn.transaction(), conn.cursor() as cur:
            assert await claim(cur, name, 3)

        async def failing_batch() -> None:
            async with conn.transaction(), conn.cursor() as cur, claims_in_batch(cur, name):
                assert await claim(cur, name, 10)
                raise RuntimeError("the rows could not be written")

        with pytest.raises(RuntimeError):
            await failing_batch()
        async with conn.cursor() as cur:
            assert await position_of(cur, name) == 3


async def test_nested_batches_each_write_their_own_position(stack: Stack) -> None:
    """A replay feeds several read models in one transaction, each with its own position."""
    first, second = "test-claims-nested-a", "test-claims-nested-b"
    async with await psycopg.AsyncConnection.connect(stack.database_url) as conn:
        async with (
            conn.transaction(),
            conn.cursor() as cur,
            claims_in_batch(cur, first),
            claims_in_batch(cur, second),
        ):
            for position in (1, 2, 3):
                assert await claim(cur, first, position)
                assert await claim(cur, second, position)
        async with conn.cursor() as cur:
            assert (await position_of(cur, first), await position_of(cur, second)) == (3, 3)
