"""The real servers for the whole session, started by the same runtime code as ``jejak up``.

With JEJAK_NATS_URL and JEJAK_DATABASE_URL both set, those servers are used (they must be empty
or provisioned with the test settings below); otherwise NATS and PostgreSQL are started on free
ports in a temporary folder and stopped at the end.
"""

import asyncio
import os
import shutil
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import nats
import psycopg
import pytest
from nats.aio.client import Client
from nats.js import JetStreamContext

from services.provision import provision
from services.runtime.embedded import ServerUrls
from services.runtime.scratch import scratch_servers
from services.settings import Settings

TEST_SETTINGS = Settings(
    inbox_duplicate_window_seconds=1.5,  # short, so a late duplicate must be caught by the receipt
    retry_max_delay_seconds=2.0,
    consumer_ack_wait_seconds=30.0,
    nats_sync_always=False,
)


@dataclass(frozen=True)
class Stack:
    """The servers every integration and end-to-end test talks to."""

    nats_url: str
    """The services' login (user ``jejak``)."""
    database_url: str
    """The operator's login (embedded: role ``jejak``: owns the read models and tokens, reads the store; each
    service logs in as its own role, ``login``)."""
    settings: Settings
    started_in_seconds: float
    provisioned_in_seconds: float
    servers: ServerUrls | None = None
    """The embedded servers, with every sender's login; None for servers given by JEJAK_*_URL."""

    @property
    def owner_database_url(self) -> str:
        """The event store's owner (embedded: the superuser, who can tamper with it, as the audit tests do)."""
        if self.servers is None or self.servers.owner_database_url is None:
            return os.environ.get("JEJAK_OWNER_DATABASE_URL", self.database_url)
        return self.servers.owner_database_url

    def login(self, service: str) -> str:
        """The database URL ``service`` logs in with (``services.database_roles``), as ``jejak run`` uses it."""
        return self.settings.service_database_url(self.database_url, service)

    def sender_url(self, source: str) -> str:
        """Where ``source`` connects as itself (given servers: the one URL, logins are theirs)."""
        return self.nats_url if self.servers is None else self.servers.sender_url(source)


STARTUP: dict[str, float] = {}


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    nats_url, database_url = os.environ.get("JEJAK_NATS_URL"), os.environ.get("JEJAK_DATABASE_URL")
    if nats_url and database_url:
        began = time.monotonic()
        asyncio.run(
            provision(
                TEST_SETTINGS, nats_url, database_url, owner_database_url=os.environ.get("JEJAK_OWNER_DATABASE_URL")
            )
        )
        yield Stack(nats_url, database_url, TEST_SETTINGS, 0.0, time.monotonic() - began)
        return
    with embedded_stack() as started:
        STARTUP["servers"] = started.started_in_seconds
        STARTUP["provisioning"] = started.provisioned_in_seconds
        yield started


@contextmanager
def embedded_stack(settings: Settings = TEST_SETTINGS) -> Iterator[Stack]:
    """Fresh embedded servers on free ports in a temporary folder, provisioned; removed on exit."""
    with scratch_servers(settings, prefix="jejak-test-") as scratch:
        urls = scratch.urls
        yield Stack(
            urls.nats_url,
            urls.database_url,
            scratch.settings,
            urls.started_in_seconds,
            scratch.provisioned_in_seconds,
            urls,
        )


@pytest.fixture(scope="session")
async def nats_client(stack: Stack) -> AsyncIterator[Client]:
    client = await nats.connect(stack.nats_url, name="jejak-tests")
    yield client
    await client.close()


@pytest.fixture(scope="session")
def js(nats_client: Client) -> JetStreamContext:
    return nats_client.jetstream()


@pytest.fixture
def db(stack: Stack) -> Iterator[psycopg.Connection[tuple[object, ...]]]:
    with psycopg.connect(stack.database_url, autocommit=True) as conn:
        yield conn


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if STARTUP:
        terminalreporter.write_line(
            "start-up times: " + ", ".join(f"{what} {seconds:.2f} s" for what, seconds in STARTUP.items())
        )


@pytest.fixture
def server_folder() -> Iterator[Path]:
    """An empty folder for servers of a test's own, which the PostgreSQL user may enter (as root it is not root)."""
    made = Path(tempfile.mkdtemp(prefix="jejak-test-servers-"))
    made.chmod(0o755)
    yield made
    shutil.rmtree(made, ignore_errors=True)
