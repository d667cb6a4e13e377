"""``jejak tokens``: create, list and revoke the bearer tokens of the report API."""

import asyncio
import json
from collections.abc import Callable, Coroutine
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
    ) -> None:
        """Create a token and print it once (only its hash is kept)."""
        try:
            tokens.check_scope(role, opd)
        except TokenError as error:
            console.print(f"[red]error:[/red] {escape(str(error))}")
            raise typer.Exit(2) from None
        issued = run(lambda cur: tokens.create(cur, role, opd, label))
        typer.echo(issued.token)
        scope = f" of unit {opd}" if opd else ""
        typer.echo(f"token {issued.record.token_id}, role {role}{scope}: shown once, keep it secret", err=True)
        typer.echo(curl_example(issued.token, role), err=True)

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
        table = Table(title="API tokens")
        for column in ("token id", "role", "opd", "label", "created", "revoked"):
            table.add_column(column, overflow="fold")
        for record in found:
            created, revoked = (f"{at:%Y-%m-%d %H:%M}" if at else "" for at in (record.created_at, record.revoked_at))
            table.add_row(record.token_id, record.role, record.opd or "", record.label or "", created, revoked)
        Console().print(table)

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


def _where(url: str) -> str:
    """host:port/dbname, without the password a URL may carry."""
    parts = conninfo.conninfo_to_dict(url)
    return f"{parts.get('host', 'localhost')}:{parts.get('port', 5432)}/{parts.get('dbname', '')}"
