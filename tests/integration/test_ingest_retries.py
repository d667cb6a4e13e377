"""A transient failure is retried with back-off on the real NATS, never rejected, never dropped."""

import asyncio
from collections.abc import AsyncIterator, Callable

import nats
import pytest
from eventsourcing.persistence import OperationalError
from nats.js import JetStreamContext

from domain.civil_servant import CivilServant
from domain.identity import receipt_id
from domain.policy import Policy
from domain.records import Outcome, Records, Submission
from tests.builders import register_in, training_completed
from tests.conftest import Stack
from tests.e2e.publishing import publish_to
from tests.integration.conftest import ingest_of, running_ingest
from tests.streams import inbox_settled, rejections_of
from tests.waiting import eventually

pytestmark = pytest.mark.integration


class FlakyDatabase:
    """Fails the first ``failures`` saves the way a restarting database does."""

    def __init__(self, records: Records, failures: int) -> None:
        self.save = records.change_employee
        self.failures = failures
        self.calls = 0

    def __call__(self, submission: Submission, nip: str, change: Callable[[CivilServant, Policy], None]) -> Outcome:
        self.calls += 1
        if self.calls <= self.failures:
            raise OperationalError("the database system is starting up")
        return self.save(submission, nip, change)


@pytest.fixture
async def flaky_ingest(stack: Stack, records: Records, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FlakyDatabase]:
    flaky = FlakyDatabase(records, failures=2)
    monkeypatch.setattr(records, "change_employee", flaky)
    async with running_ingest(stack, records, stack.settings.model_copy(update={"retry_max_delay_seconds": 1.0})):
        yield flaky


async def test_a_failing_database_delays_the_submission_but_records_it(
    stack: Stack, flaky_ingest: FlakyDatabase, records: Records, js: JetStreamContext
) -> None:
    body = training_completed(employee_nip=register_in(records))
    await publish_to(stack, body)  # as the training provider

    async def stored() -> bool | None:
        return True if receipt_id(body["source"], body["event_id"]) in records.repository else None

    await eventually(stored, within=20, what="the submission stored after two failures")
    await eventually(lambda: inbox_settled(js), what="INBOX acknowledged")
    assert flaky_ingest.calls == 3
    assert await rejections_of(js, body["event_id"]) == []


async def test_a_stopped_ingest_leaves_nothing_for_the_connection_to_wait_for(stack: Stack, records: Records) -> None:
    """A pull subscription never drains by itself: left subscribed, closing the services took drain's 30 s."""
    connection = await nats.connect(stack.nats_url)
    ingest = ingest_of(stack, records, connection, stack.settings)
    stop = asyncio.Event()
    task = asyncio.create_task(ingest.run(stop))
    await asyncio.sleep(1.0)  # at least one fetch made
    stop.set()
    await task
    await asyncio.wait_for(connection.drain(), timeout=10)  # hangs for nats-py's 30 s drain timeout otherwise
    assert connection.is_closed
