"""Fixtures for tests that use the real PostgreSQL directly, and ingest run in the test's own process."""

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager

import nats
import pytest
from nats.aio.client import Client

from domain.records import Records
from services.database import open_records
from services.ingest.intake import Intake
from services.ingest.parking import ParkedSubmissions
from services.ingest.worker import Ingest
from services.personal_data import PostgresKeyVault
from services.senders import load_senders
from services.settings import Settings
from tests.conftest import Stack


@pytest.fixture
def records(stack: Stack) -> Iterator[Records]:
    """The application over the session's event store."""
    app = open_records(stack.database_url)
    yield app
    app.close()


def ingest_of(stack: Stack, records: Records, connection: Client, settings: Settings) -> Ingest:
    """Ingest as the services run it, over ``records`` (which a test may have patched)."""
    senders = load_senders(settings.senders_file)
    return Ingest(
        records, PostgresKeyVault(stack.database_url), senders, connection.jetstream(),
        settings, ParkedSubmissions(stack.database_url), Intake(connection, list(senders.names)),
    )  # fmt: skip


@asynccontextmanager
async def running_ingest(stack: Stack, records: Records, settings: Settings) -> AsyncIterator[Ingest]:
    """Ingest running in this process until the block ends, on a connection of its own."""
    connection = await nats.connect(stack.nats_url)
    ingest = ingest_of(stack, records, connection, settings)
    stop = asyncio.Event()
    task = asyncio.create_task(ingest.run(stop))
    try:
        yield ingest
    finally:
        stop.set()
        await task
        await connection.close()
