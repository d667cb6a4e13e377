"""The servers a measurement runs on: fresh embedded ones per stage, or the ones ``JEJAK_*_URL`` name.

Fresh servers (through the project's own runtime, on free loopback ports in a temporary folder,
never the machine's own PostgreSQL or NATS) make stages independent: a relay measurement starts
with the store full and EVENTS empty because nothing else ever ran there. On given servers the
stages run one after another on the same data instead; nothing else may run against them.
"""

import asyncio
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from services.nats_login import services_nats_url
from services.provision import provision
from services.runtime.embedded import ServerUrls
from services.runtime.scratch import Scratch, scratch_servers, servers_on
from services.settings import Settings


@dataclass(frozen=True)
class BenchStack:
    """Where one measurement's servers are, and the logins it needs."""

    nats_url: str
    """The services' login (user ``jejak``)."""
    database_url: str
    """The services' login (role ``jejak``)."""
    owner_database_url: str
    """Embedded: the superuser (the naive reference's own tables go there); given: the services' URL."""
    settings: Settings
    home: Path
    servers: ServerUrls | None
    """None for servers given by ``JEJAK_*_URL``."""

    @property
    def embedded(self) -> bool:
        return self.servers is not None

    def sender_url(self, source: str) -> str:
        """Where departmental system ``source`` logs in; on given servers, the one given URL."""
        return self.nats_url if self.servers is None else self.servers.sender_url(source)

    def service_env(self, api_port: int | None = None) -> dict[str, str]:
        """The environment of a ``jejak run`` child: these servers, and no other ``JEJAK_*`` leaking in."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("JEJAK_")}
        env |= {
            "JEJAK_NATS_URL": self.nats_url,
            "JEJAK_DATABASE_URL": self.database_url,
            "JEJAK_HOME": str(self.home),
            "JEJAK_RETRY_MAX_DELAY_SECONDS": "2",
        }
        if api_port is not None:
            env["JEJAK_API_PORT"] = str(api_port)
        return env


def given_servers() -> bool:
    """Both ``JEJAK_NATS_URL`` and ``JEJAK_DATABASE_URL`` set: measure on those, start nothing."""
    return bool(os.environ.get("JEJAK_NATS_URL") and os.environ.get("JEJAK_DATABASE_URL"))


def bench_settings(*, fsync: bool) -> Settings:
    """The production defaults (as ``jejak up`` runs), except JetStream's fsync when asked."""
    return Settings().model_copy(update={"nats_sync_always": fsync})


@contextmanager
def fresh_stack(settings: Settings) -> Iterator[BenchStack]:
    """New embedded servers, provisioned, removed on exit; or the given servers, provisioned (idempotent)."""
    if given_servers():
        home = Path(tempfile.mkdtemp(prefix="jejak-bench-"))
        settings = settings.model_copy(update={"home": home})
        try:
            nats_url, database_url = services_nats_url(settings), str(settings.database_url)
            owner = settings.owner_database_url
            asyncio.run(provision(settings, nats_url, database_url, owner_database_url=owner))
            yield BenchStack(nats_url, database_url, owner or database_url, settings, home, None)
        finally:
            shutil.rmtree(home, ignore_errors=True)
        return
    with scratch_servers(settings, prefix="jejak-bench-") as scratch:
        yield embedded_stack(scratch)


def embedded_stack(scratch: Scratch) -> BenchStack:
    urls = scratch.urls
    owner = urls.owner_database_url or urls.database_url
    return BenchStack(urls.nats_url, urls.database_url, owner, scratch.settings, scratch.settings.home, urls)


@contextmanager
def stack_on(settings: Settings, home: Path, *, fresh: bool) -> Iterator[BenchStack]:
    """Embedded servers on ``home``, kept when they stop: provisioned when ``fresh``, else restarted on its data."""
    with servers_on(settings, home, fresh=fresh) as scratch:
        yield embedded_stack(scratch)


def copy_home(source: Path, target: Path) -> float:
    """Copy a stopped stack's folder, owners and modes kept (PostgreSQL's files belong to its own user); seconds.

    ``target`` is replaced. ``cp -a`` rather than ``shutil.copytree``, which keeps modes but not owners.
    """
    began = time.perf_counter()
    shutil.rmtree(target, ignore_errors=True)
    cp = shutil.which("cp") or "/bin/cp"
    subprocess.run([cp, "-a", str(source), str(target)], check=True, capture_output=True)  # noqa: S603 (our own paths)
    return time.perf_counter() - began
