"""``jejak``: run the system, provision it, run single services, publish test events."""

import asyncio
import gc
import json
import logging
import signal
import time
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import psycopg
import typer
import uvloop
from rich.console import Console
from rich.logging import RichHandler
from rich.table import Table

from contracts.streams import INBOX_SUBJECTS, REJECTED_SUBJECTS, parse_inbox_subject
from projections import rejections
from services.audit.cli import audit_app
from services.audit.keys import SigningKeyMissing
from services.demo.cli import demo_app
from services.demo.on_up import demo_city, make_demo_tokens, publish_demo, store_is_empty
from services.docs import extra_docs, stale_docs, write_docs
from services.nats_login import nats_url_as, services_nats_url
from services.parked_cli import parked_app
from services.preflight import NotProvisioned
from services.projections_cli import projections_app
from services.provision import provision
from services.provision_streams import ProvisioningConflict
from services.publish import NotPublishable, publish_file, read_event
from services.runtime.embedded import DATABASE, SERVICES_ROLE, ServerUrls, embedded_servers
from services.runtime.nats_auth import CredentialsError, ensure_credentials, redacted, users_for, write_private
from services.runtime.nats_server import render_config
from services.runtime.process import ServerStartError
from services.senders import SenderMapError, load_senders
from services.settings import Settings
from services.store_roles import RoleError
from services.supervisor import Running, Service, run_services
from services.tokens_cli import tokens_app

app = typer.Typer(
    help="Jejak: audit-ready records of civil servants' competence and performance.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console(stderr=True)


def configure_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(message)s",
        handlers=[RichHandler(console=console, show_path=False, rich_tracebacks=True)],
    )
    for noisy in ("faststream", "nats", "uvicorn.access", "psycopg.pool", "services.broker"):
        logging.getLogger(noisy).setLevel(logging.DEBUG if verbose else logging.WARNING)


@contextmanager
def servers(settings: Settings) -> Iterator[ServerUrls]:
    """The servers named by JEJAK_NATS_URL/JEJAK_DATABASE_URL, or embedded ones under JEJAK_HOME."""
    if settings.nats_url and settings.database_url:
        yield ServerUrls(services_nats_url(settings), settings.database_url, None, 0.0)
        return
    if settings.nats_url or settings.database_url:
        raise typer.BadParameter("set both JEJAK_NATS_URL and JEJAK_DATABASE_URL, or neither")
    with embedded_servers(
        settings.home.resolve(),
        nats_port=settings.embedded_nats_port,
        nats_monitor_port=settings.embedded_nats_monitor_port,
        postgres_port=settings.embedded_postgres_port,
        postgres_os_user=settings.embedded_postgres_os_user,
        postgres_shared_buffers=settings.embedded_postgres_shared_buffers,
        nats_sync_always=settings.nats_sync_always,
        senders=load_senders(settings.senders_file),
        nats_max_payload=settings.nats_max_payload,
    ) as urls:
        yield urls


def external_urls(settings: Settings) -> tuple[str, str]:
    """Services run alone (compose) need both servers named; embedded defaults otherwise."""
    nats_url = services_nats_url(settings)
    database_url = settings.database_url or embedded_database_url(settings, SERVICES_ROLE)
    return nats_url, database_url


def owner_url(settings: Settings) -> str | None:
    """The event store's owner: JEJAK_OWNER_DATABASE_URL, the embedded superuser, or None (one role)."""
    if settings.owner_database_url:
        return settings.owner_database_url
    return None if settings.database_url else embedded_database_url(settings, "postgres")


def embedded_database_url(settings: Settings, role: str) -> str:
    return f"postgresql://{role}@127.0.0.1:{settings.embedded_postgres_port}/{DATABASE}"


def source_of(subject: str) -> str:
    address = parse_inbox_subject(subject)
    if address is None:
        raise NotPublishable(f"{subject!r} is not an inbox subject: check the event's source")
    return address.source


def stop_on_signals() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    return stop


def banner(urls: ServerUrls, running: Running, began: float) -> None:
    table = Table(title="Jejak is running", show_header=False, title_justify="left")
    table.add_row("NATS", redacted(urls.nats_url))
    if urls.nats_credentials is not None:
        table.add_row("NATS logins", f"{urls.nats_credentials.path}  (one user per sender; services log in as jejak)")
    table.add_row("PostgreSQL", f"{urls.database_url}  (services: append-only on the event store)")
    for name, where in running.where.items():
        table.add_row(name, where)
    if "api" in running.where:  # a token is the first thing a reader needs
        api = running.where["api"]
        table.add_row(
            "api token",
            f"jejak tokens create --role bkpsdm  then  curl -H 'Authorization: Bearer <token>' {api}/rejections",
        )
    table.add_row("publish to", f"{INBOX_SUBJECTS}  e.g. asn.in.<source>.training-completed.v1, as user <source>")
    table.add_row("rejections on", f"{REJECTED_SUBJECTS}  a sender reads asn.rejected.<source>.>")
    table.add_row("started in", f"{time.monotonic() - began:.2f} s (servers {urls.started_in_seconds:.2f} s)")
    console.print(table)
    console.print("Press Ctrl-C to stop.")


@app.command()
def up(
    verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
    demo: Annotated[
        bool,
        typer.Option(
            "--demo/--no-demo",
            help="On the embedded servers with an empty store, load the demo city and make sign-in tokens for it.",
        ),
    ] = True,
) -> None:
    """Start the servers (embedded unless JEJAK_*_URL are set), provision, and run every service."""
    configure_logging(verbose)
    settings = Settings()
    began = time.monotonic()
    embedded = not (settings.nats_url and settings.database_url)

    async def main() -> None:
        stop = stop_on_signals()
        with servers(settings) as urls:
            await provision(
                settings, urls.nats_url, urls.database_url, urls.admin_database_url, urls.owner_database_url
            )
            load = demo and embedded and store_is_empty(urls.database_url)
            loading: list[asyncio.Task[None]] = []

            def ready(running: Running) -> None:
                banner(urls, running, began)
                if load:
                    loading.append(asyncio.get_running_loop().create_task(load_demo(urls, settings, running)))

            await run_services(
                settings, urls.nats_url, urls.database_url, list(Service), stop=stop, on_ready=ready
            )  # fmt: skip
            for task in loading:
                task.cancel()
            console.print("Services stopped; stopping the servers.")

    _run(main)
    console.print("Jejak stopped.")


async def load_demo(urls: ServerUrls, settings: Settings, running: Running) -> None:
    """Publish the demo city and print the tokens to sign in with (``jejak up`` on an empty embedded store)."""
    city = await asyncio.to_thread(demo_city, settings.demo_employees, settings.demo_years)
    console.print(
        f"[bold]The store is empty: loading the demo city[/bold] ({len(city.employees):,} civil servants, "
        f"{city.first_year}-{city.last_year}, {len(city.events):,} events; `jejak up --no-demo` skips this)"
    )
    made = await make_demo_tokens(urls.database_url, city, settings.home.resolve())
    step = max(1, len(city.events) // 4)

    def progress(done: int) -> None:
        if done % step == 0 or done == len(city.events):
            console.print(f"demo city: {done:,} of {len(city.events):,} events published")

    report = await publish_demo(city, urls, progress)
    api = running.where.get("api", "").split(" ", 1)[0]
    console.print(
        f"demo city published ({report.published:,} events); ingest stores it over the next moments. "
        f"Dashboard: {api}/ui/  sign in with a token from {made.kept_in}:"
    )
    for role, token in made.by_role.items():
        console.print(f"  {role}{' ' + made.opd if role == 'opd' else ''}: {token}", highlight=False, markup=False)


@app.command("provision")
def provision_command() -> None:
    """Create the database schema, streams and consumers that are missing; report differences."""
    configure_logging(verbose=False)
    settings = Settings()
    nats_url, database_url = external_urls(settings)

    async def main() -> None:
        done = await provision(settings, nats_url, database_url, owner_database_url=owner_url(settings))
        for name in done.created:
            console.print(f"created   {name}")
        for name in done.updated:
            console.print(f"updated   {name} (delivery pace)")
        for name in done.unchanged:
            console.print(f"unchanged {name}")
        for warning in done.warnings:
            console.print(f"[yellow]warning[/yellow]   {warning}")

    _run(main)


@app.command("run")
def run_command(
    service: Annotated[list[Service], typer.Argument(help="Services to run in this process.")],
    verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
) -> None:
    """Run some services against already provisioned servers (compose runs one per container)."""
    configure_logging(verbose)
    settings = Settings()
    nats_url, database_url = external_urls(settings)

    async def main() -> None:
        stop = stop_on_signals()
        await run_services(
            settings, nats_url, database_url, service, stop=stop,
            on_ready=lambda running: console.print(f"running: {', '.join(running.where)}"),
        )  # fmt: skip

    _run(main)


@app.command()
def publish(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="JSON file of one event.")],
    event_type: Annotated[
        str | None, typer.Option("--type", "-t", help="Event type, as in the subject; default: the file's name.")
    ] = None,
    version: Annotated[int, typer.Option(help="Contract version.")] = 1,
    check: Annotated[bool, typer.Option(help="Check the contract before sending.")] = True,
) -> None:
    """Publish one event with Nats-Msg-Id = its event_id, as a departmental system does.

    On the embedded servers it logs in as the event's source (from JEJAK_HOME's NATS credentials).
    """
    settings = Settings()
    try:
        subject, event_id, body = read_event(file, event_type or file.stem, version, check=check)
        nats_url = nats_url_as(settings, source_of(subject))
    except (NotPublishable, CredentialsError) as error:
        console.print(f"[red]not sent:[/red] {error}")
        raise typer.Exit(2) from None
    published = asyncio.run(publish_file(nats_url, subject, event_id, body))
    note = f" (duplicate: already in {published.stream}, not stored again)" if published.duplicate else ""
    typer.echo(f"{published.stream} #{published.sequence} on {published.subject}{note}")


@app.command("nats-config")
def nats_config_command(
    out: Annotated[Path, typer.Option("--out", dir_okay=False, help="The nats-server config to write.")],
    credentials: Annotated[
        Path | None,
        typer.Option(dir_okay=False, help="Passwords, kept across runs; default: credentials.json beside --out."),
    ] = None,
    listen: Annotated[
        str, typer.Option(help="Client address; loopback unless told otherwise (compose: 0.0.0.0:4222).")
    ] = "127.0.0.1:4222",
    monitor: Annotated[
        str, typer.Option(help="Monitoring address (/healthz); it has no login, so loopback by default.")
    ] = "127.0.0.1:8222",
    store_dir: Annotated[str, typer.Option(help="JetStream store folder, as the server sees it.")] = "/data",
    server_name: Annotated[str, typer.Option(help="The server's name.")] = "jejak-nats-1",
) -> None:
    """Write a nats-server config with one account and user per sender, for a server Jejak does not start."""
    settings = Settings()
    try:
        senders = load_senders(settings.senders_file)
        logins = ensure_credentials(credentials or out.with_name("credentials.json"), users_for(senders))
    except (SenderMapError, CredentialsError) as error:
        console.print(f"[red]error:[/red] {error}")
        raise typer.Exit(1) from None
    config = render_config(
        server_name=server_name, listen=listen, monitor=monitor, store_dir=store_dir,
        sync_always=settings.nats_sync_always, senders=senders, credentials=logins,
        max_payload=settings.nats_max_payload,
    )  # fmt: skip
    write_private(out, config)
    console.print(f"wrote     {out} ({len(senders.names)} senders)")
    console.print(f"logins in {logins.path} (services: jejak; each sender: its source name)")


@app.command("docs")
def docs_command(
    check: Annotated[bool, typer.Option("--check", help="Write nothing; fail if docs/ is stale.")] = False,
    root: Annotated[Path, typer.Option(file_okay=False, help="Project root that holds docs/.")] = Path("."),
) -> None:
    """Generate docs/ (JSON Schemas, AsyncAPI) from the contracts; --check is what CI runs."""
    if check:
        stale = stale_docs(root)
        for path in stale:
            console.print(f"stale     {path}")
        if stale:
            console.print("docs/ is out of date: run `make docs`")
            raise typer.Exit(1)
        console.print("docs/ is current")
        return
    for path in extra_docs(root):
        console.print(f"removed   {path}")
    written = write_docs(root)
    for path in written:
        console.print(f"wrote     {path}")
    if not written:
        console.print("docs/ is current")


@app.command("rejections")
def rejections_command(
    source: Annotated[str | None, typer.Option("--source", "-s", help="Only this sender's rejections.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=500, help="How many, newest first.")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line, for scripts.")] = False,
) -> None:
    """List refused submissions with their reasons (the original bytes stay on the REJECTED stream)."""
    _, database_url = external_urls(Settings())

    async def main() -> None:
        async with await psycopg.AsyncConnection.connect(database_url) as conn, conn.cursor() as cur:
            rows = await rejections.latest(cur, source=source, limit=limit)
        if as_json:
            for row in rows:
                typer.echo(json.dumps(vars(row), default=str, ensure_ascii=False))
            return
        table = Table(title=f"Rejections{f' of {source}' if source else ''}, newest first")
        for column in ("INBOX #", "source", "event", "event_id", "code", "reason"):
            table.add_column(column, overflow="fold")
        for row in rows:
            table.add_row(
                str(row.inbox_sequence), row.source or "?", row.event_type or "?", row.event_id or "?", row.code,
                row.reason,
            )  # fmt: skip
        Console().print(table)

    _run(main)


app.add_typer(tokens_app(lambda: external_urls(Settings())[1]), name="tokens")
app.add_typer(demo_app, name="demo")
app.add_typer(projections_app(lambda: external_urls(Settings())[1]), name="projections")
app.add_typer(audit_app(lambda: external_urls(Settings())[1]), name="audit")
app.add_typer(parked_app(lambda: external_urls(Settings())), name="parked")


def calm_garbage_collector() -> None:
    """Fewer, cheaper collections for a long-running service.

    Measured on the API under 32 clients: with Python's default thresholds the collector's full
    passes over every object loaded at start-up (FastAPI, pydantic, the libraries) made the p99
    three to four times the median (106-133 ms against 26-33 ms); freezing what start-up made and
    collecting the young generation less often brought it to 34-42 ms. Cycles are still collected.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 50, 100)


def _run(main: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """Run an async command (every service among them) on uvloop: the API answered 10% more requests per second."""
    calm_garbage_collector()
    try:
        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            runner.run(main())
    except (
        ServerStartError,
        ProvisioningConflict,
        NotProvisioned,
        SenderMapError,
        CredentialsError,
        RoleError,
        SigningKeyMissing,
    ) as error:
        console.print(f"[red]error:[/red] {error}")
        raise typer.Exit(1) from None
