"""Sealing personal data with a key per person, so erasing a person is destroying their keys.

Complainants' identities, and the free text of their complaints and of their erasure, are
encrypted (AES-256-GCM) before they reach the event store. The keys
live in ``personal_keys``, outside the hash-chained store: deleting a person's keys makes every
sealed copy (in the store, on EVENTS, in backups of both) unreadable while the chain over the
sealed bytes still verifies. A sealed value is ``base64(key id | nonce | ciphertext)``, so a
person keeps old data unreadable after erasure even if new data about them arrives later.

Deleted rows linger in PostgreSQL's heap until VACUUM and in WAL archives for their retention;
the operations guide must keep both short.
"""

import base64
import os
import threading
import uuid
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from uuid import UUID

import psycopg
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from psycopg import sql

KEYS_TABLE = sql.SQL("""
CREATE TABLE IF NOT EXISTS personal_keys (
    key_id     uuid PRIMARY KEY,
    person_id  uuid NOT NULL,
    key        bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
)""")
KEYS_INDEX = sql.SQL("CREATE INDEX IF NOT EXISTS personal_keys_by_person ON personal_keys (person_id)")
KEY_FUNCTION = sql.SQL("""
CREATE OR REPLACE FUNCTION personal_key(person uuid, offered_id uuid, offered_key bytea)
RETURNS TABLE (found_id uuid, found_key bytea) LANGUAGE plpgsql AS $$
BEGIN
    -- Two seals of one new person make one key: the second waits here, then finds the first's.
    PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended(person::text, 0));
    INSERT INTO public.personal_keys (key_id, person_id, key)
    SELECT offered_id, person, offered_key
    WHERE NOT EXISTS (SELECT 1 FROM public.personal_keys k WHERE k.person_id = person);
    RETURN QUERY SELECT k.key_id, k.key FROM public.personal_keys k
    WHERE k.person_id = person ORDER BY k.created_at LIMIT 1;
END $$""")
"""A person's key, made on first use, in one statement: one round trip per complainant sealed."""


SEALED_PREFIX = "sealed:"
"""Marks a free-text field stored sealed (complaint texts, an erasure's reason): ``sealed:`` + the sealed value."""


class KeyErased(LookupError):
    """The key that sealed this value was destroyed: the data is erased."""


class SealMismatch(ValueError):
    """The sealed value was not sealed for this person, or its bytes were altered."""


class KeyVault(ABC):
    """Seal and open personal data with a key per person; erase destroys them all."""

    @abstractmethod
    def _current_key(self, person: UUID) -> tuple[UUID, bytes]:
        """The person's live key, created when they have none."""

    @abstractmethod
    def _key(self, key_id: UUID) -> bytes | None: ...

    @abstractmethod
    def erase(self, person: UUID) -> int:
        """Destroy every key of ``person``; returns how many. Idempotent."""

    def seal(self, person: UUID, plaintext: bytes) -> str:
        return self.seal_all(person, [plaintext])[0]

    def seal_all(self, person: UUID, plaintexts: list[bytes]) -> list[str]:
        """Several values of one person with one look-up of their key (one round trip, not one per value)."""
        key_id, key = self._current_key(person)
        sealed = []
        for plaintext in plaintexts:
            nonce = os.urandom(12)
            ciphertext = AESGCM(key).encrypt(nonce, plaintext, person.bytes)
            sealed.append(base64.b64encode(key_id.bytes + nonce + ciphertext).decode("ascii"))
        return sealed

    def seal_texts(self, person: UUID, texts: dict[str, str | None]) -> dict[str, str | None]:
        """Free text about a person, sealed as ``sealed:<value>`` (None stays None): what the store keeps of it."""
        present = {name: text for name, text in texts.items() if text is not None}
        sealed = self.seal_all(person, [text.encode() for text in present.values()]) if present else []
        return {**texts, **{name: SEALED_PREFIX + value for name, value in zip(present, sealed, strict=True)}}

    def open_text(self, person: UUID, value: str) -> str:
        """The text a ``seal_texts`` value holds (KeyErased once the person is erased); plain text as it is."""
        if not value.startswith(SEALED_PREFIX):
            return value
        return self.open(person, value[len(SEALED_PREFIX) :]).decode()

    def open(self, person: UUID, sealed: str) -> bytes:
        raw = base64.b64decode(sealed)
        key = self._key(UUID(bytes=raw[:16]))
        if key is None:
            raise KeyErased(f"the personal data of {person} was erased")
        try:
            return AESGCM(key).decrypt(raw[16:28], raw[28:], person.bytes)
        except InvalidTag:
            raise SealMismatch(f"this value was not sealed for {person}, or was altered") from None


class InMemoryKeyVault(KeyVault):
    """For domain-level tests only; keys vanish with the process."""

    def __init__(self) -> None:
        self.keys: dict[UUID, tuple[UUID, bytes]] = {}

    def _current_key(self, person: UUID) -> tuple[UUID, bytes]:
        for key_id, (owner, key) in self.keys.items():
            if owner == person:
                return key_id, key
        key_id, key = uuid.uuid4(), AESGCM.generate_key(bit_length=256)
        self.keys[key_id] = (person, key)
        return key_id, key

    def _key(self, key_id: UUID) -> bytes | None:
        found = self.keys.get(key_id)
        return None if found is None else found[1]

    def erase(self, person: UUID) -> int:
        doomed = [key_id for key_id, (owner, _) in self.keys.items() if owner == person]
        for key_id in doomed:
            del self.keys[key_id]
        return len(doomed)


_PERSON_KEY = sql.SQL("SELECT found_id, found_key FROM public.personal_key(%(person)s, %(key_id)s, %(key)s)")
_SELECT_KEY = sql.SQL("SELECT key FROM personal_keys WHERE key_id = %(key_id)s")
_DELETE = sql.SQL("DELETE FROM personal_keys WHERE person_id = %(person)s")


class PostgresKeyVault(KeyVault):
    """Keys in the ``personal_keys`` table, one short transaction per call, on one kept connection.

    Connecting for every call cost more than the rest of storing a complaint (a profile of ingest
    showed 12% of its time in connecting); the connection is made again after it breaks.
    """

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        self._conn: psycopg.Connection[tuple[Any, ...]] | None = None
        self._lock = threading.Lock()

    @contextmanager
    def _connection(self) -> Iterator[psycopg.Connection[tuple[Any, ...]]]:
        with self._lock:
            if self._conn is None or self._conn.closed or self._conn.broken:
                self._conn = psycopg.connect(self.database_url, autocommit=True)
            try:
                yield self._conn
            except psycopg.OperationalError:
                self._conn.close()
                self._conn = None
                raise

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def _current_key(self, person: UUID) -> tuple[UUID, bytes]:
        """The person's key, made on first use (``personal_key``): one statement, one round trip.

        Asking first and inserting after took four round trips, 22% of ingest's time in a profile
        of a city's load; a fresh key is offered every time and kept only when the person has none.
        """
        offered = {"key_id": uuid.uuid4(), "person": person, "key": AESGCM.generate_key(bit_length=256)}
        with self._connection() as conn:
            row = conn.execute(_PERSON_KEY, offered).fetchone()
        if row is None:  # the function inserts one when there is none
            raise RuntimeError(f"no key could be made for person {person}")
        return row[0], bytes(row[1])

    def _key(self, key_id: UUID) -> bytes | None:
        with self._connection() as conn:
            row = conn.execute(_SELECT_KEY, {"key_id": key_id}).fetchone()
        return None if row is None else bytes(row[0])

    def erase(self, person: UUID) -> int:
        with self._connection() as conn, conn.transaction():
            return conn.execute(_DELETE, {"person": person}).rowcount
