"""jejak-verify: check Jejak's hash chain, signed checkpoints and export bundles with nothing but
Python and ``cryptography``, and keys the auditor holds.

This package is the auditor's own: installed on their machine from Jejak's repository (``pip
install ./verifier``), it shares no code with the rest of Jejak but this chain formula, which
``jejak audit verify`` imports from here too. It checks a bundle with the public keys the auditor
supplies (``jejak-verify BUNDLE jejak-public-key.pem``); the keys a bundle ships prove nothing
(a forger ships their own), so checking against them alone never says VERIFIED.

The chain. Every stored event row carries ``prev_hash`` and ``hash`` where::

    content = SHA-256( aggregate id                16 bytes of the UUID (uuid_send)
                     | version                     8 bytes, big-endian signed (int8send)
                     | len(topic) | topic          4 bytes big-endian length, then UTF-8
                     | len(state) | state )        4 bytes big-endian length, then the stored bytes
    hash    = SHA-256( prev_hash                   32 bytes; the first row's is 32 zero bytes
                     | position                    8 bytes, big-endian signed
                     | content )

The content digest is separate so that an excerpt can carry an event it does not disclose as
its ``content`` digest alone: every link of the chain is still recomputed, so no row can be
altered unseen, disclosed or not.

computed by a trigger in PostgreSQL as each row is inserted, under the store's write lock, in
notification order. ``state`` is hashed exactly as stored (sealed personal data stays sealed),
so destroying a person's key never breaks the chain.

A checkpoint is ``(position, hash, signed_at, key_id)`` signed with Ed25519; the signed bytes are
``checkpoint_message`` below. A checkpoint that lies on the chain (the row at its position has
its hash) fixes every row up to that position: changing, removing, reordering or inserting any of
them changes the hash at the checkpoint, even when the attacker recomputes the whole chain.
"""

from __future__ import annotations

import base64
import hashlib
import json
import struct
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat, load_pem_public_key

GENESIS = bytes(32)
"""The ``prev_hash`` of the first event ever stored."""

CHECKPOINT_FORMAT = "jejak-checkpoint/1"
BUNDLE_FORMAT = "jejak-bundle/2"
"""2: rows not exported carry their content digest (chain formula with a separate content digest)."""
ANOMALIES_KEPT = 64
"""Rows kept for explaining problems; verification goes on past them, counting."""


def content_digest(aggregate_id: UUID, version: int, topic: str, state: bytes) -> bytes:
    """What one stored event says, whatever its place: the same formula as the database's."""
    topic_bytes = topic.encode("utf-8")
    return hashlib.sha256(
        b"".join(
            (
                aggregate_id.bytes,
                struct.pack(">q", version),
                struct.pack(">i", len(topic_bytes)),
                topic_bytes,
                struct.pack(">i", len(state)),
                state,
            )
        )
    ).digest()


def link(prev_hash: bytes, position: int, content: bytes) -> bytes:
    """The hash of one stored event given the hash before it, its position and its content digest."""
    return hashlib.sha256(prev_hash + struct.pack(">q", position) + content).digest()


def event_hash(prev_hash: bytes, position: int, aggregate_id: UUID, version: int, topic: str, state: bytes) -> bytes:
    """The hash the database trigger stores for an event at ``position`` after ``prev_hash``."""
    return link(prev_hash, position, content_digest(aggregate_id, version, topic, state))


def key_id_of(public_key: Ed25519PublicKey) -> str:
    """A short, stable name for a signing key: the first 16 hex digits of SHA-256 of its raw bytes."""
    return hashlib.sha256(public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)).hexdigest()[:16]


@dataclass(frozen=True)
class Checkpoint:
    """A signed statement that the chain's hash at ``position`` was ``hash`` at ``signed_at``."""

    position: int
    hash: bytes
    signed_at: str
    """ISO 8601 with time zone, exactly as signed."""
    key_id: str
    signature: bytes
    checkpoint_id: int | None = None

    def message(self) -> bytes:
        return checkpoint_message(self.position, self.hash, self.signed_at, self.key_id)

    def to_json(self) -> dict[str, Any]:
        return {
            "format": CHECKPOINT_FORMAT,
            "checkpoint_id": self.checkpoint_id,
            "position": self.position,
            "hash": self.hash.hex(),
            "signed_at": self.signed_at,
            "key_id": self.key_id,
            "signature": base64.b64encode(self.signature).decode("ascii"),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Checkpoint:
        if data.get("format") != CHECKPOINT_FORMAT:
            raise ValueError(f"not a Jejak checkpoint (format {data.get('format')!r}, expected {CHECKPOINT_FORMAT!r})")
        return cls(
            position=int(data["position"]),
            hash=bytes.fromhex(data["hash"]),
            signed_at=str(data["signed_at"]),
            key_id=str(data["key_id"]),
            signature=base64.b64decode(data["signature"], validate=True),
            checkpoint_id=None if data.get("checkpoint_id") is None else int(data["checkpoint_id"]),
        )


def checkpoint_message(position: int, head_hash: bytes, signed_at: str, key_id: str) -> bytes:
    """The exact bytes an Ed25519 checkpoint signature covers (plain text, so openssl can check it too).

    UTF-8, so that a malformed stored value makes a signature that does not verify, not a crash.
    """
    return (
        f"{CHECKPOINT_FORMAT}\nposition={position}\nhash={head_hash.hex()}\nsigned_at={signed_at}\nkey_id={key_id}\n"
    ).encode("utf-8", "replace")


@dataclass(frozen=True)
class Row:
    """One stored event as the chain sees it.

    With ``state`` None the row is a link only (an excerpt that does not disclose it): it then
    carries ``content_hash``, its content digest, and its hash is recomputed from that.
    """

    position: int
    prev_hash: bytes
    hash: bytes
    aggregate_id: UUID | None = None
    version: int | None = None
    topic: str | None = None
    state: bytes | None = None
    content_hash: bytes | None = None

    def content(self) -> bytes | None:
        if self.state is not None and self.aggregate_id is not None and self.version is not None:
            return content_digest(self.aggregate_id, self.version, self.topic or "", self.state)
        return self.content_hash

    def recomputed(self, position: int | None = None) -> bytes | None:
        """The hash this row gives (at ``position``, default its own); None when it carries nothing to hash."""
        content = self.content()
        if content is None:
            return None
        return link(self.prev_hash, self.position if position is None else position, content)


@dataclass(frozen=True)
class Problem:
    """One thing wrong, at the position where it shows."""

    position: int
    kind: str
    """changed | missing | reordered | inserted | checkpoint | signature | unknown-key | unsigned"""
    detail: str


@dataclass
class Report:
    """What a verification found. ``ok`` only when there is no problem at all and the keys were the auditor's."""

    rows: int = 0
    first_position: int | None = None
    last_position: int | None = None
    head_hash: bytes | None = None
    checkpoints_checked: int = 0
    covered_to: int | None = None
    """The highest position fixed by a valid checkpoint that lies on the chain."""
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    shipped_keys_only: bool = False
    """Checked with the keys the bundle itself ships: at best consistent, never verified."""

    @property
    def consistent(self) -> bool:
        """No problem found with the keys used (which, with ``shipped_keys_only``, prove nothing)."""
        return not self.problems

    @property
    def ok(self) -> bool:
        return not self.problems and not self.shipped_keys_only

    @property
    def first_problem(self) -> Problem | None:
        return min(self.problems, key=lambda problem: problem.position) if self.problems else None

    def uncovered(self) -> int | None:
        """Positions after the last valid checkpoint (recent events not yet signed)."""
        if self.last_position is None:
            return None
        return self.last_position - (self.covered_to or 0)


@dataclass(frozen=True)
class _Anomaly:
    row: Row
    intact: bool
    linked: bool
    previous_position: int | None
    two_back_hash: bytes | None
    """The stored hash of the row before the previous one: a row linking to it skips an inserted row."""


class ChainWalker:
    """Walks rows in position order, keeping only what it needs to explain the first problems.

    A row is *intact* when its content gives its stored hash, and *linked* when its ``prev_hash``
    is the stored hash of the row before it. A change of content shows as one row not intact; a
    removal as an intact row not linked to its predecessor; a row inserted without recomputing the
    chain as an intact row whose successor links past it; rows exchanged as rows whose content is
    intact only at each other's positions. A rewrite that recomputes the chain is consistent in
    itself: only a checkpoint catches it (see ``check_checkpoints``).
    """

    def __init__(self, start_prev: bytes | None = GENESIS) -> None:
        self.expected_prev = start_prev
        """None: the first row's link is taken as given (an excerpt that starts mid-chain)."""
        self.report = Report()
        self._two_back_hash: bytes | None = None
        self._previous_position: int | None = None
        self._anomalies: list[_Anomaly] = []
        self._hash_at: dict[int, bytes] = {}
        self.keep_hashes_at: set[int] = set()
        """Positions whose stored hash to remember (the checkpoints' positions)."""

    def feed(self, row: Row) -> None:
        report = self.report
        if report.last_position is not None and row.position <= report.last_position:
            report.problems.append(
                Problem(row.position, "reordered", f"position {row.position} comes after {report.last_position}")
            )
        recomputed = row.recomputed()
        intact = recomputed is not None and recomputed == row.hash
        linked = self.expected_prev is None or row.prev_hash == self.expected_prev
        if not (intact and linked):
            if len(self._anomalies) < ANOMALIES_KEPT:
                self._anomalies.append(_Anomaly(row, intact, linked, self._previous_position, self._two_back_hash))
            elif len(self._anomalies) == ANOMALIES_KEPT:
                report.notes.append(f"problems after position {row.position} are counted, not explained")
        if row.position in self.keep_hashes_at:
            self._hash_at[row.position] = row.hash
        report.rows += 1
        if report.first_position is None:
            report.first_position = row.position
        report.last_position = row.position
        report.head_hash = row.hash
        self._two_back_hash = self.expected_prev
        self.expected_prev = row.hash
        self._previous_position = row.position

    def stored_hash_at(self, position: int) -> bytes | None:
        return self._hash_at.get(position)

    def finish(self) -> Report:
        """Explain the anomalies: each problem is named once, at the position where it shows."""
        anomalies = self._anomalies
        positions = [anomaly.row.position for anomaly in anomalies]
        problems = self.report.problems
        handled: set[int] = set()
        moved: set[bytes] = set()
        for anomaly in anomalies:  # exchanged rows: content intact at another anomalous position
            row = anomaly.row
            if anomaly.intact:
                continue
            other = next((p for p in positions if p != row.position and row.recomputed(p) == row.hash), None)
            if other is not None:
                problems.append(
                    Problem(
                        row.position,
                        "reordered",
                        f"the event recorded at position {other} (aggregate {row.aggregate_id} v{row.version}) "
                        f"is now at position {row.position}",
                    )
                )
                handled.add(row.position)
                moved.add(row.hash)
        for anomaly in anomalies:  # inserted rows: the next row links past them
            row = anomaly.row
            if (
                anomaly.intact
                and not anomaly.linked
                and anomaly.previous_position is not None
                and row.prev_hash == anomaly.two_back_hash
            ):
                problems.append(
                    Problem(
                        anomaly.previous_position,
                        "inserted",
                        f"the event at position {anomaly.previous_position} is not on the chain: "
                        f"position {row.position} links to the event before it",
                    )
                )
                handled |= {row.position, anomaly.previous_position}
        for anomaly in anomalies:
            row = anomaly.row
            if row.position in handled:
                continue
            if not anomaly.intact:
                problems.append(
                    Problem(
                        row.position,
                        "changed",
                        f"the event at position {row.position} (aggregate {row.aggregate_id} v{row.version}) "
                        "does not match its hash: its content, position or hash was altered",
                    )
                )
            elif not anomaly.linked and row.prev_hash not in moved:
                problems.append(
                    Problem(
                        row.position,
                        "missing",
                        f"the event that preceded position {row.position} on the chain "
                        f"(hash {row.prev_hash.hex()[:16]}…) is not in the history: the event at position "
                        f"{anomaly.previous_position} was replaced, or events between {anomaly.previous_position} "
                        f"and {row.position} were removed",
                    )
                )
        return self.report


def verify_signature(checkpoint: Checkpoint, keys: dict[str, Ed25519PublicKey]) -> Problem | None:
    key = keys.get(checkpoint.key_id)
    if key is None:
        return Problem(
            checkpoint.position,
            "unknown-key",
            f"checkpoint at position {checkpoint.position} is signed by key {checkpoint.key_id}, "
            "which is not among the trusted public keys",
        )
    try:
        key.verify(checkpoint.signature, checkpoint.message())
    except InvalidSignature:
        return Problem(
            checkpoint.position,
            "signature",
            f"checkpoint at position {checkpoint.position} (signed_at {checkpoint.signed_at}) has a bad signature",
        )
    return None


def check_checkpoints(
    walker: ChainWalker, checkpoints: Iterable[Checkpoint], keys: dict[str, Ed25519PublicKey]
) -> None:
    """Each checkpoint: a good signature by a trusted key, and on the chain (its position has its hash)."""
    report = walker.report
    ordered = sorted(checkpoints, key=lambda checkpoint: (checkpoint.position, checkpoint.signed_at))
    last_good: int | None = None
    for checkpoint in ordered:
        report.checkpoints_checked += 1
        bad_signature = verify_signature(checkpoint, keys)
        if bad_signature is not None:
            report.problems.append(bad_signature)
            continue
        if checkpoint.position == 0 and checkpoint.hash == GENESIS:
            continue  # signed while the store was still empty: true, and covers nothing
        if report.last_position is None or checkpoint.position > report.last_position:
            ends = (
                "the store is empty" if report.last_position is None else f"the history ends at {report.last_position}"
            )
            report.problems.append(
                Problem(
                    (report.last_position or 0) + 1,
                    "missing",
                    f"checkpoint signed at {checkpoint.signed_at} covers position {checkpoint.position}, but {ends}: "
                    "events after that were removed",
                )
            )
            continue
        stored = walker.stored_hash_at(checkpoint.position)
        if stored is None:
            report.problems.append(
                Problem(
                    checkpoint.position,
                    "missing",
                    f"checkpoint signed at {checkpoint.signed_at} covers position {checkpoint.position}, "
                    "which is not in the history: the event there was removed",
                )
            )
            continue
        if stored != checkpoint.hash:
            since = "the start" if last_good is None else f"position {last_good} (the last checkpoint that matches)"
            report.problems.append(
                Problem(
                    (last_good or 0) + 1,
                    "checkpoint",
                    f"checkpoint signed at {checkpoint.signed_at} says the chain's hash at position "
                    f"{checkpoint.position} is {checkpoint.hash.hex()[:16]}…, the history gives {stored.hex()[:16]}…: "
                    f"events between {since} and position {checkpoint.position} were changed, inserted or removed "
                    "and the chain recomputed",
                )
            )
            continue
        last_good = checkpoint.position
        report.covered_to = max(report.covered_to or 0, checkpoint.position)


def load_public_keys(paths: Iterable[Path]) -> dict[str, Ed25519PublicKey]:
    """Trusted keys by key id, from PEM files (each may hold several keys)."""
    keys: dict[str, Ed25519PublicKey] = {}
    for path in paths:
        text = path.read_text(encoding="ascii")
        blocks = text.split("-----END PUBLIC KEY-----")
        for block in blocks:
            if "-----BEGIN PUBLIC KEY-----" not in block:
                continue
            pem = block[block.index("-----BEGIN PUBLIC KEY-----") :] + "-----END PUBLIC KEY-----\n"
            key = load_pem_public_key(pem.encode("ascii"))
            if not isinstance(key, Ed25519PublicKey):
                raise TypeError(f"{path}: not an Ed25519 public key")
            keys[key_id_of(key)] = key
    return keys


# ----------------------------------------------------------------------------------------------
# Bundles: a folder written by ``jejak audit export``.


def row_from_json(data: dict[str, Any]) -> Row:
    """One line of events.jsonl; a line without ``state`` is a link of the chain only."""
    state = data.get("state")
    encoding = data.get("state_encoding", "utf-8")
    if state is None:
        content: bytes | None = None
    elif encoding == "utf-8":
        content = str(state).encode("utf-8")
    elif encoding == "base64":
        content = base64.b64decode(state, validate=True)
    else:
        raise ValueError(f"unknown state_encoding {encoding!r}")
    return Row(
        position=int(data["position"]),
        prev_hash=bytes.fromhex(data["prev_hash"]),
        hash=bytes.fromhex(data["hash"]),
        aggregate_id=None if data.get("aggregate_id") is None else UUID(data["aggregate_id"]),
        version=None if data.get("version") is None else int(data["version"]),
        topic=data.get("topic"),
        state=content,
        content_hash=None if data.get("content_hash") is None else bytes.fromhex(data["content_hash"]),
    )


def row_to_json(row: Row) -> dict[str, Any]:
    data: dict[str, Any] = {"position": row.position, "prev_hash": row.prev_hash.hex(), "hash": row.hash.hex()}
    if row.state is None:
        content = row.content()
        if content is None:
            raise ValueError(f"position {row.position}: a link-only row needs its content digest")
        return data | {"content_hash": content.hex()}
    data |= {"aggregate_id": str(row.aggregate_id), "version": row.version, "topic": row.topic}
    try:
        data |= {"state_encoding": "utf-8", "state": row.state.decode("utf-8")}
    except UnicodeDecodeError:
        data |= {"state_encoding": "base64", "state": base64.b64encode(row.state).decode("ascii")}
    return data


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def manifest_message(files: dict[str, str]) -> bytes:
    """The bytes a bundle manifest's signature covers: each file's SHA-256, in name order."""
    lines = [BUNDLE_FORMAT] + [f"{digest}  {name}" for name, digest in sorted(files.items())]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _edited_files(bundle: Path, files: dict[str, str]) -> list[Problem]:
    """Every listed file present, inside the bundle and unchanged; no file that is not listed."""
    problems = []
    root = bundle.resolve()
    for name, expected in sorted(files.items()):
        path = (bundle / name).resolve()
        if Path(name).is_absolute() or ".." in Path(name).parts or not path.is_relative_to(root):
            problems.append(Problem(0, "changed", f"the manifest names {name!r}, outside the bundle"))
        elif not path.is_file():
            problems.append(Problem(0, "missing", f"{name} is listed in the manifest but absent"))
        elif file_sha256(path) != expected:
            problems.append(Problem(0, "changed", f"{name} was edited after export (its SHA-256 differs)"))
    for path in sorted(bundle.rglob("*")):
        name = path.relative_to(bundle).as_posix()
        if path.is_file() and name != "manifest.json" and name not in files:
            problems.append(Problem(0, "inserted", f"{name} is not listed in the manifest: it was added after export"))
    return problems


def _signed(keys: dict[str, Ed25519PublicKey], key_id: str, signature: bytes, message: bytes) -> bool:
    key = keys.get(key_id)
    if key is None:
        return False
    try:
        key.verify(signature, message)
    except InvalidSignature:
        return False
    return True


def verify_bundle(
    bundle: Path,
    trusted_keys: dict[str, Ed25519PublicKey] | None = None,
    *,
    trust_shipped_keys: bool = False,
    progress: Any = None,
) -> Report:
    """Verify a bundle folder offline: files against the signed manifest, the chain, every checkpoint.

    ``trusted_keys`` are the auditor's own copies of Jejak's public keys. The keys shipped in the
    bundle prove nothing (a forger ships their own), so without ``trusted_keys`` the bundle does not
    verify, unless ``trust_shipped_keys`` asks for a check of consistency only, which the report notes.
    """
    manifest = json.loads((bundle / "manifest.json").read_text(encoding="utf-8"))
    if manifest.get("format") != BUNDLE_FORMAT:
        raise ValueError(f"{bundle}: not a Jejak bundle (format {manifest.get('format')!r})")
    walker = ChainWalker(start_prev=None)
    report = walker.report
    keys: dict[str, Ed25519PublicKey] = {}
    if trusted_keys is not None:
        keys = trusted_keys
    elif trust_shipped_keys:
        try:
            keys = load_public_keys(sorted((bundle / "public-keys").glob("*.pem")))
        except (ValueError, TypeError) as error:
            report.problems.append(Problem(0, "changed", f"a public key shipped in the bundle is unreadable: {error}"))
        report.shipped_keys_only = True
        report.notes.append("checked with the public keys shipped in the bundle: consistency only, not authenticity")
    else:
        report.problems.append(
            Problem(0, "unknown-key", "no trusted public key given: pass your own copy of Jejak's public key")
        )
    files: dict[str, str] = manifest["files"]
    report.problems += _edited_files(bundle, files)
    signature = manifest.get("signature")
    if signature is None:
        report.problems.append(Problem(0, "unsigned", "the manifest is not signed (exported without a signing key)"))
    elif not _signed(keys, str(signature["key_id"]), base64.b64decode(signature["signature"]), manifest_message(files)):
        report.problems.append(Problem(0, "signature", "the manifest's signature does not verify with a trusted key"))
    checkpoints = [
        Checkpoint.from_json(json.loads(line))
        for line in (bundle / "checkpoints.jsonl").read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    walker.keep_hashes_at = {checkpoint.position for checkpoint in checkpoints}
    with (bundle / "events.jsonl").open(encoding="utf-8") as events:
        for number, line in enumerate(events, start=1):
            if not line.strip():
                continue
            try:
                row = row_from_json(json.loads(line))
            except (ValueError, KeyError, TypeError) as error:
                report.problems.append(Problem(0, "changed", f"events.jsonl line {number} is not readable: {error}"))
                continue
            walker.feed(row)
            if progress is not None:
                progress(row)
    walker.finish()
    check_checkpoints(walker, checkpoints, keys)
    if report.last_position is not None and (report.covered_to or 0) < report.last_position:
        report.problems.append(
            Problem(
                (report.covered_to or 0) + 1,
                "unsigned",
                f"events up to position {report.last_position} are in the bundle but no valid checkpoint covers those "
                f"after {report.covered_to or 'the start'}",
            )
        )
    return report


def describe(report: Report) -> list[str]:
    """Plain lines for a terminal or a log."""
    lines = [
        f"events checked: {report.rows} (positions {report.first_position}..{report.last_position})",
        f"checkpoints checked: {report.checkpoints_checked}; history fixed by a signature up to position "
        f"{report.covered_to if report.covered_to is not None else '-'}",
    ]
    if report.head_hash is not None:
        lines.append(f"head hash: {report.head_hash.hex()}")
    lines += [f"note: {note}" for note in report.notes]
    for problem in sorted(report.problems, key=lambda problem: problem.position):
        lines.append(f"PROBLEM at position {problem.position} [{problem.kind}]: {problem.detail}")
    if report.ok:
        lines.append("VERIFIED")
    elif report.consistent:
        lines.append(
            "NOT VERIFIED: consistent with the keys the bundle ships, which anyone can make; "
            "give your own copy of Jejak's public key"
        )
    else:
        lines.append(f"NOT VERIFIED: {len(report.problems)} problem(s)")
    return lines


def main(argv: list[str] | None = None) -> int:
    """``jejak-verify BUNDLE PUBLIC_KEY.pem [...]``: exit 0 only when everything verifies with your keys.

    ``--trust-bundle-keys`` instead of keys checks consistency only and exits 1 however it ends.
    """
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] in {"-h", "--help"}:
        print(__doc__)
        print("usage: jejak-verify BUNDLE_FOLDER TRUSTED_PUBLIC_KEY.pem [...]")
        print("   or: jejak-verify BUNDLE_FOLDER --trust-bundle-keys   (consistency only: never VERIFIED)")
        return 2
    trust_shipped = "--trust-bundle-keys" in args
    paths = [Path(arg) for arg in args[1:] if arg != "--trust-bundle-keys"]
    report = verify_bundle(Path(args[0]), load_public_keys(paths) if paths else None, trust_shipped_keys=trust_shipped)
    for line in describe(report):
        print(line)
    return 0 if report.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
