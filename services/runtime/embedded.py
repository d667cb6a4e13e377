"""Start and stop the embedded servers together, in the right order."""

import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from services.runtime.nats_server import start_nats
from services.runtime.postgres_server import start_postgres

DATABASE = "jejak"


@dataclass(frozen=True)
class ServerUrls:
    """Where the servers are, and how long starting them took."""

    nats_url: str
    database_url: str
    admin_database_url: str | None
    """The maintenance database to create ``jejak`` in; None when the database is given."""
    started_in_seconds: float


@contextmanager
def embedded_servers(
    home: Path,
    *,
    nats_port: int,
    nats_monitor_port: int,
    postgres_port: int,
    postgres_os_user: str,
    nats_sync_always: bool,
) -> Iterator[ServerUrls]:
    """NATS and PostgreSQL with their data under ``home``; both stopped on exit, data kept."""
    began = time.monotonic()
    with ExitStack() as stack:
        postgres = start_postgres(home / "postgres", postgres_port, postgres_os_user)
        stack.callback(postgres.stop)
        nats = start_nats(home / "nats", nats_port, nats_monitor_port, sync_always=nats_sync_always)
        stack.callback(nats.stop)
        yield ServerUrls(
            nats_url=nats.url,
            database_url=postgres.url(DATABASE),
            admin_database_url=postgres.url("postgres"),
            started_in_seconds=time.monotonic() - began,
        )
