"""``jejak audit``: what an auditor runs. Each family of commands lives in its own module and registers here."""

from collections.abc import Callable

import typer

from services.audit.chain_cli import register_chain_commands
from services.audit.dossier_cli import register_dossier_commands
from services.audit.reproduce_cli import register_reproduce_commands


def audit_app(database_url: Callable[[], str]) -> typer.Typer:
    """The sub-app, given how to find the services' database (the same as every other command's)."""
    app = typer.Typer(
        help="Audit: verify the history, see a record as it stood on a date, export a bundle, reproduce a report.",
        no_args_is_help=True,
    )
    register_chain_commands(app, database_url)
    register_dossier_commands(app, database_url)
    register_reproduce_commands(app, database_url)
    return app
