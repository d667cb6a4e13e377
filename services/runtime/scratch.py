"""Throw-away embedded servers: a temporary folder, free loopback ports, provisioned, removed on exit.

The test suite and the benchmarks start theirs this way, through the same runtime code as `jejak up`.
"""

import asyncio
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from services.provision import provision
from services.runtime.embedded import ServerUrls, embedded_servers
from services.runtime.process import free_port
from services.senders import load_senders
from services.settings import Settings


@dataclass(frozen=True)
class Scratch:
    settings: Settings
    """The given settings with ``home`` set to the temporary folder (the signing keys live there too)."""
    urls: ServerUrls
    provisioned_in_seconds: float


@contextmanager
def servers_on(settings: Settings, home: Path, *, fresh: bool) -> Iterator[Scratch]:
    """The embedded servers with their data in ``home``, on free loopback ports; stopped on exit, data kept.

    ``fresh``: provision them (a new home). Otherwise the servers restart on what ``home`` already
    holds (an earlier run's, or a copy of it), with no provisioning: the benchmark restores a
    stopped stack's copy this way to time the same step several times on identical data.
    """
    settings = settings.model_copy(update={"home": home})
    with embedded_servers(
        home,
        nats_port=free_port(),
        nats_monitor_port=free_port(),
        postgres_port=free_port(),
        postgres_os_user=settings.embedded_postgres_os_user,
        postgres_shared_buffers=settings.embedded_postgres_shared_buffers,
        nats_sync_always=settings.nats_sync_always,
        senders=load_senders(settings.senders_file),
        nats_max_payload=settings.nats_max_payload,
    ) as urls:
        began = time.monotonic()
        if fresh:
            asyncio.run(
                provision(settings, urls.nats_url, urls.database_url, urls.admin_database_url, urls.owner_database_url)
            )
        yield Scratch(settings, urls, time.monotonic() - began)


@contextmanager
def scratch_servers(settings: Settings, prefix: str = "jejak-scratch-") -> Iterator[Scratch]:
    """Fresh servers in a new temporary folder, provisioned; the folder is removed on exit."""
    home = Path(tempfile.mkdtemp(prefix=prefix))
    home.chmod(0o755)  # as root, PostgreSQL runs as an unprivileged user that must enter it
    try:
        with servers_on(settings, home, fresh=True) as scratch:
            yield scratch
    finally:
        shutil.rmtree(home, ignore_errors=True)
