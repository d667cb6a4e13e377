"""Failed sign-in attempts counted per client address: guessing tokens is slowed to a crawl.

Without a bound, 500 guesses took 1.7 s. Each wrong, unknown or revoked token a client address
presents (to the API or the dashboard's sign-in) is remembered for ``window`` seconds; past
``limit`` of them the address gets 429 with ``Retry-After`` until the oldest expires, whatever
token it sends then. Kept in the process's memory: behind several API processes, each counts its
own, so the bound is ``limit`` times their number.
"""

import math
import time
from collections import OrderedDict, deque
from collections.abc import Callable

from fastapi import HTTPException

DEFAULT_LIMIT = 20
DEFAULT_WINDOW_SECONDS = 60.0
MAX_ADDRESSES = 100_000
"""Addresses remembered at most: a flood from many addresses cannot grow the memory without end."""


class FailedAttempts:
    """The failures of each address within the window, oldest first."""

    def __init__(
        self, limit: int = DEFAULT_LIMIT, window: float = DEFAULT_WINDOW_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:  # fmt: skip
        self.limit = limit
        self.window = window
        self.clock = clock
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()

    def check(self, address: str) -> None:
        """429 while ``address`` has ``limit`` failures inside the window."""
        failures = self._recent(address)
        if failures is not None and len(failures) >= self.limit:
            wait = math.ceil(failures[0] + self.window - self.clock())
            raise HTTPException(
                429,
                f"too many failed sign-in attempts from {address}: try again in {wait} s",
                headers={"Retry-After": str(max(wait, 1))},
            )

    def failed(self, address: str) -> None:
        failures = self._recent(address) or deque()
        failures.append(self.clock())
        self._failures[address] = failures
        self._failures.move_to_end(address)
        while len(self._failures) > MAX_ADDRESSES:
            self._failures.popitem(last=False)

    def _recent(self, address: str) -> deque[float] | None:
        failures = self._failures.get(address)
        if failures is None:
            return None
        horizon = self.clock() - self.window
        while failures and failures[0] <= horizon:
            failures.popleft()
        return failures
