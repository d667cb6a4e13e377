"""Start and stop the embedded servers together, in the right order."""

import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from services.runtime.nats_auth import CredentialsError, NatsCredentials
from services.runtime.nats_server import start_nats
from services.runtime.postgres_server import SHARED_BUFFERS, start_postgres
from services.senders import Senders

DATABASE = "jejak"
SERVICES_ROLE = "jejak"
"""The services log in as this role, which may only append to the event store (services/store_roles.py)."""


def nats_data_dir(home: Path) -> Path:
    """The embedded NATS server's folder: its config, JetStream store, log and credentials."""
    return home / "nats"


@dataclass(frozen=True)
class ServerUrls:
    """Where the servers are, and how long starting them took."""

    nats_url: str
    """The services' URL (embedded: as user ``jejak``, with its password)."""
    database_url: str
    """The services' login (embedded: role ``jejak``, which may only append to the event store)."""
    admin_database_url: str | None
    """The maintenance database to create ``jejak`` in; None when the database is given."""
    started_in_seconds: float
    owner_database_url: str | None = None
    """The event store's owner, for provisioning; None: the services' role provisions (one role)."""
    nats_address: str | None = None
    """Embedded: the server's address without a login."""
    nats_credentials: NatsCredentials | None = None
    """Embedded: every NATS user's password; None when the servers are given (the operator's business)."""

    def sender_url(self, source: str) -> str:
        """The URL a departmental system connects with, logged in as its source."""
        if self.nats_credentials is None or self.nats_address is None:
            raise CredentialsError("the NATS server was given (JEJAK_NATS_URL): its logins are the operator's")
        return self.nats_credentials.url(self.nats_address, source)


@contextmanager
def embedded_servers(
    home: Path,
    *,
    nats_port: int,
    nats_monitor_port: int,
    postgres_port: int,
    postgres_os_user: str,
    postgres_shared_buffers: str = SHARED_BUFFERS,
    nats_sync_always: bool,
    senders: Senders,
    nats_max_payload: int,
) -> Iterator[ServerUrls]:
    """NATS and PostgreSQL with their data under ``home``; both stopped on exit, data kept."""
    began = time.monotonic()
    with ExitStack() as stack:
        postgres = start_postgres(home / "postgres", postgres_port, postgres_os_user, postgres_shared_buffers)
        stack.callback(postgres.stop)
        nats = start_nats(
            nats_data_dir(home),
            nats_port,
            nats_monitor_port,
            sync_always=nats_sync_always,
            senders=senders,
            max_payload=nats_max_payload,
        )
        stack.callback(nats.stop)
        yield ServerUrls(
            nats_url=nats.url,
            database_url=postgres.url(DATABASE, SERVICES_ROLE),
            admin_database_url=postgres.url("postgres"),
            started_in_seconds=time.monotonic() - began,
            owner_database_url=postgres.url(DATABASE),
            nats_address=nats.address,
            nats_credentials=nats.credentials,
        )
