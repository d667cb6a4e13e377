"""``jejak audit dossier`` and ``jejak audit dossier-diff``: one employee's record as it stood, and what changed.

DATE is ``YYYY-MM-DD`` (the end of that day in WIB, UTC+7) or an ISO date-time with its UTC offset.
``--as-of`` keeps what had happened by then (occurred_at), ``--as-known-on`` what the store had
recorded by then (recorded_at; default: everything stored now). The complaints naming the employee
are cut the same way and shown as they stood, never who complained. ``--json`` prints the API's own
model, read and rebuilt through the same ``History``, so the two answers are identical. Exit status:
0 shown, 1 no such record (or the database cannot be reached), 2 a malformed NIP or DATE.
"""

import asyncio
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

import psycopg
import typer
from psycopg import IsolationLevel
from rich.console import Console
from rich.table import Table
from rich.text import Text

from contracts.identifiers import check_employee_number
from domain.performance import PREDIKAT_NAMES
from domain.policy import bundled_policy
from services.audit.as_of import (
    WIB,
    AsOfDossierOut,
    AsOfEntry,
    Axis,
    ComplaintAsOf,
    DossierDiffOut,
    View,
    diff,
    moment,
    views_between,
)
from services.audit.history import History, read_history

console = Console(stderr=True)
DATE_HELP = "YYYY-MM-DD (the end of that day in WIB, UTC+7) or an ISO date-time with its UTC offset"


def _moment(text: str) -> datetime:
    try:
        return moment(text)
    except ValueError as error:
        raise typer.BadParameter(str(error)) from None


def _nip(text: str) -> str:
    try:
        return check_employee_number(text)
    except ValueError as error:
        raise typer.BadParameter(str(error)) from None


Nip = Annotated[str, typer.Argument(help="NIP or NI PPPK (18 digits)", parser=_nip, metavar="NIP", show_default=False)]
AsJson = Annotated[bool, typer.Option("--json", help="The API's JSON instead of tables.")]


def register_dossier_commands(app: typer.Typer, database_url: Callable[[], str]) -> None:
    """Add ``dossier`` and ``dossier-diff`` to the audit sub-app."""

    def history_of(nip: str) -> History:
        try:
            history = asyncio.run(_read(database_url(), nip))
        except psycopg.OperationalError as error:
            console.print(Text(f"error: cannot reach the database: is `jejak up` running? ({error})", style="red"))
            raise typer.Exit(1) from None
        if not history.facts:
            console.print(Text(f"error: no employee with NIP {nip} in the event store", style="red"))
            raise typer.Exit(1)
        return history

    @app.command("dossier")
    def dossier_command(
        nip: Nip,
        as_of: Annotated[datetime, typer.Option("--as-of", parser=_moment, help=f"What had happened: {DATE_HELP}")],
        as_known_on: Annotated[
            datetime | None,
            typer.Option("--as-known-on", parser=_moment, help=f"What the store knew: {DATE_HELP}; default: now"),
        ] = None,
        as_json: AsJson = False,
    ) -> None:
        """One employee's dossier as it stood, rebuilt from the event store (corrections known then applied)."""
        history = history_of(nip)
        found = history.dossier(View(as_of, as_known_on), bundled_policy())
        if found is None:
            console.print(Text(f"NIP {nip} had no record yet in that view ({_view(as_of, as_known_on)})", style="red"))
            raise typer.Exit(1)
        if as_json:
            typer.echo(found.model_dump_json(indent=2))
            return
        _print_dossier(found)

    @app.command("dossier-diff")
    def dossier_diff_command(
        nip: Nip,
        start: Annotated[datetime, typer.Option("--from", parser=_moment, help=f"The earlier view: {DATE_HELP}")],
        end: Annotated[datetime, typer.Option("--to", parser=_moment, help=f"The later view: {DATE_HELP}")],
        axis: Annotated[
            Axis,
            typer.Option(
                help="occurred: --as-of moves, known now; recorded: --as-known-on moves, everything that "
                "happened; both: the record as shown on each date"
            ),
        ] = Axis.OCCURRED,
        as_json: AsJson = False,
    ) -> None:
        """What changed in one employee's dossier between two dates: entries, corrections, JP, placement."""
        history = history_of(nip)
        policy = bundled_policy()
        views = views_between(axis, start, end)
        before, after = (history.dossier(view, policy) for view in views)
        if before is None and after is None:
            console.print(Text(f"NIP {nip} had no record yet in either view", style="red"))
            raise typer.Exit(1)
        changed = diff(axis, views, before, after, history.position, policy)
        if as_json:
            typer.echo(changed.model_dump_json(indent=2))
            return
        _print_diff(changed)


async def _read(url: str, nip: str) -> History:
    async with await psycopg.AsyncConnection.connect(url) as conn:
        await conn.set_isolation_level(IsolationLevel.REPEATABLE_READ)
        async with conn.transaction(), conn.cursor() as cur:
            return await read_history(cur, nip)


def _at(moment_: datetime | None, absent: str = "-") -> str:
    return absent if moment_ is None else f"{moment_.astimezone(WIB):%Y-%m-%d %H:%M} WIB"


def _view(as_of: datetime | None, as_known_on: datetime | None) -> str:
    return f"as of {_at(as_of, 'any time')}, as known on {_at(as_known_on, 'now')}"


def _what(entry: AsOfEntry) -> str:
    """One line of what a fact says, for the table (the JSON has every field)."""
    d: dict[str, Any] = entry.details
    lines = {
        "registered": lambda: f"{d['name']} ({d['asn_kind']})",
        "placement-changed": lambda: f"{d['unit_code']} {d['position']}",
        "training-completed": lambda: f"{d['title']}: {d['recognised_jp']} JP",
        "performance-plan-set": lambda: f"SKP {d['year']}, appraiser {d['appraiser_nip']}",
        "performance-evaluated": lambda: (
            f"{d['evaluation_id']} {d['year']} {d['period']}: {PREDIKAT_NAMES.get(d['predikat'], d['predikat'])}"
        ),
        "reward-granted": lambda: f"reward {d['reward_code']}, {d['decree_number']}",
        "penalty-imposed": lambda: f"penalty {d['penalty_code']} ({d['level']}), case {d['case_id']}",
        "penalty-annulled": lambda: f"case {d['case_id']} annulled: {d['reason']}",
        "disciplinary-case-opened": lambda: f"case {d['case_id']}",
        "complaint-named": lambda: f"complaint {d['complaint_id']} ({d['channel']}, {d['category']})",
        "complaint-verified": lambda: f"complaint {d['complaint_id']} verification: {d['outcome']}",
        "complaint-disposed": lambda: f"complaint {d['complaint_id']} disposed to {d['unit_code']}",
        "complaint-followed-up": lambda: f"complaint {d['complaint_id']} followed up by {d['unit_code']}",
        "complaint-closed": lambda: f"complaint {d['complaint_id']} closed",
    }
    if entry.kind == "evaluation-corrected":
        return f"{d['supersedes']} -> {lines['performance-evaluated']()} ({d['reason']})"
    return lines[entry.kind]() if entry.kind in lines else ", ".join(f"{k}={v}" for k, v in list(d.items())[:3])


def _note(entry: AsOfEntry) -> str:
    fix = entry.corrected_by
    if fix is None:
        return ""
    if fix.applied:
        return f"superseded by #{fix.position} ({fix.kind})"
    return f"corrected later by #{fix.position}: happened {_at(fix.occurred_at)}, recorded {_at(fix.recorded_at)}"


def _entries(title: str, entries: list[AsOfEntry]) -> Table:
    table = Table(title=title, title_justify="left")
    for column in ("happened on", "kind", "what", "occurred at", "recorded at", "position", "correction"):
        table.add_column(column, overflow="fold")
    for e in entries:
        table.add_row(
            f"{e.happened_on}", e.kind, _what(e), _at(e.occurred_at), _at(e.recorded_at), str(e.position), _note(e)
        )
    return table


def _complaint(c: ComplaintAsOf | None) -> str:
    if c is None:
        return "not in view"
    cases = f", case {' '.join(c.disciplinary_cases)}" if c.disciplinary_cases else ""
    return f"{c.state}{cases}"


def _complaints(complaints: list[ComplaintAsOf]) -> Table:
    """Complaints naming the employee as they stood (never who complained)."""
    table = Table(title="Complaints naming them", title_justify="left")
    for column in ("complaint", "received", "unit", "state", "disposed to", "follow-ups", "closed", "cases"):
        table.add_column(column, overflow="fold")
    for c in complaints:
        cases = " ".join(c.disciplinary_cases) or "-"
        table.add_row(c.complaint_id, str(c.received_on), c.target_unit_code, c.state, c.disposed_to or "-",
                      str(len(c.followed_up_on)), str(c.closed_on or "-"), cases)  # fmt: skip
    return table


def _print_dossier(found: AsOfDossierOut) -> None:
    out = Console()
    out.print(Text(f"{found.name} ({found.nip}), {found.asn_kind}, rank {found.rank}, status {found.status}"))
    out.print(Text(f"{_view(found.as_of, found.as_known_on)}; store position {found.position}, policy "
                   f"{found.policy_version}"))  # fmt: skip
    place = found.placement
    out.print(Text(f"placement: {place.unit_code or 'none'} {place.position or ''} (since {place.since or '-'})"))
    jp = Table(title="JP per year", title_justify="left")
    for column in ("year", "JP", "classroom", "non-classroom", "target", "meets"):
        jp.add_column(column)
    for y in found.jp_per_year:
        jp.add_row(*map(str, (y.year, y.recognised_jp, y.classroom_jp, y.non_classroom_jp, y.target_jp)),
                   "yes" if y.meets_target else "no")  # fmt: skip
    out.print(jp if found.jp_per_year else Text("JP per year: none"))
    sections = (
        ("Evaluations in force", found.evaluations_in_force),
        ("Rewards", found.rewards),
        ("Penalties", found.penalties),
        ("Timeline", found.timeline),
    )
    for title, entries in sections:
        out.print(_entries(title, entries) if entries else Text(f"{title}: none"))
    out.print(_complaints(found.complaints) if found.complaints else Text("Complaints naming them: none"))
    out.print(Text(f"{found.happened_later} fact(s) happened after as-of; {found.recorded_later} were recorded after "
                   "as-known-on"))  # fmt: skip


def _print_diff(changed: DossierDiffOut) -> None:
    out = Console()
    out.print(Text(f"{changed.nip}, axis {changed.axis}: from {_view(changed.from_as_of, changed.from_as_known_on)}"))
    out.print(Text(f"to {_view(changed.to_as_of, changed.to_as_known_on)}; store position {changed.position}"))
    if not changed.recorded_in_from:
        out.print(Text("no record yet in the from view"))
    out.print(_entries("Added", changed.added))
    if changed.removed:
        out.print(_entries("Removed", changed.removed))
    fixes = Table(title="Corrections that took effect (or ceased to)", title_justify="left")
    for column in ("position", "kind", "happened on", "before", "after"):
        fixes.add_column(column, overflow="fold")
    for change in changed.corrections:
        state = [("applied" if c.applied else "not applied") if c else "none" for c in (change.before, change.after)]
        fixes.add_row(str(change.position), change.kind, str(change.happened_on), *state)
    out.print(fixes)
    for jp in changed.jp_per_year:
        out.print(Text(f"JP {jp.year}: {jp.before} -> {jp.after} (target {jp.target_jp})"))
    for moved in changed.complaints:
        out.print(Text(f"complaint {moved.complaint_id}: {_complaint(moved.before)} -> {_complaint(moved.after)}"))
    if changed.placement_before != changed.placement_after:
        before = changed.placement_before.unit_code if changed.placement_before else "none"
        after = changed.placement_after.unit_code if changed.placement_after else "none"
        out.print(Text(f"placement: {before} -> {after}"))
