"""``jejak projections``: where each read model is, rebuild one without downtime, drop what it replaced."""

import asyncio
from collections.abc import Callable
from typing import Annotated

import psycopg
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, Task, TextColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

from projections.worker import PROJECTIONS
from services.database import open_records
from services.rebuild import CannotRebuild, drop_old, rebuild

console = Console(stderr=True)


class RateColumn(ProgressColumn):
    """Events per second so far (rich's transfer-speed column speaks in bytes)."""

    def render(self, task: Task) -> Text:
        return Text(f"{task.speed or 0:,.0f} events/s")


def projections_app(database_url: Callable[[], str]) -> typer.Typer:
    """The sub-app, given how to find the database (the same as every other command's)."""
    app = typer.Typer(help="Read models: list them, rebuild one from the event store, drop retired versions.")

    @app.command("list")
    def list_command() -> None:
        """Each read model, its position and the stream it is built from."""
        with psycopg.connect(database_url()) as conn:
            rows = conn.execute("SELECT projection, position FROM projection_position").fetchall()
        positions: dict[str, int] = {str(name): int(position) for name, position in rows}
        table = Table("read model", "built from", "position", "tables")
        for projection in PROJECTIONS:
            table.add_row(
                projection.name, projection.stream, str(positions.get(projection.name, 0)), ", ".join(projection.tables)
            )
        Console().print(table)

    @app.command("rebuild")
    def rebuild_command(name: Annotated[str, typer.Argument(help="The read model, e.g. dossier")]) -> None:
        """Replay the event store into a new version alongside the live one, then switch over atomically."""
        records = open_records(database_url())
        columns = (
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            RateColumn(),
        )
        try:
            with Progress(*columns, TimeRemainingColumn(), console=console) as bar:
                task = bar.add_task(f"rebuilding {name}", total=None)

                def advance(position: int, head: int) -> None:
                    bar.update(task, completed=position, total=head)

                done = asyncio.run(rebuild(records, database_url(), name, advance))
        except CannotRebuild as error:
            console.print(f"[red]error:[/red] {error}")
            raise typer.Exit(2) from None
        finally:
            records.close()
        console.print(
            f"{done.name} rebuilt: {done.events:,} events, now at position {done.position}; the old version is kept "
            f"in schema {done.retired_schema} until `jejak projections drop-old {done.name}`"
        )

    @app.command("drop-old")
    def drop_old_command(name: Annotated[str, typer.Argument(help="The read model")]) -> None:
        """Drop the versions a rebuild replaced."""
        try:
            dropped = drop_old(database_url(), name)
        except CannotRebuild as error:
            console.print(f"[red]error:[/red] {error}")
            raise typer.Exit(2) from None
        console.print(f"dropped {', '.join(dropped)}" if dropped else f"{name} has no retired version")

    return app
