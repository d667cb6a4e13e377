"""``jejak demo``: look at the seeded demo city, or load it into the servers ``jejak up`` started."""

import asyncio
import time
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, Task, TextColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

from services.demo.city import City, generate_city
from services.demo.publisher import NotConnected, PublishFailed, publish_city
from services.nats_login import nats_url_as
from services.runtime.nats_auth import CredentialsError
from services.settings import Settings

demo_app = typer.Typer(
    help="A seeded, realistic city (Sawahlunto): see what it holds, or load it into Jejak.", no_args_is_help=True
)
console = Console(stderr=True)

Employees = Annotated[int, typer.Option(min=1, help="Civil servants of the city.")]
Years = Annotated[int, typer.Option(min=1, max=40, help="Years of history, ending with --last-year.")]
Seed = Annotated[int, typer.Option(help="The same seed gives the same city, event for event.")]
LastYear = Annotated[int, typer.Option(min=2001, max=2100, help="The last year of the history.")]


class RateColumn(ProgressColumn):
    """Acknowledged events per second."""

    def render(self, task: Task) -> Text:
        return Text(f"{task.speed or 0:,.0f} events/s", style="progress.data.speed")


def generated(seed: int, employees: int, years: int, last_year: int) -> tuple[City, float]:
    began = time.perf_counter()
    city = generate_city(seed=seed, employees=employees, years=years, last_year=last_year)
    return city, time.perf_counter() - began


@demo_app.command("stats")
def stats(employees: Employees = 2000, years: Years = 5, seed: Seed = 2026, last_year: LastYear = 2026) -> None:
    """Generate the city and count its events per type and per sender; nothing is published."""
    city, seconds = generated(seed, employees, years, last_year)
    kinds = {kind: sum(1 for e in city.employees if e.asn_kind == kind) for kind in ("PNS", "PPPK")}
    table = Table(title=f"Demo city, seed {seed}: {city.first_year}-{city.last_year}", title_justify="left")
    table.add_column("event type")
    table.add_column("events", justify="right")
    for event_type, count in city.counts().items():
        table.add_row(event_type, f"{count:,}")
    table.add_section()
    table.add_row("total", f"{len(city.events):,}")
    output = Console()
    output.print(table)
    by_source: dict[str, int] = {}
    for event in city.events:
        by_source[event.source] = by_source.get(event.source, 0) + 1
    output.print("senders: " + ", ".join(f"{source} {count:,}" for source, count in sorted(by_source.items())))
    output.print(
        f"{len(city.units)} units, {len(city.employees):,} civil servants ({kinds['PNS']:,} PNS, "
        f"{kinds['PPPK']:,} PPPK); generated in {seconds:.2f} s"
    )


@demo_app.command("load")
def load(
    employees: Employees = 2000,
    years: Years = 5,
    seed: Seed = 2026,
    last_year: LastYear = 2026,
    concurrency: Annotated[int, typer.Option(min=1, help="Acknowledgements awaited at once, per sender.")] = 256,
) -> None:
    """Publish the city to INBOX, each event as its sender (logins from `jejak up`'s credentials).

    Ingest stores the events at its own pace afterwards; `jejak rejections` lists any refusal.
    Loading the same city again stores nothing twice.
    """
    settings = Settings()
    city, seconds = generated(seed, employees, years, last_year)
    console.print(f"generated {len(city.events):,} events of {len(city.employees):,} civil servants in {seconds:.2f} s")
    columns = (TextColumn("publishing"), BarColumn(), MofNCompleteColumn(), RateColumn(), TimeRemainingColumn())
    try:
        with Progress(*columns, console=console) as bar:
            task = bar.add_task("publishing", total=len(city.events))
            report = asyncio.run(
                publish_city(
                    city,
                    lambda source: nats_url_as(settings, source),
                    concurrency=concurrency,
                    progress=lambda done: bar.update(task, completed=done),
                )
            )
    except (CredentialsError, PublishFailed) as error:
        console.print(f"[red]not loaded:[/red] {error}")
        if isinstance(error, NotConnected):
            console.print(
                f"Is `jejak up` running with JEJAK_HOME={settings.home}? (JEJAK_NATS_URL names another server.)"
            )
        raise typer.Exit(1) from None
    typer.echo(
        f"published {report.published:,} events ({report.duplicates:,} duplicates, already in INBOX) "
        f"in {report.seconds:.1f} s, {report.rate:,.0f} events/s"
    )
    for source, count in sorted(report.by_source.items()):
        typer.echo(f"  {source:<22} {count:>9,}")
