"""Failed sign-ins per address: past the limit a 429 until the oldest failure leaves the window."""

import pytest
from fastapi import HTTPException

from services.api.attempts import FailedAttempts


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_limit_is_per_address_and_lifts_as_failures_age() -> None:
    clock = Clock()
    attempts = FailedAttempts(limit=3, window=60, clock=clock)
    for _ in range(3):
        attempts.check("10.0.0.1")
        attempts.failed("10.0.0.1")
        clock.now += 1
    with pytest.raises(HTTPException) as refused:
        attempts.check("10.0.0.1")
    assert refused.value.status_code == 429
    assert refused.value.headers == {"Retry-After": "57"}
    attempts.check("10.0.0.2")  # another address is not held up
    clock.now = 1060.5  # the first failure has left the window
    attempts.check("10.0.0.1")
