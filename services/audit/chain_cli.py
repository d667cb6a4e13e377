"""``jejak audit verify|witness|checkpoint|export|public-key|keys``: the hash chain and its signatures."""

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import psycopg
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from domain.identity import civil_servant_id
from services.audit.checkpoints import take_checkpoint
from services.audit.copies import AUDIT_PLACE, CopyUnreadable
from services.audit.export import NothingToExport, Selection, export_bundle
from services.audit.keys import (
    SigningKeyMissing,
    current_key_id,
    generate_key,
    load_signing_key,
    public_keys,
    public_pem,
)
from services.audit.offline import Checkpoint, Report, describe, load_public_keys, verify_bundle
from services.audit.snapshots import SnapshotReport, check_snapshots, count_snapshots
from services.audit.verify import count_rows, verify_store
from services.audit.witness import audit_copies, folder_copies, witness
from services.runtime.postgres_server import start_postgres
from services.settings import Settings

console = Console(stderr=True)


def progress_bar() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=False,
    )


@contextmanager
def reachable_store(settings: Settings, database_url: str) -> Iterator[str]:
    """The store's URL; on the embedded default with ``jejak up`` stopped, PostgreSQL alone is started for it."""
    try:
        psycopg.connect(database_url, connect_timeout=3).close()
    except psycopg.OperationalError:
        data = settings.home.resolve() / "postgres"
        if settings.database_url is not None or not (data / "data" / "PG_VERSION").exists():
            raise
        console.print(f"PostgreSQL is not running: starting the embedded one ({data}) for this command")
        server = start_postgres(
            data,
            settings.embedded_postgres_port,
            settings.embedded_postgres_os_user,
            settings.embedded_postgres_shared_buffers,
        )
        try:
            yield database_url
        finally:
            server.stop()
        return
    yield database_url


def checkpoint_copies(settings: Settings, folders: list[Path], *, stream: bool) -> dict[str, list[Checkpoint]]:
    """The checkpoints kept outside the store, by place; exits 1 when one cannot be read."""
    try:
        copies = folder_copies(folders)
        if stream:
            copies[AUDIT_PLACE] = audit_copies(settings, console.print)
    except CopyUnreadable as error:
        console.print(f"[red]NOT VERIFIED:[/red] {error}; its checkpoints could not be compared with the store")
        if stream:
            console.print("pass --no-stream to verify without the AUDIT stream's copies")
        raise typer.Exit(1) from None
    return copies


def trusted_keys(settings: Settings, given: list[Path]) -> dict[str, Any]:
    if given:
        return load_public_keys(given)
    keys = public_keys(settings.signing_key_dir())
    console.print(
        f"public keys from {settings.signing_key_dir()} ({len(keys)}); pass --public-key with your own copy "
        "to check against a key you hold"
    )
    return keys


def print_report(report: Report) -> None:
    for line in describe(report):
        style = "red" if line.startswith(("PROBLEM", "NOT VERIFIED")) else "green" if line == "VERIFIED" else None
        console.print(line, style=style, highlight=False, soft_wrap=True, markup=False)
    if report.ok and report.uncovered():
        console.print(f"{report.uncovered()} newest event(s) are not yet covered by a checkpoint (signed periodically)")


def print_snapshots(report: SnapshotReport) -> None:
    """Snapshots are not history, but the rules read them: each must equal its record rebuilt from the events."""
    if report.ok:
        console.print(
            f"[green]snapshots:[/green] {report.checked} checked, each equals its record rebuilt from the events"
        )
        return
    console.print(f"[red]snapshots: {len(report.problems)} of {report.checked} disagree with the events[/red]")
    for problem in report.problems[:20]:
        console.print(f"  {problem}")


def register_chain_commands(app: typer.Typer, database_url: Callable[[], str]) -> None:  # noqa: PLR0915
    """Add the chain commands to ``app``."""

    @app.command("verify")
    def verify_command(
        bundle: Annotated[
            Path | None, typer.Option(file_okay=False, exists=True, help="Verify an exported bundle instead (offline).")
        ] = None,
        checkpoint: Annotated[
            list[Path] | None,
            typer.Option(dir_okay=False, exists=True, help="An earlier checkpoint file you kept (repeatable)."),
        ] = None,
        public_key: Annotated[
            list[Path] | None,
            typer.Option(dir_okay=False, exists=True, help="Your copy of Jejak's public key(s), PEM (repeatable)."),
        ] = None,
        trust_bundle_keys: Annotated[
            bool,
            typer.Option(help="With --bundle and no key of yours: check consistency with the keys it ships only."),
        ] = False,
        checkpoint_dir: Annotated[
            list[Path] | None,
            typer.Option(
                file_okay=False, exists=True, help="A folder of checkpoint files a witness keeps (repeatable)."
            ),
        ] = None,
        stream: Annotated[
            bool,
            typer.Option(
                help="Compare with the checkpoints on the AUDIT stream (default). --no-stream leaves them out, "
                "and the result says so."
            ),
        ] = True,
    ) -> None:
        """Recompute the hash chain and check every signed checkpoint; exit 0 only when everything verifies.

        Reads the store directly (no service needs to run). Names the first bad position and what is
        wrong: changed, missing, reordered, inserted, or a checkpoint that no longer matches. Then
        checks every stored snapshot (a record's state kept for speed) against its events.
        """
        settings = Settings()
        given_keys = list(public_key or [])
        if bundle is not None:
            keys = None if trust_bundle_keys and not given_keys else trusted_keys(settings, given_keys) or None
            with progress_bar() as progress:
                task = progress.add_task("verifying bundle", total=None)
                report = verify_bundle(
                    bundle, keys, trust_shipped_keys=trust_bundle_keys, progress=lambda _row: progress.advance(task)
                )
            print_report(report)
            raise typer.Exit(0 if report.ok else 1)
        keys = trusted_keys(settings, given_keys)
        extra = [Checkpoint.from_json(json.loads(path.read_text(encoding="utf-8"))) for path in checkpoint or []]
        copies = checkpoint_copies(settings, list(checkpoint_dir or []), stream=stream)
        with reachable_store(settings, database_url()) as url, progress_bar() as progress:
            task = progress.add_task("verifying the chain", total=count_rows(url))
            report = verify_store(
                url, keys, extra_checkpoints=extra, copies=copies, on_row=lambda _row: progress.advance(task)
            )
            task = progress.add_task("checking snapshots against the events", total=count_snapshots(url))
            snapshots = check_snapshots(url, on_snapshot=lambda: progress.advance(task))
        print_report(report)
        for place, kept in copies.items():
            console.print(f"compared with the {len(kept)} checkpoint(s) kept in {place}")
        if not stream:
            console.print("[yellow]not compared with the checkpoints on the AUDIT stream (--no-stream)[/yellow]")
        if extra and report.ok:
            console.print(f"the current history extends the {len(extra)} checkpoint file(s) given")
        print_snapshots(snapshots)
        raise typer.Exit(0 if report.ok and snapshots.ok else 1)

    @app.command("witness")
    def witness_command(
        folder: Annotated[Path, typer.Argument(file_okay=False, help="Where the copies are kept (created).")],
    ) -> None:
        """Copy every checkpoint on the AUDIT stream into FOLDER, one file each, never changing one written.

        Run it every few minutes (cron) on a machine Jejak's operators do not control, with a NATS
        login that may read AUDIT; `jejak audit verify --checkpoint-dir FOLDER` then checks the store
        against every copy. Exit 1 when a checkpoint on AUDIT differs from the file kept for it.
        """
        settings = Settings()
        try:
            published = audit_copies(settings, console.print)
        except CopyUnreadable as error:
            console.print(f"[red]error:[/red] {error}")
            raise typer.Exit(1) from None
        done = witness(folder, published)
        console.print(f"{done.written} new checkpoint file(s) in {folder}, {done.kept} kept as they were")
        for path in done.differing:
            console.print(f"[red]DIFFERS:[/red] AUDIT now gives {path.name} otherwise than the file kept")
        raise typer.Exit(1 if done.differing else 0)

    @app.command("checkpoint")
    def checkpoint_command(
        out: Annotated[Path | None, typer.Option(dir_okay=False, help="Also write it to this file, to keep.")] = None,
    ) -> None:
        """Sign the store's current head now and store it (the service also does this periodically)."""
        settings = Settings()
        try:
            key = load_signing_key(settings.signing_key_dir())
        except SigningKeyMissing as error:
            console.print(f"[red]error:[/red] {error}")
            raise typer.Exit(1) from None
        with reachable_store(settings, database_url()) as url:
            signed = take_checkpoint(url, key)
        assert signed is not None  # noqa: S101 (only_if_moved is False)
        text = json.dumps(signed.to_json(), indent=2)
        if out is not None:
            out.write_text(text + "\n", encoding="utf-8")
            console.print(f"wrote {out}")
        typer.echo(text)

    @app.command("public-key")
    def public_key_command(
        all_keys: Annotated[bool, typer.Option("--all", help="Every key ever used, rotated ones too.")] = False,
        out: Annotated[Path | None, typer.Option(dir_okay=False, help="Write to this file instead of stdout.")] = None,
    ) -> None:
        """Print the checkpoint-signing public key (PEM): give it to auditors to keep."""
        folder = Settings().signing_key_dir()
        keys = public_keys(folder)
        current = current_key_id(folder)
        chosen = keys if all_keys else {key_id: key for key_id, key in keys.items() if key_id == current}
        if not chosen:
            console.print(f"[red]error:[/red] no key in {folder}: run `jejak audit keys generate`")
            raise typer.Exit(1)
        text = "".join(f"# key {key_id}\n{public_pem(key)}" for key_id, key in sorted(chosen.items()))
        if out is not None:
            out.write_text(text, encoding="ascii")
            console.print(f"wrote {out} ({', '.join(sorted(chosen))})")
        else:
            typer.echo(text, nl=False)

    keys_app = typer.Typer(help="The checkpoint-signing keys: generate the first, rotate to a new one.")

    @keys_app.command("generate")
    def generate_command() -> None:
        """Make the first signing key (provisioning does this too); refuses when one exists."""
        folder = Settings().signing_key_dir()
        if current_key_id(folder) is not None:
            console.print(f"[red]error:[/red] {folder} already has key {current_key_id(folder)}; use `rotate`")
            raise typer.Exit(1)
        key = generate_key(folder)
        console.print(f"new signing key {key.key_id} in {folder}")

    @keys_app.command("rotate")
    def rotate_command() -> None:
        """A new signing key signs from now on; the old private key is destroyed, its public key kept.

        Signs a checkpoint with the new key at once, so the switch is itself on the record.
        """
        settings = Settings()
        folder = settings.signing_key_dir()
        previous = current_key_id(folder)
        key = generate_key(folder)
        console.print(f"signing key {previous or '-'} -> {key.key_id} in {folder}; give auditors the new public key")
        with reachable_store(settings, database_url()) as url:
            signed = take_checkpoint(url, key)
        if signed is not None:
            console.print(f"checkpoint {signed.checkpoint_id} at position {signed.position} signed with the new key")

    app.add_typer(keys_app, name="keys")

    @app.command("export")
    def export_command(
        out: Annotated[Path, typer.Argument(file_okay=False, help="A new folder for the bundle.")],
        nip: Annotated[list[str] | None, typer.Option(help="Only this employee's record (repeatable).")] = None,
        from_day: Annotated[
            str | None, typer.Option("--from", help="Recorded on or after this day (YYYY-MM-DD, WIB).")
        ] = None,
        to_day: Annotated[
            str | None, typer.Option("--to", help="Recorded on or before this day (YYYY-MM-DD, WIB).")
        ] = None,
        sign: Annotated[bool, typer.Option(help="Sign a checkpoint now so the newest events are covered.")] = True,
    ) -> None:
        """Write a self-contained folder (events with hashes, checkpoints, public keys, README, verifier)."""
        settings = Settings()
        selection = Selection(
            aggregate_ids=frozenset(civil_servant_id(number) for number in nip or []),
            recorded_from=_day(from_day, "--from"),
            recorded_to=_day(to_day, "--to"),
        )
        key = None
        if sign:
            try:
                key = load_signing_key(settings.signing_key_dir())
            except SigningKeyMissing as error:
                console.print(f"[yellow]no new checkpoint:[/yellow] {error}")
        try:
            with reachable_store(settings, database_url()) as url, progress_bar() as progress:
                task = progress.add_task("exporting", total=count_rows(url))
                done = export_bundle(
                    url,
                    out,
                    selection=selection,
                    key=key,
                    public_keys=public_keys(settings.signing_key_dir()),
                    on_row=lambda _row: progress.advance(task),
                )
        except NothingToExport as error:
            console.print(f"[red]error:[/red] {error}")
            raise typer.Exit(1) from None
        console.print(
            f"wrote {done.folder}: positions {done.first_position}..{done.last_position}, {done.rows} events on the "
            f"chain ({done.with_content} with content), {done.checkpoints} checkpoint(s)"
            + ("" if done.manifest_signed else "; manifest not signed (no key)")
        )
        console.print(
            f"verify it anywhere with your own jejak-verify (pip install ./verifier): "
            f"jejak-verify {done.folder} YOUR-COPY-OF-THE-PUBLIC-KEY.pem"
        )


def _day(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a date (YYYY-MM-DD)", param_hint=option) from None
