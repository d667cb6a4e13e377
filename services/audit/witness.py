"""The AUDIT stream's copies of the checkpoints, for ``jejak audit verify`` and ``jejak audit witness``.

A witness is a folder of checkpoint files outside the reach of whoever runs Jejak's database: on
a machine the city's inspectorate (or BPKP, or an auditor) controls, filled by running
``jejak audit witness DIR`` there every few minutes (cron) with a NATS login that may read AUDIT.
A file once written is never changed: a checkpoint that comes back different is reported, and
``jejak audit verify --checkpoint-dir DIR`` later checks the store against every file.
"""

import asyncio
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import nats
import nats.aio.client
import nats.errors

from services.audit.copies import CopyUnreadable, audit_stream_checkpoints, folder_checkpoints
from services.audit.offline import Checkpoint
from services.nats_login import nats_address, nats_url_as
from services.runtime.embedded import nats_data_dir
from services.runtime.nats_auth import ADMIN_USER
from services.runtime.nats_server import start_nats
from services.senders import load_senders
from services.settings import Settings


async def _quiet(_: Exception) -> None:
    """nats-py prints every failed attempt with its traceback; the caller reports the outcome once."""


async def _connect(url: str) -> nats.aio.client.Client:
    """One attempt (``max_reconnect_attempts=0`` would mean: for ever)."""
    return await nats.connect(url, connect_timeout=3, allow_reconnect=False, max_reconnect_attempts=1, error_cb=_quiet)


async def _read_audit(url: str) -> list[Checkpoint]:
    connection = await _connect(url)
    try:
        return await audit_stream_checkpoints(connection.jetstream())
    finally:
        await connection.close()


@contextmanager
def reachable_nats(settings: Settings, say: Callable[[str], object] = print) -> Iterator[str]:
    """An operator's NATS URL; on the embedded default with ``jejak up`` stopped, NATS alone is started."""
    url = nats_url_as(settings, ADMIN_USER)
    try:
        asyncio.run(_probe(url))
    except (OSError, nats.errors.Error, TimeoutError):
        data = nats_data_dir(settings.home.resolve())
        if settings.nats_url is not None or not (data / "jetstream").exists():
            raise CopyUnreadable(f"NATS at {nats_address(settings)} is not reachable") from None
        say(f"NATS is not running: starting the embedded one ({data}) for this command")
        server = start_nats(
            data,
            settings.embedded_nats_port,
            settings.embedded_nats_monitor_port,
            sync_always=settings.nats_sync_always,
            senders=load_senders(settings.senders_file),
            max_payload=settings.nats_max_payload,
        )
        try:
            yield nats_url_as(settings, ADMIN_USER)
        finally:
            server.stop()
        return
    yield url


async def _probe(url: str) -> None:
    connection = await _connect(url)
    await connection.close()


def audit_copies(settings: Settings, say: Callable[[str], object] = print) -> list[Checkpoint]:
    """Every checkpoint on AUDIT; CopyUnreadable when the stream cannot be read."""
    try:
        with reachable_nats(settings, say) as url:
            return asyncio.run(_read_audit(url))
    except CopyUnreadable:
        raise
    except Exception as error:  # noqa: BLE001 (any failure to read means the copies were not compared)
        raise CopyUnreadable(f"the AUDIT stream could not be read: {error}") from None


def witness_file(folder: Path, checkpoint: Checkpoint) -> Path:
    return folder / f"checkpoint-{checkpoint.checkpoint_id:012d}.json"


@dataclass
class Witnessed:
    written: int = 0
    kept: int = 0
    differing: list[Path] = field(default_factory=list)
    """Files whose checkpoint AUDIT now gives differently: left as they were, and reported."""


def witness(folder: Path, published: list[Checkpoint]) -> Witnessed:
    """Write each published checkpoint not in ``folder`` yet; never change a file that is there."""
    folder.mkdir(parents=True, exist_ok=True)
    done = Witnessed()
    for checkpoint in published:
        if checkpoint.checkpoint_id is None:
            continue
        path = witness_file(folder, checkpoint)
        text = json.dumps(checkpoint.to_json(), indent=2) + "\n"
        if not path.exists():
            staging = path.with_name(f".{path.name}.tmp")
            staging.write_text(text, encoding="utf-8")
            staging.replace(path)
            done.written += 1
        elif path.read_text(encoding="utf-8") != text:
            done.differing.append(path)
        else:
            done.kept += 1
    return done


def folder_copies(folders: list[Path]) -> dict[str, list[Checkpoint]]:
    return {str(folder): folder_checkpoints(folder) for folder in folders}
