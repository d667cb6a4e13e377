"""``jejak audit reproduce REPORT --at POSITION``: rebuild a report from the store and show it is the one served.

Exit status: 0 identical (or, without ``--expect``, rebuilt), 1 different, 2 cannot reproduce
(unknown report or parameter, a position the store has not reached, a saved file of another
position), 130 interrupted. The report goes to stdout as JSON; progress and notes to stderr.
"""

import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.text import Text

from services.audit.report_compare import describe, differences
from services.audit.reproduce import (
    REPORTS,
    CannotReproduce,
    Reproduced,
    load_saved,
    parameters_stated_in,
    report_named,
    reproduce,
)
from services.projections_cli import RateColumn

console = Console(stderr=True)

REPORT_HELP = "One of " + ", ".join(REPORTS) + ": the report of the API route of the same name."


def register_reproduce_commands(app: typer.Typer, database_url: Callable[[], str]) -> None:
    """Add ``reproduce`` to the audit sub-app."""

    @app.command("reproduce")
    def reproduce_command(
        report: Annotated[str, typer.Argument(help=REPORT_HELP, show_default=False)],
        at: Annotated[int, typer.Option("--at", min=1, help="Store position the report was built from (inclusive)")],
        expect: Annotated[
            Path | None, typer.Option("--expect", help="A response saved from the API (JSON) to compare with")
        ] = None,
        year: Annotated[
            int | None, typer.Option(help="The report's year; default: the saved one, or this year")
        ] = None,
        opd: Annotated[
            str | None, typer.Option(help="Only this unit (for an answer to an opd token: its unit)")
        ] = None,
        as_of: Annotated[
            str | None, typer.Option("--as-of", help="YYYY-MM-DD; default: the saved one, or today")
        ] = None,
        nip: Annotated[str | None, typer.Option(help="The employee, for dossier and competency")] = None,
        unit: Annotated[str | None, typer.Option(help="The unit, for jp-compliance-staff")] = None,
        period: Annotated[str | None, typer.Option(help="annual, Q1-Q4 or M01-M12 (predikat-distribution)")] = None,
        only_gaps: Annotated[
            bool, typer.Option("--only-gaps", help="Only employees with gaps (evaluation-completeness)")
        ] = False,
        sort: Annotated[str | None, typer.Option(help="Sort of a list report, as asked")] = None,
        limit: Annotated[
            int | None, typer.Option(help="Page size of a list report, as asked (the API's default: 100)")
        ] = None,
        offset: Annotated[int | None, typer.Option(help="Page offset of a list report, as asked")] = None,
    ) -> None:
        """Rebuild REPORT from the event store up to --at with the API's own code; compare it with --expect.

        Reports: jp-compliance, jp-compliance-staff (--unit), predikat-distribution, evaluation-completeness,
        reward-eligibility, weak-performers, discipline, complaints, dossier (--nip), competency (--nip).
        Each option is the query parameter of the same name. With --expect, a year, as_of, nip or unit the
        saved report states is used unless given here; --opd, --period, --only-gaps, --sort, --limit and
        --offset are not stated in a report and must be given as they were asked.
        """
        given = {
            "year": year, "opd": opd, "as_of": as_of, "nip": nip, "unit_code": unit, "period": period,
            "only_gaps": "true" if only_gaps else None, "sort": sort, "limit": limit, "offset": offset,
        }  # fmt: skip
        parameters = {name: str(value) for name, value in given.items() if value is not None}
        try:
            saved = None
            if expect is not None:
                saved = load_saved(expect, at)
                stated = {
                    k: v for k, v in parameters_stated_in(report_named(report), saved).items() if k not in parameters
                }
                if stated:
                    note = ", ".join(f"{k}={v}" for k, v in stated.items())
                    console.print(Text(f"from {expect}: {note}"), soft_wrap=True)
                parameters = {**stated, **parameters}
            rebuilt = _with_progress(lambda advance: reproduce(database_url(), report, at, parameters, advance), report)
        except CannotReproduce as error:
            console.print(Text(f"error: {error}", style="red"), soft_wrap=True)
            raise typer.Exit(2) from None
        except KeyboardInterrupt:
            console.print(Text("interrupted; the scratch read models were dropped"))
            raise typer.Exit(130) from None
        if saved is None:
            typer.echo(json.dumps(rebuilt.body, indent=2, ensure_ascii=False))
            console.print(Text(_summary(rebuilt)), soft_wrap=True)  # a digest is copied whole
            return
        found = differences(saved, rebuilt.body)
        if not found:
            typer.echo(f"identical: {_summary(rebuilt)}")
            return
        typer.echo(f"different: {expect} and the rebuilt {report} differ in {len(found)} place(s):")
        typer.echo(describe(found))
        raise typer.Exit(1)


def _with_progress(run: Callable[[Callable[[int, int], None]], Reproduced], report: str) -> Reproduced:
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), RateColumn())
    with Progress(*columns, TimeRemainingColumn(), console=console) as bar:
        task = bar.add_task(f"replaying the store for {report}", total=None)

        def advance(position: int, last: int) -> None:
            bar.update(task, completed=position, total=last)

        return run(advance)


def _summary(rebuilt: Reproduced) -> str:
    return (
        f"{rebuilt.report} at position {rebuilt.position}, rebuilt from {rebuilt.events:,} events; "
        f"sha256 {rebuilt.digest}"
    )
