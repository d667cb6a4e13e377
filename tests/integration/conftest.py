"""Fixtures for tests that use the real PostgreSQL directly, and ingest run in the test's own process."""

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager

import httpx
import nats
import pytest
from fastapi import FastAPI
from nats.aio.client import Client

from domain.records import Records
from services.api.app import create_app
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
    app = open_records(stack.login("ingest"))
    yield app
    app.close()


def ingest_of(stack: Stack, records: Records, connection: Client, settings: Settings) -> Ingest:
    """Ingest as the services run it, over ``records`` (which a test may have patched)."""
    senders = load_senders(settings.senders_file)
    return Ingest(
        records, PostgresKeyVault(stack.login("ingest")), senders, connection.jetstream(),
        settings, ParkedSubmissions(stack.login("ingest")), Intake(connection, list(senders.names)),
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


@pytest.fixture
async def api_app(stack: Stack) -> AsyncIterator[FastAPI]:
    """The API (and the dashboard) in this process, on the session's database, started as uvicorn starts it."""
    running = create_app(stack.login("api"))
    async with running.router.lifespan_context(running):
        yield running


def client_at(app: FastAPI, address: str, base_url: str = "http://api") -> httpx.AsyncClient:
    """A client of the in-process ``app`` as seen from ``address`` (the failed sign-in bound is per address)."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=(address, 40000)), base_url=base_url)
