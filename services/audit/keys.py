"""The Ed25519 keys that sign checkpoints, kept in files outside the database.

A database superuser can rewrite the events table and recompute its whole hash chain; what they
cannot do without this folder is sign the result. So the private key lives on disk (mode 0600),
never in PostgreSQL, and auditors keep copies of the public keys (``jejak audit public-key``).

Layout of the key folder::

    current                  the key id that signs now
    signing-<key id>.pem     private key (PKCS#8, 0600); deleted when the key is rotated out
    public-<key id>.pem      public key; kept for ever, old checkpoints are verified with it
"""

import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
    load_pem_private_key,
)

from services.audit.offline import key_id_of, load_public_keys


class SigningKeyMissing(Exception):
    """No usable signing key: the message says what to run."""


@dataclass(frozen=True)
class SigningKey:
    key_id: str
    private: Ed25519PrivateKey

    @property
    def public(self) -> Ed25519PublicKey:
        return self.private.public_key()


def public_pem(key: Ed25519PublicKey) -> str:
    return key.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode("ascii")


def _write_private(path: Path, data: bytes) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)


def generate_key(folder: Path) -> SigningKey:
    """A new key that becomes the current one; the previous private key (if any) is destroyed."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    private = Ed25519PrivateKey.generate()
    key_id = key_id_of(private.public_key())
    _write_private(
        folder / f"signing-{key_id}.pem",
        private.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()),
    )
    (folder / f"public-{key_id}.pem").write_text(public_pem(private.public_key()), encoding="ascii")
    previous = current_key_id(folder)
    temporary = folder / "current.new"
    temporary.write_text(key_id + "\n", encoding="ascii")
    temporary.replace(folder / "current")
    if previous is not None and previous != key_id:
        (folder / f"signing-{previous}.pem").unlink(missing_ok=True)
    return SigningKey(key_id, private)


def current_key_id(folder: Path) -> str | None:
    marker = folder / "current"
    return marker.read_text(encoding="ascii").strip() if marker.exists() else None


def load_signing_key(folder: Path) -> SigningKey:
    key_id = current_key_id(folder)
    if key_id is None:
        raise SigningKeyMissing(f"no checkpoint signing key in {folder}: run `jejak audit keys generate`")
    path = folder / f"signing-{key_id}.pem"
    if not path.exists():
        raise SigningKeyMissing(f"{path} is missing: run `jejak audit keys rotate` to make a new signing key")
    private = load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(private, Ed25519PrivateKey):
        raise SigningKeyMissing(f"{path} is not an Ed25519 private key")
    return SigningKey(key_id, private)


def ensure_key(folder: Path) -> tuple[SigningKey, bool]:
    """The current key, made on first use; True when it was just made."""
    if current_key_id(folder) is None:
        return generate_key(folder), True
    return load_signing_key(folder), False


def public_keys(folder: Path) -> dict[str, Ed25519PublicKey]:
    """Every public key this folder has held, current and rotated out."""
    return load_public_keys(sorted(folder.glob("public-*.pem")))
