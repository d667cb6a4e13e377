"""Wait for an eventually consistent result without fixed sleeps."""

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


async def eventually(check: Callable[[], Awaitable[T | None]], within: float = 15.0, what: str = "condition") -> T:
    """Poll ``check`` until it returns something other than None; fail after ``within`` seconds."""
    deadline = time.monotonic() + within
    while True:
        result = await check()
        if result is not None:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not reached within {within:.0f} s")
        await asyncio.sleep(0.05)
