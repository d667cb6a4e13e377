"""``jejak tokens``: create, list, rotate and revoke the bearer tokens of the report API."""

import asyncio
import json
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, TypeVar

import psycopg
import typer
from psycopg import conninfo
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from services import tokens
from services.settings import Settings
from services.tokens import Role, TokenError

T = TypeVar("T")
console = Console(stderr=True)

EXAMPLE_PATHS = {
    Role.AUDITOR: "/rejections?limit=5",
    Role.BKPSDM: "/rejections?limit=5",
    Role.OPD: "/employees/<NIP>/competency",
    Role.PUBLIC: "/employees/<NIP>/competency",
}
"""What the printed curl line asks for: something the role may read, where one exists."""


def curl_example(token: str, role: Role) -> str:
    settings = Settings()
    url = f"http://{settings.api_host}:{settings.api_port}{EXAMPLE_PATHS[role]}"
    return f"curl -H 'Authorization: Bearer {token}' '{url}'"


def tokens_app(database_url: Callable[[], str]) -> typer.Typer:
    """The ``tokens`` commands over the database ``database_url()`` names (that of ``jejak up`` by default)."""
    app = typer.Typer(help="Bearer tokens of the report API (stored hashed).", no_args_is_help=True)

    def run(work: Callable[[psycopg.AsyncCursor[Any]], Coroutine[Any, Any, T]]) -> T:
        url = database_url()
        try:
            return asyncio.run(_in_transaction(url, work))
        except psycopg.errors.UndefinedTable:
            console.print(f"[red]error:[/red] no {tokens.TABLE} table: run `jejak provision` (or `jejak up`) first")
            raise typer.Exit(1) from None
        except psycopg.OperationalError as error:
            console.print(f"[red]error:[/red] cannot reach the database at {_where(url)}: is `jejak up` running?")
            console.print(f"({str(error).strip()})", markup=False, highlight=False)
            raise typer.Exit(1) from None

    @app.command("create")
    def create_command(
        role: Annotated[Role, typer.Option("--role", help="auditor, bkpsdm: everything; opd: one unit; public.")],
        opd: Annotated[str | None, typer.Option("--opd", help="The unit's code; required for role opd.")] = None,
        label: Annotated[str | None, typer.Option("--label", help="Whose token it is, for the list.")] = None,
        days: Annotated[
            int | None,
            typer.Option("--days", min=1, max=3650, help="How long it lives; default JEJAK_TOKEN_LIFETIME_DAYS (180)."),
        ] = None,
    ) -> None:
        """Create a token and print it once (only its hash is kept). It expires after --days."""
        lifetime = timedelta(days=days or Settings().token_lifetime_days)
        try:
            tokens.check_scope(role, opd)
        except TokenError as error:
            console.print(f"[red]error:[/red] {escape(str(error))}")
            raise typer.Exit(2) from None
        issued = run(lambda cur: tokens.create(cur, role, opd, label, lifetime))
        typer.echo(issued.token)
        scope = f" of unit {opd}" if opd else ""
        typer.echo(
            f"token {issued.record.token_id}, role {role}{scope}, expires {_when(issued.record.expires_at)}: "
            "shown once, keep it secret",
            err=True,
        )
        typer.echo(curl_example(issued.token, role), err=True)

    @app.command("rotate")
    def rotate_command(
        token_id: Annotated[str, typer.Argument(help="The id `jejak tokens list` shows.")],
        days: Annotated[
            int | None,
            typer.Option(
                "--days", min=1, max=3650, help="How long the new one lives; default JEJAK_TOKEN_LIFETIME_DAYS."
            ),
        ] = None,
        grace_hours: Annotated[
            int, typer.Option("--grace-hours", min=0, max=720, help="How long the old one still works (default: not).")
        ] = 0,
    ) -> None:
        """A new token for the same role, unit and holder, printed once; the old one expires (after --grace-hours)."""
        lifetime = timedelta(days=days or Settings().token_lifetime_days)
        rotated = run(lambda cur: tokens.rotate(cur, token_id, lifetime, timedelta(hours=grace_hours)))
        if rotated is None:
            console.print(
                f"[red]error:[/red] no live token with id {escape(repr(token_id))}; `jejak tokens list` shows them"
            )
            raise typer.Exit(1)
        old, issued = rotated
        typer.echo(issued.token)
        typer.echo(
            f"token {issued.record.token_id} replaces {old.token_id} (role {old.role}), expires "
            f"{_when(issued.record.expires_at)}: shown once, keep it secret; {old.token_id} expires "
            f"{_when(old.expires_at)}",
            err=True,
        )

    @app.command("list")
    def list_command(
        as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line, for scripts.")] = False,
    ) -> None:
        """Every token, revoked ones too, oldest first (never a secret)."""
        found = run(tokens.list_tokens)
        if as_json:
            for record in found:
                typer.echo(json.dumps(vars(record), default=str, ensure_ascii=False))
            return
        Console().print(token_table(found))

    @app.command("revoke")
    def revoke_command(token_id: Annotated[str, typer.Argument(help="The id `jejak tokens list` shows.")]) -> None:
        """Revoke a token; the API refuses it from the next request on."""
        revoked = run(lambda cur: tokens.revoke(cur, token_id))
        if revoked is None:
            console.print(
                f"[red]error:[/red] no token with id {escape(repr(token_id))}; `jejak tokens list` shows them"
            )
            raise typer.Exit(1)
        typer.echo(
            f"token {revoked.token_id} (role {revoked.role}) is revoked since {revoked.revoked_at:%Y-%m-%d %H:%M:%S%z}"
        )

    return app


async def _in_transaction(url: str, work: Callable[[psycopg.AsyncCursor[Any]], Coroutine[Any, Any, T]]) -> T:
    async with await psycopg.AsyncConnection.connect(url) as conn, conn.transaction(), conn.cursor() as cur:
        return await work(cur)


def token_table(found: list[tokens.TokenRecord]) -> Table:
    """The tokens as ``jejak tokens list`` shows them: when each expires and was last used."""
    table = Table(title="API tokens")
    for column in ("token id", "role", "opd", "label", "created", "expires", "last used", "revoked"):
        table.add_column(column, overflow="fold")
    now = datetime.now(UTC)
    for record in found:
        created, revoked, last_used = (
            f"{at:%Y-%m-%d %H:%M}" if at else "" for at in (record.created_at, record.revoked_at, record.last_used_at)
        )
        expires = _when(record.expires_at) + (" (expired)" if not record.live_at(now) and not revoked else "")
        table.add_row(
            record.token_id, record.role, record.opd or "", record.label or "", created, expires,
            last_used or "never", revoked,
        )  # fmt: skip
    return table


def _when(moment: datetime | None) -> str:
    return "never" if moment is None else f"{moment:%Y-%m-%d %H:%M}"


def _where(url: str) -> str:
    """host:port/dbname, without the password a URL may carry."""
    parts = conninfo.conninfo_to_dict(url)
    return f"{parts.get('host', 'localhost')}:{parts.get('port', 5432)}/{parts.get('dbname', '')}"
