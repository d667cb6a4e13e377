"""Run any set of Jejak's services in one process until told to stop, then stop them in order."""

import asyncio
import contextlib
from collections.abc import Callable, Generator, Iterable
from dataclasses import dataclass, field
from enum import StrEnum

import nats
import uvicorn

from domain.records import Records
from projections.worker import PROJECTIONS, ProjectionWorker
from services.api.app import create_app
from services.audit.checkpointer import Checkpointer
from services.audit.keys import load_signing_key
from services.database import open_records, read_pool
from services.ingest.intake import Intake
from services.ingest.parking import ParkedSubmissions
from services.ingest.worker import Ingest
from services.personal_data import PostgresKeyVault
from services.preflight import require_provisioned
from services.relay.worker import Relay
from services.retry import backoff_seconds
from services.runtime.nats_auth import redacted
from services.senders import load_senders
from services.settings import Settings
from services.web.session import SessionKeys, session_keys

"""FastStream's own messages (per message at DEBUG, task bookkeeping at INFO, failures above)."""


class Service(StrEnum):
    """The deployable services; compose runs each in its own container."""

    INGEST = "ingest"
    RELAY = "relay"
    PROJECTIONS = "projections"
    CHECKPOINTS = "checkpoints"
    API = "api"


class _QuietServer(uvicorn.Server):
    """uvicorn without its own signal handlers: the supervisor owns Ctrl-C and stops it last."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


@dataclass
class Running:
    """What was started, for the banner and for stopping."""

    where: dict[str, str] = field(default_factory=dict)


def dashboard_keys(settings: Settings) -> SessionKeys:
    """The dashboard's cookie-signing key: the configured secret, else one kept in the runtime's home."""
    secret = settings.session_secret.get_secret_value() if settings.session_secret else None
    return session_keys(settings.home, secret)


async def _start_ingest(
    stack: contextlib.AsyncExitStack,
    settings: Settings,
    nats_url: str,
    database_url: str,
    records: Records,
    stop: asyncio.Event,
) -> asyncio.Task[None]:
    connection = await nats.connect(nats_url, name="jejak-ingest", max_reconnect_attempts=-1)
    stack.push_async_callback(connection.drain)
    senders = load_senders(settings.senders_file)
    vault = PostgresKeyVault(database_url)
    stack.callback(vault.close)
    intake = Intake(connection, list(senders.names))
    ingest = Ingest(
        records, vault, senders, connection.jetstream(), settings, ParkedSubmissions(database_url), intake
    )  # fmt: skip
    return asyncio.create_task(ingest.run(stop), name="ingest")


async def _start_projections(
    stack: contextlib.AsyncExitStack, settings: Settings, nats_url: str, database_url: str, stop: asyncio.Event
) -> list[asyncio.Task[None]]:
    """One worker per read model on one connection and one pool (each keeps its own consumer and position)."""
    pool = await stack.enter_async_context(read_pool(database_url))
    connection = await nats.connect(nats_url, name="jejak-projections", max_reconnect_attempts=-1)
    stack.push_async_callback(connection.drain)
    js = connection.jetstream()
    workers = [
        ProjectionWorker(
            js,
            pool,
            projection,
            batch=settings.projection_batch_size,
            pull_timeout=settings.pull_timeout_seconds,
            backoff=lambda failures: backoff_seconds(failures, settings.retry_max_delay_seconds),
        )
        for projection in PROJECTIONS
    ]
    return [asyncio.create_task(worker.run(stop), name=f"projection-{worker.projection.name}") for worker in workers]


async def run_services(
    settings: Settings,
    nats_url: str,
    database_url: str,
    services: Iterable[Service],
    *,
    stop: asyncio.Event,
    on_ready: Callable[[Running], None] = lambda _: None,
) -> None:
    """Start ``services``, call ``on_ready``, wait for ``stop``, then shut each down cleanly."""
    wanted = set(services)
    login = {service: settings.service_database_url(database_url, service.value) for service in Service}
    await require_provisioned(nats_url, {service.value: login[service] for service in wanted})
    running = Running()
    async with contextlib.AsyncExitStack() as stack:
        tasks: list[asyncio.Task[None]] = []
        if Service.PROJECTIONS in wanted:
            tasks += await _start_projections(stack, settings, nats_url, login[Service.PROJECTIONS], stop)
            names = ", ".join(projection.name for projection in PROJECTIONS)
            running.where["projections"] = (
                f"EVENTS, REJECTED -> read models ({names}), up to {settings.projection_batch_size} per transaction"
            )
        if Service.INGEST in wanted:
            records = open_records(login[Service.INGEST], cached_records=settings.ingest_cached_records)
            stack.callback(records.close)
            tasks.append(await _start_ingest(stack, settings, nats_url, login[Service.INGEST], records, stop))
            running.where["ingest"] = (
                f"INBOX -> event store, up to {settings.ingest_batch_size} per transaction ({redacted(nats_url)})"
            )
        if Service.RELAY in wanted:
            stored = open_records(login[Service.RELAY])  # its own login: it reads the store, never writes
            stack.callback(stored.close)
            connection = await nats.connect(nats_url, name="jejak-relay", max_reconnect_attempts=-1)
            stack.push_async_callback(connection.drain)
            relay = Relay(
                stored,
                connection.jetstream(),
                batch_size=settings.relay_batch_size,
                poll_seconds=settings.relay_poll_seconds,
                wake_url=login[Service.RELAY],
            )
            tasks.append(asyncio.create_task(relay.run(stop, settings.retry_max_delay_seconds), name="relay"))
            running.where["relay"] = "event store -> EVENTS"
        if Service.CHECKPOINTS in wanted:
            key = load_signing_key(settings.signing_key_dir())  # refuses to start without one
            connection = await nats.connect(nats_url, name="jejak-checkpoints", max_reconnect_attempts=-1)
            stack.push_async_callback(connection.drain)
            checkpointer = Checkpointer(
                login[Service.CHECKPOINTS],
                connection.jetstream(),
                settings.signing_key_dir(),
                settings.checkpoint_interval_seconds,
            )
            tasks.append(
                asyncio.create_task(checkpointer.run(stop, settings.retry_max_delay_seconds), name="checkpoints")
            )
            running.where["checkpoints"] = (
                f"store head signed every {settings.checkpoint_interval_seconds:g} s with key {key.key_id} -> AUDIT"
            )
        if Service.API in wanted:
            config = uvicorn.Config(
                create_app(
                    login[Service.API],
                    nats_url,
                    web_keys=dashboard_keys(settings),
                    audit_key_dir=settings.signing_key_dir(),
                    failed_sign_ins_per_minute=settings.api_failed_sign_ins_per_minute,
                ),
                host=settings.api_host,
                port=settings.api_port,
                log_level="warning",
            )
            server = _QuietServer(config)
            tasks.append(asyncio.create_task(server.serve(), name="api"))
            while not server.started and not tasks[-1].done():  # noqa: ASYNC110 (uvicorn offers no event)
                await asyncio.sleep(0.02)
            if tasks[-1].done():
                await tasks[-1]  # raises why it could not start (e.g. the port is taken)
                raise RuntimeError(f"the API could not listen on {settings.api_host}:{settings.api_port}")
            running.where["api"] = (
                f"http://{settings.api_host}:{settings.api_port} (dashboard: "
                f"http://{settings.api_host}:{settings.api_port}/ui/)"
            )
        on_ready(running)
        await stop.wait()
        if Service.API in wanted:
            server.should_exit = True
        await asyncio.gather(*tasks)
