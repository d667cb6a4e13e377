"""Personal-data keys in the real PostgreSQL: one key per person, erasure destroys them."""

import uuid
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest

from services.personal_data import KeyErased, PostgresKeyVault, SealMismatch
from tests.conftest import Stack

pytestmark = pytest.mark.integration


def test_sealed_data_opens_until_the_person_is_erased(stack: Stack) -> None:
    vault = PostgresKeyVault(stack.database_url)
    person, other = uuid.uuid4(), uuid.uuid4()
    first, second = vault.seal(person, b"Siti, 0812-555"), vault.seal(person, b"Siti, new address")
    kept = vault.seal(other, b"Budi")
    assert first != second  # fresh nonce each time
    assert vault.open(person, first) == b"Siti, 0812-555"
    assert vault.erase(person) == 1  # both sealed with the person's one key
    with pytest.raises(KeyErased):
        vault.open(person, second)
    assert vault.open(other, kept) == b"Budi"
    assert vault.erase(person) == 0  # idempotent


def test_data_after_an_erasure_gets_a_new_key_and_old_data_stays_unreadable(stack: Stack) -> None:
    vault = PostgresKeyVault(stack.database_url)
    person = uuid.uuid4()
    old = vault.seal(person, b"before")
    vault.erase(person)
    new = vault.seal(person, b"after")
    assert vault.open(person, new) == b"after"
    with pytest.raises(KeyErased):
        vault.open(person, old)


def test_a_sealed_value_only_opens_for_its_person(stack: Stack) -> None:
    vault = PostgresKeyVault(stack.database_url)
    person = uuid.uuid4()
    sealed = vault.seal(person, b"secret")
    with pytest.raises(SealMismatch, match="not sealed for"):
        vault.open(uuid.uuid4(), sealed)


def test_a_broken_connection_fails_one_call_and_the_next_reconnects(stack: Stack) -> None:
    """The vault keeps one connection; when the server drops it, the call fails (ingest retries) and the next
    call connects again, instead of failing for ever."""
    vault = PostgresKeyVault(stack.database_url)
    person = uuid.uuid4()
    vault.seal(person, b"before")
    with psycopg.connect(stack.owner_database_url, autocommit=True) as admin, vault._connection() as conn:
        admin.execute("SELECT pg_terminate_backend(%s)", (conn.info.backend_pid,))
    with pytest.raises(psycopg.OperationalError):
        vault.seal(person, b"while dropped")
    assert vault.open(person, vault.seal(person, b"after")) == b"after"
    vault.close()


def test_sealers_racing_for_a_new_person_make_one_key(stack: Stack) -> None:
    """Ingest and a retry may seal for the same new complainant at once: both must use the same key."""
    person = uuid.uuid4()
    vaults = [PostgresKeyVault(stack.database_url) for _ in range(4)]
    with ThreadPoolExecutor(len(vaults)) as pool:
        sealed = list(pool.map(lambda v: v.seal(person, b"Siti"), vaults))
    with psycopg.connect(stack.database_url) as conn:
        (keys,) = conn.execute("SELECT count(*) FROM personal_keys WHERE person_id = %s", (person,)).fetchone() or (0,)
    assert keys == 1
    assert all(vaults[0].open(person, value) == b"Siti" for value in sealed)
    for vault in vaults:
        vault.close()
