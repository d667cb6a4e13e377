"""Personal-data keys in the real PostgreSQL: one key per person, erasure destroys them (when it may)."""

import json
import uuid
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest
from eventsourcing.application import AggregateNotFoundError

from contracts.inbound import INBOUND_CONTRACTS
from domain.errors import RuleViolation
from domain.identity import complaint_key, person_id
from domain.records import AlreadyRecorded, Recorded, Records
from services.ingest.commands import execute
from services.personal_data import KeyErased, PostgresKeyVault, SealMismatch
from services.senders import load_senders
from tests.builders import encode, envelope, submission
from tests.conftest import Stack

pytestmark = pytest.mark.integration


def test_sealed_data_opens_until_the_person_is_erased(stack: Stack) -> None:
    vault = PostgresKeyVault(stack.login("ingest"))
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
    vault = PostgresKeyVault(stack.login("ingest"))
    person = uuid.uuid4()
    old = vault.seal(person, b"before")
    vault.erase(person)
    new = vault.seal(person, b"after")
    assert vault.open(person, new) == b"after"
    with pytest.raises(KeyErased):
        vault.open(person, old)


def test_a_sealed_value_only_opens_for_its_person(stack: Stack) -> None:
    vault = PostgresKeyVault(stack.login("ingest"))
    person = uuid.uuid4()
    sealed = vault.seal(person, b"secret")
    with pytest.raises(SealMismatch, match="not sealed for"):
        vault.open(uuid.uuid4(), sealed)


def test_a_broken_connection_fails_one_call_and_the_next_reconnects(stack: Stack) -> None:
    """The vault keeps one connection; when the server drops it, the call fails (ingest retries) and the next
    call connects again, instead of failing for ever."""
    vault = PostgresKeyVault(stack.login("ingest"))
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
    vaults = [PostgresKeyVault(stack.login("ingest")) for _ in range(4)]
    with ThreadPoolExecutor(len(vaults)) as pool:
        sealed = list(pool.map(lambda v: v.seal(person, b"Siti"), vaults))
    with psycopg.connect(stack.login("ingest")) as conn:  # the keys' one reader
        (keys,) = conn.execute("SELECT count(*) FROM personal_keys WHERE person_id = %s", (person,)).fetchone() or (0,)
    assert keys == 1
    assert all(vaults[0].open(person, value) == b"Siti" for value in sealed)
    for vault in vaults:
        vault.close()


def run(records: Records, vault: PostgresKeyVault, event_type: str, body: dict[str, object]) -> None:
    """What ingest does with a submission that satisfies its contract."""
    contract = INBOUND_CONTRACTS[event_type, 1]
    event = contract.model_validate_json(encode(body))
    execute(records, vault, event, submission(event_type, source=event.source), stewards=load_senders().stewards)


def test_another_channel_s_erasure_is_refused_and_destroys_no_key(stack: Stack, records: Records) -> None:
    """The keys go first when an erasure is accepted, so the channel is checked before anything is destroyed."""
    vault = PostgresKeyVault(stack.login("ingest"))
    reference, tracking = f"akun-{uuid.uuid4().hex[:12]}", f"LAPOR-{uuid.uuid4()}"
    received = envelope(
        "lapor", complaint_id=tracking, channel="lapor", classification="complaint", category="light",
        complainant={"reference": reference, "name": "Andi"}, target_unit_code="DISHUB",
        summary="Lampu jalan mati", received_on="2026-04-06",
    )  # fmt: skip
    run(records, vault, "complaint-received", received)
    person = person_id("lapor", reference)
    sealed = next(iter(records.events.get(complaint_key(tracking)))).complainant_sealed  # type: ignore[attr-defined]

    hostile = envelope(
        "pengaduan-sawahlunto", subject_source="lapor", subject_reference=reference, reason="permintaan pelapor",
        requested_by="Pengaduan Kota Sawahlunto",
    )  # fmt: skip
    with pytest.raises(RuleViolation) as refused:
        run(records, vault, "personal-data-erased", hostile)

    assert type(refused.value) is RuleViolation  # ingest refuses it with kind "rule"
    assert refused.value.rule == "erasure-other-channel"
    assert json.loads(vault.open(person, sealed))["name"] == "Andi"
    with pytest.raises(AggregateNotFoundError):
        records.repository.get(person)
    vault.close()


def test_a_resent_erasure_destroys_nothing_the_person_gave_since(stack: Stack, records: Records) -> None:
    """The erasure was recorded; the same message again is a retry, not a second erasure of newer data."""
    vault = PostgresKeyVault(stack.login("ingest"))
    reference = f"akun-{uuid.uuid4().hex[:12]}"

    def complaint(name: str) -> dict[str, object]:
        return envelope(
            "lapor", complaint_id=f"LAPOR-{uuid.uuid4()}", channel="lapor", classification="complaint",
            category="light", complainant={"reference": reference, "name": name}, target_unit_code="DISHUB",
            summary="Lampu jalan mati", received_on="2026-04-06",
        )  # fmt: skip

    run(records, vault, "complaint-received", complaint("Andi"))
    erasure_body = envelope(
        "lapor", subject_source="lapor", subject_reference=reference, reason="permintaan pelapor",
        requested_by="SP4N-LAPOR!",
    )  # fmt: skip
    erasure = INBOUND_CONTRACTS["personal-data-erased", 1].model_validate_json(encode(erasure_body))
    sent = submission("personal-data-erased", source="lapor", event_id=erasure_body["event_id"])
    stewards = load_senders().stewards
    assert isinstance(execute(records, vault, erasure, sent, stewards=stewards), Recorded)

    later = complaint("Andi, again")  # the same person complains again, after the erasure
    run(records, vault, "complaint-received", later)
    person = person_id("lapor", reference)
    sealed = next(iter(records.events.get(complaint_key(str(later["complaint_id"]))))).complainant_sealed  # type: ignore[attr-defined]

    again = execute(records, vault, erasure, sent, stewards=stewards)  # the sender's retry
    assert isinstance(again, AlreadyRecorded)
    assert json.loads(vault.open(person, sealed))["name"] == "Andi, again"
    vault.close()
