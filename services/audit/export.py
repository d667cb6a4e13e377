"""``jejak audit export``: a folder an auditor verifies alone, on another machine, with no database.

The bundle holds the chain from the first selected event up to a signed checkpoint at or after
the last one. Selected events (all, one employee's, or those recorded between two dates) are
written with their content; every other event in that stretch only as its link (position,
previous hash, hash), which keeps the chain checkable without disclosing what it does not need
to. A checkpoint is signed at export time when a key is at hand, so the newest events are
covered too. Alongside: the checkpoints, the public keys, a README and a manifest of every file's
SHA-256, signed. No verifier is shipped: a bundle's own script would be the forger's to write, so
the auditor verifies with their own ``jejak-verify`` (``verifier/``).
"""

import base64
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import psycopg

from services.audit.checkpoints import stored_checkpoints, take_checkpoint
from services.audit.keys import SigningKey, public_pem
from services.audit.offline import (
    BUNDLE_FORMAT,
    Checkpoint,
    Row,
    file_sha256,
    manifest_message,
    row_to_json,
    verify_signature,
)
from services.audit.verify import snapshot, store_rows

WIB = ZoneInfo("Asia/Jakarta")
"""Dates on the command line are Sawahlunto's days (UTC+7)."""


class NothingToExport(Exception):
    """The selection is empty, or no checkpoint covers it: the message says what to do."""


@dataclass(frozen=True)
class Selection:
    """Which events are exported with their content; the rest of the stretch as links only."""

    aggregate_ids: frozenset[UUID] = frozenset()
    recorded_from: date | None = None
    recorded_to: date | None = None

    def wants(self, row: Row) -> bool:
        if self.aggregate_ids and row.aggregate_id not in self.aggregate_ids:
            return False
        if self.recorded_from is None and self.recorded_to is None:
            return True
        recorded = recorded_at(row.state or b"")
        if recorded is None:
            return False
        day = recorded.astimezone(WIB).date()
        return (self.recorded_from is None or day >= self.recorded_from) and (
            self.recorded_to is None or day <= self.recorded_to
        )

    def describe(self) -> str:
        parts = []
        if self.aggregate_ids:
            parts.append(f"{len(self.aggregate_ids)} record(s) by id")
        if self.recorded_from or self.recorded_to:
            parts.append(f"recorded {self.recorded_from or 'start'} to {self.recorded_to or 'now'} (WIB days)")
        return ", ".join(parts) or "every event"


def recorded_at(state: bytes) -> datetime | None:
    """When the store recorded an event: the library's ``timestamp`` in the stored JSON."""
    try:
        stamp = json.loads(state)["timestamp"]
    except (ValueError, KeyError, TypeError):
        return None
    text = stamp.get("_data_") if isinstance(stamp, dict) else stamp
    try:
        return datetime.fromisoformat(str(text))
    except ValueError:
        return None


@dataclass(frozen=True)
class Exported:
    folder: Path
    rows: int
    with_content: int
    first_position: int
    last_position: int
    checkpoints: int
    signed_now: Checkpoint | None
    manifest_signed: bool


def export_bundle(
    database_url: str,
    out: Path,
    *,
    selection: Selection,
    key: SigningKey | None,
    public_keys: dict[str, Any],
    on_row: Callable[[Row], None] = lambda _: None,
) -> Exported:
    """Write the bundle into ``out`` (which must not exist, or be empty).

    Two passes over one snapshot, so memory does not grow with the store: the first finds the
    stretch (first selected event to the checkpoint covering the last), the second writes it.
    Only checkpoints whose signature verifies with ``public_keys`` are used and shipped.
    """
    if out.exists() and any(out.iterdir()):
        raise NothingToExport(f"{out} is not empty: choose a new folder")
    signed_now = take_checkpoint(database_url, key, only_if_moved=True) if key is not None else None
    out.mkdir(parents=True, exist_ok=True)
    out.chmod(0o700)  # events with content may hold personal data (sealed or not): the exporter's only
    with psycopg.connect(database_url) as conn:
        snapshot(conn)
        with conn.transaction():
            checkpoints = [c for c in stored_checkpoints(conn) if verify_signature(c, public_keys) is None]
            if not checkpoints:
                raise NothingToExport("no validly signed checkpoint yet: run `jejak audit checkpoint` first")
            first, end = _stretch(store_rows(conn), selection, checkpoints)
            written = _write_events(out / "events.jsonl", store_rows(conn, first, end), selection, on_row)
    inside = [checkpoint for checkpoint in checkpoints if first <= checkpoint.position <= end]
    _write_lines(out / "checkpoints.jsonl", (checkpoint.to_json() for checkpoint in inside))
    (out / "public-keys").mkdir(exist_ok=True)
    for key_id, public in sorted(public_keys.items()):
        (out / "public-keys" / f"{key_id}.pem").write_text(public_pem(public), encoding="ascii")
    (out / "README.md").write_text(
        bundle_readme(selection, first, end, written[0], written[1], len(inside)), encoding="utf-8"
    )
    files = {
        path.relative_to(out).as_posix(): file_sha256(path)
        for path in sorted(out.rglob("*"))
        if path.is_file() and path.name != "manifest.json"
    }
    manifest: dict[str, Any] = {"format": BUNDLE_FORMAT, "files": files, "signature": None}
    if key is not None:
        manifest["signature"] = {
            "key_id": key.key_id,
            "signature": base64.b64encode(key.private.sign(manifest_message(files))).decode("ascii"),
        }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    for path in out.rglob("*"):  # private wherever the folder is copied to with its modes
        path.chmod(0o700 if path.is_dir() else 0o600)
    return Exported(out, written[0], written[1], first, end, len(inside), signed_now, key is not None)


def _stretch(rows: Iterable[Row], selection: Selection, checkpoints: list[Checkpoint]) -> tuple[int, int]:
    """(first selected position, the first checkpoint's position at or after the last selected one)."""
    first: int | None = None
    last: int | None = None
    for row in rows:
        if selection.wants(row):
            first = row.position if first is None else first
            last = row.position
    if first is None or last is None:
        raise NothingToExport(f"no stored event matches the selection ({selection.describe()})")
    covering = [checkpoint.position for checkpoint in checkpoints if checkpoint.position >= last]
    if not covering:
        raise NothingToExport(
            f"no checkpoint covers position {last} yet: run `jejak audit checkpoint` "
            "(or export with the signing key at hand), then export again"
        )
    return first, min(covering)


def _write_events(
    path: Path, rows: Iterable[Row], selection: Selection, on_row: Callable[[Row], None]
) -> tuple[int, int]:
    """Selected rows with their content, the others as links with their content digest; (rows, with content)."""
    count = with_content = 0
    with path.open("w", encoding="utf-8") as handle:
        for row in rows:
            on_row(row)
            selected = selection.wants(row)
            kept = row if selected else Row(row.position, row.prev_hash, row.hash, content_hash=row.content())
            handle.write(json.dumps(row_to_json(kept), ensure_ascii=False, separators=(",", ":")) + "\n")
            count += 1
            with_content += selected
    return count, with_content


def _write_lines(path: Path, items: Iterable[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for item in items:
            handle.write(json.dumps(item, ensure_ascii=False, separators=(",", ":")) + "\n")


def bundle_readme(selection: Selection, first: int, last: int, rows: int, with_content: int, checkpoints: int) -> str:
    return f"""# Jejak audit bundle

Exported from the Jejak event store: {selection.describe()}.
Positions {first} to {last}: {rows} events on the hash chain, {with_content} with their content,
the others as links only (position, previous hash, hash) so the chain can still be checked.
{checkpoints} signed checkpoint(s) lie in this stretch; the last one covers position {last}.

## Files

- `events.jsonl`: one stored event per line, in position order: `position`, `prev_hash`, `hash`
  and, for exported events, `aggregate_id`, `version`, `topic` and `state` (the stored bytes,
  as UTF-8 text or base64 as `state_encoding` says; personal data of complainants stays sealed);
  the others carry `content_hash`, the digest of their content, so every hash is recomputed.
- `checkpoints.jsonl`: signed statements "the chain's hash at position P was H", Ed25519.
- `public-keys/`: the public keys that signed them. They prove nothing by themselves (a forger
  would ship their own): verify with the copy of Jejak's public key you keep.
- `manifest.json`: the SHA-256 of every file, signed.

## Verify

With your own verifier, never with a script that came with a bundle (a forger would ship one
that says VERIFIED). Install it once from Jejak's repository (`pip install ./verifier`; it needs
Python 3.11 and `cryptography` only), then:

    jejak-verify . /path/to/your-copy-of-jejak-public-key.pem

or, where Jejak is installed, `jejak audit verify --bundle . --public-key YOUR-COPY.pem`. It
recomputes every hash: hash = SHA-256(prev_hash | position | content), content = SHA-256(aggregate
id | version | topic | state), each field length-fixed or length-prefixed (see the docstring of
`jejak_verify`); checks that each event links to the one before it, that every checkpoint's
signature is good and that its hash is the chain's hash at its position, and that the signed
manifest matches the files. Exit status 0 only when everything verifies; otherwise it names the
first position that does not and what is wrong.
"""
