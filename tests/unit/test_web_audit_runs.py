"""The dashboard's verification runner: one at a time, its progress readable while it runs, failures shown."""

import asyncio
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from services.audit.offline import Checkpoint
from services.audit.verification_log import Verification
from services.web.audit_runs import Progress, Verifications


class FakeCursor:
    def __init__(self, recorded: list[Any]) -> None:
        self.recorded = recorded

    async def execute(self, _query: Any, params: Any) -> None:
        self.recorded.append(params)


class FakePool:
    """Records what the runner writes to ``audit_verification``."""

    def __init__(self) -> None:
        self.recorded: list[Any] = []

    @asynccontextmanager
    async def connection(self) -> AsyncIterator["FakePool"]:
        yield self

    @asynccontextmanager
    async def cursor(self) -> AsyncIterator[FakeCursor]:
        yield FakeCursor(self.recorded)


def as_pool(fake: FakePool) -> Any:
    """The fake where the runner expects a psycopg pool (it uses ``connection()`` and ``cursor()`` only)."""
    return fake


class SlowRuns(Verifications):
    """Verifies nothing; walks ten rows, waiting for the test between each."""

    def __init__(self, fail: bool = False) -> None:
        super().__init__("postgresql://unused", Path("/nonexistent"))
        self.step = threading.Semaphore(0)
        self.fail = fail

    def _verify(self, progress: Progress, published: list[Checkpoint] | None) -> Verification:
        progress.begin("chain", 10)
        for _ in range(10):
            self.step.acquire()
            progress.advance()
            if self.fail:
                raise RuntimeError("the database went away")
        return Verification("t", progress.started_at, True, 10, 10, 1, 10, 0, ["VERIFIED"])


async def wait_until(check: Any) -> None:
    for _ in range(500):
        if check():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("never happened")


async def test_one_verification_at_a_time_with_its_progress_and_its_result_recorded() -> None:
    runs, pool = SlowRuns(), as_pool(FakePool())
    first = runs.start(pool, "token a")
    assert runs.start(pool, "token b") is first  # a second click joins the running one
    for _ in range(4):
        runs.step.release()
    await wait_until(lambda: first.done == 4)
    assert (runs.running, first.step, first.total, first.percent) == (True, "chain", 10, 40)
    for _ in range(6):
        runs.step.release()
    await wait_until(lambda: not runs.running)
    assert first.finished is not None
    assert first.finished.ok
    assert pool.recorded[0]["requested_by"] == "t"
    assert pool.recorded[0]["lines"].obj == ["VERIFIED"]
    second = runs.start(pool, "token c")
    assert second is not first
    for _ in range(10):
        runs.step.release()
    await wait_until(lambda: not runs.running)


async def test_a_verification_that_cannot_run_says_why_and_records_nothing() -> None:
    runs, pool = SlowRuns(fail=True), as_pool(FakePool())
    progress = runs.start(pool, "token a")
    runs.step.release()
    await wait_until(lambda: not runs.running)
    assert progress.error == "RuntimeError: the database went away"
    assert progress.finished is None
    assert pool.recorded == []


def test_progress_of_an_empty_store_is_complete() -> None:
    assert Progress("t", datetime.now(UTC)).percent == 100


class BrokenPool(FakePool):
    @asynccontextmanager
    async def connection(self) -> AsyncIterator["FakePool"]:
        raise OSError("connection refused")
        yield self


async def test_a_result_that_cannot_be_recorded_is_still_shown_with_the_reason() -> None:
    runs = SlowRuns()
    progress = runs.start(as_pool(BrokenPool()), "token a")
    for _ in range(10):
        runs.step.release()
    await wait_until(lambda: not runs.running)
    assert progress.finished is not None
    assert progress.error == "the result was not recorded: OSError: connection refused"
