"""The audit page's work: a verification run in the background with its progress, checkpoints, bundle downloads.

The verification is ``jejak audit verify``'s own (``verify_store`` then ``check_snapshots``), run in a
thread of the API process, one at a time; the page shows how far it got and, once done, its lines
(stored in ``audit_verification``). A bundle is ``jejak audit export``'s, zipped for download.
"""

import asyncio
import shutil
import tempfile
import threading
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import psycopg
from nats.aio.client import Client
from psycopg_pool import AsyncConnectionPool

from services.audit import verification_log
from services.audit.checkpoints import stored_checkpoints
from services.audit.copies import AUDIT_PLACE, audit_stream_checkpoints
from services.audit.export import Exported, Selection, export_bundle
from services.audit.keys import SigningKey, SigningKeyMissing, load_signing_key, public_keys
from services.audit.offline import Checkpoint, describe, verify_signature
from services.audit.snapshots import check_snapshots, count_snapshots
from services.audit.verification_log import Verification
from services.audit.verify import count_rows, verify_store


def trusted_keys(key_dir: Path | None) -> dict[str, Any]:
    """The public keys this process knows (none where it holds no key folder: verify then says so)."""
    return public_keys(key_dir) if key_dir is not None and key_dir.exists() else {}


@dataclass
class Progress:
    """A running verification: what it is doing and how far it got (read by the page while it runs)."""

    requested_by: str
    started_at: datetime
    step: str = "chain"
    done: int = 0
    total: int = 0
    error: str | None = None
    finished: Verification | None = None
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def advance(self) -> None:
        with self.lock:
            self.done += 1

    def begin(self, step: str, total: int) -> None:
        with self.lock:
            self.step, self.done, self.total = step, 0, total

    @property
    def percent(self) -> int:
        return 100 if self.total == 0 else min(100, self.done * 100 // self.total)


class Verifications:
    """At most one verification at a time in this API process; the result is recorded when it ends."""

    def __init__(self, database_url: str, key_dir: Path | None) -> None:
        self.database_url, self.key_dir = database_url, key_dir
        self.current: Progress | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self, pool: AsyncConnectionPool, requested_by: str, nats: Client | None = None) -> Progress:
        """Start one, or return the one already running; ``nats`` reads the AUDIT stream's copies."""
        if self.running and self.current is not None:
            return self.current
        progress = Progress(requested_by, datetime.now(UTC))
        self.current = progress
        self._task = asyncio.create_task(self._run(pool, progress, nats), name="dashboard-verification")
        return progress

    async def _run(self, pool: AsyncConnectionPool, progress: Progress, nats: Client | None) -> None:
        try:
            published = await audit_stream_checkpoints(nats.jetstream()) if nats and nats.is_connected else None
        except Exception:  # noqa: BLE001 (said in the result: not compared, so not verified)
            published = None
        try:
            finished = await asyncio.to_thread(self._verify, progress, published)
        except Exception as error:  # noqa: BLE001 (shown on the page; the API goes on)
            progress.error = f"{type(error).__name__}: {error}"
            return
        progress.finished = finished
        try:
            async with pool.connection() as conn, conn.cursor() as cur:
                await verification_log.record(cur, finished)
        except Exception as error:  # noqa: BLE001 (the result stands; the page says it was not kept)
            progress.error = f"the result was not recorded: {type(error).__name__}: {error}"

    def _verify(self, progress: Progress, published: list[Checkpoint] | None) -> Verification:
        keys = trusted_keys(self.key_dir)
        progress.begin("chain", count_rows(self.database_url))
        copies = {AUDIT_PLACE: published} if published is not None else {}
        report = verify_store(self.database_url, keys, copies=copies, on_row=lambda _row: progress.advance())
        progress.begin("snapshots", count_snapshots(self.database_url))
        snapshots = check_snapshots(self.database_url, on_snapshot=progress.advance)
        lines = describe(report)
        if published is None:
            lines.insert(0, "NOT VERIFIED: the AUDIT stream could not be read, so its checkpoints were not compared")
        else:
            lines.append(f"compared with the {len(published)} checkpoint(s) kept in {AUDIT_PLACE}")
        if snapshots.ok:
            lines.append(f"snapshots: {snapshots.checked} checked, each equals its record rebuilt from the events")
        else:
            lines.append(f"snapshots: {len(snapshots.problems)} of {snapshots.checked} disagree with the events")
            lines += [f"  {problem}" for problem in snapshots.problems[:20]]
        return Verification(
            requested_by=progress.requested_by, started_at=progress.started_at,
            ok=report.ok and snapshots.ok and published is not None,
            events_checked=report.rows, last_position=report.last_position, checkpoints=report.checkpoints_checked,
            covered_to=report.covered_to, snapshots=snapshots.checked, lines=lines,
        )  # fmt: skip


@dataclass(frozen=True)
class CheckpointLine:
    checkpoint_id: int | None
    position: int
    signed_at: str
    key_id: str
    signature_valid: bool


def recent_checkpoints(database_url: str, key_dir: Path | None, limit: int = 20) -> list[CheckpointLine]:
    """The newest signed checkpoints, each with whether its signature verifies with the known public keys."""
    keys = trusted_keys(key_dir)
    with psycopg.connect(database_url) as conn:
        row = conn.execute("SELECT coalesce(max(checkpoint_id), 0) FROM public.jejak_checkpoints").fetchone()
        newest = int(row[0]) if row else 0
        found: list[Checkpoint] = list(stored_checkpoints(conn, after_id=max(0, newest - limit)))
    return [
        CheckpointLine(c.checkpoint_id, c.position, c.signed_at, c.key_id, verify_signature(c, keys) is None)
        for c in reversed(found)
    ]


def _signing_key(key_dir: Path | None) -> SigningKey | None:
    """The key that signs checkpoints, where this process holds it (``jejak up`` does; an API alone may not):
    it signs the bundle's manifest and the head, as ``jejak audit export`` does. Without it the bundle says so."""
    if key_dir is None:
        return None
    try:
        return load_signing_key(key_dir)
    except SigningKeyMissing:
        return None


def zipped_bundle(
    database_url: str, key_dir: Path | None, recorded_from: date | None, recorded_to: date | None
) -> tuple[Path, Exported, Callable[[], None]]:
    """Export the bundle into a temporary folder and zip it; (the zip, what was exported, how to clean up)."""
    keys = trusted_keys(key_dir)
    work = Path(tempfile.mkdtemp(prefix="jejak-bundle-"))
    try:
        selection = Selection(recorded_from=recorded_from, recorded_to=recorded_to)
        signer = _signing_key(key_dir)
        exported = export_bundle(database_url, work / "bundle", selection=selection, key=signer, public_keys=keys)
        archive = work / "bundle.zip"
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as out:
            for path in sorted(exported.folder.rglob("*")):
                if path.is_file():
                    out.write(path, Path("jejak-bundle") / path.relative_to(exported.folder))
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return archive, exported, lambda: shutil.rmtree(work, ignore_errors=True)
