"""``jejak parked``: list the submissions ingest set aside for a fault of its own, and replay one after a fix."""

import asyncio
import json
from collections.abc import Callable
from typing import Annotated

import nats
import psycopg
import typer
from nats.errors import Error as NatsError
from rich.console import Console
from rich.table import Table

from services.ingest.parking import ParkedSubmissions
from services.runtime.nats_auth import redacted

console = Console(stderr=True)


def replay_message_id(parked_id: int) -> str:
    """A second replay within INBOX's window is a duplicate, not a second submission."""
    return f"jejak-parked-{parked_id}"


async def publish_again(nats_url: str, subject: str, original: bytes, parked_id: int) -> int:
    """Publish the original bytes on their subject; the INBOX sequence they get."""
    connection = await nats.connect(nats_url, name="jejak-parked-replay", max_reconnect_attempts=1)
    try:
        ack = await connection.jetstream().publish(
            subject, original, headers={"Nats-Msg-Id": replay_message_id(parked_id)}, timeout=10
        )
    finally:
        await connection.close()
    return int(ack.seq)


def parked_app(urls: Callable[[], tuple[str, str]]) -> typer.Typer:
    """The ``parked`` commands; ``urls()`` gives the services' NATS and database URLs (those of ``jejak up``)."""
    app = typer.Typer(
        help="Submissions parked after failing for a fault of Jejak's own (not refused: kept for a replay).",
        no_args_is_help=True,
    )

    def store() -> ParkedSubmissions:
        return ParkedSubmissions(urls()[1])

    def fail(message: str) -> typer.Exit:
        console.print(f"[red]error:[/red] {message}", highlight=False)
        return typer.Exit(1)

    @app.command("list")
    def list_command(
        include_replayed: Annotated[bool, typer.Option("--all", help="Replayed ones too.")] = False,
        as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line, for scripts.")] = False,
    ) -> None:
        """Parked submissions waiting for a replay, oldest first, with the error that parked each."""
        try:
            rows = store().listed(include_replayed=include_replayed)
        except psycopg.OperationalError as error:
            raise fail(f"cannot reach the database: is `jejak up` running? ({str(error).strip()})") from None
        if as_json:
            for row in rows:
                typer.echo(json.dumps(vars(row), default=str, ensure_ascii=False))
            return
        if not rows:
            console.print("nothing is parked" + ("" if include_replayed else " (--all: replayed ones too)"))
            return
        table = Table(title="Parked submissions (jejak parked replay ID after a fix)")
        for column in ("ID", "INBOX #", "parked at", "tries", "source", "event", "event_id", "error", "replayed"):
            table.add_column(column, overflow="fold")
        for row in rows:
            replayed = f"as INBOX #{row.replayed_as}" if row.replayed_as else ""
            table.add_row(
                str(row.id), str(row.inbox_sequence), f"{row.parked_at:%Y-%m-%d %H:%M:%S %Z}", str(row.attempts),
                row.source or "?", row.event_type or "?", row.event_id or "?", row.error, replayed,
            )  # fmt: skip
        Console().print(table)

    @app.command("replay")
    def replay_command(
        parked_id: Annotated[int, typer.Argument(metavar="ID", help="The ID `jejak parked list` shows.")],
    ) -> None:
        """Publish a parked submission again on its subject, for ingest to apply it anew (after a fix)."""
        parked = store()
        found = parked.get(parked_id)
        if found is None:
            raise fail(f"no parked submission {parked_id}: see `jejak parked list`")
        if found.replayed_at is not None:
            raise fail(f"parked submission {parked_id} was replayed already, as INBOX #{found.replayed_as}")
        nats_url = urls()[0]
        try:
            sequence = asyncio.run(publish_again(nats_url, found.subject, found.original, parked_id))
        except (NatsError, OSError) as error:
            raise fail(f"cannot publish to NATS at {redacted(nats_url)}: {error}") from None
        parked.mark_replayed(parked_id, sequence)
        console.print(f"parked submission {parked_id} published again as INBOX #{sequence} on {found.subject}")

    return app
