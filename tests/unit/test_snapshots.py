"""A civil servant restored from a snapshot is the record replayed from its events, field for field."""

import hashlib
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from contracts.inbound import contract_for
from domain.civil_servant import CivilServant
from domain.identity import civil_servant_id
from domain.records import SNAPSHOT_EVERY, Records, Submission
from services.demo.city import generate_city
from services.ingest.commands import execute
from services.personal_data import InMemoryKeyVault
from tests.builders import record_training, register_in


@pytest.fixture(scope="module")
def city() -> Iterator[tuple[Records, list[str]]]:
    """The small demo city (seed 33 has every event type, an annulled penalty and corrections included)."""
    app = Records(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    generated = generate_city(seed=33, employees=60, years=3, last_year=2026, today=date(2026, 11, 30))
    vault = InMemoryKeyVault()
    for sequence, publication in enumerate(generated.events, 1):
        contract = contract_for(publication.event_type, 1)
        assert contract is not None
        event = contract.model_validate(publication.body)
        content = hashlib.sha256(event.model_dump_json().encode()).hexdigest()
        execute(app, vault, event, Submission(event.source, event.event_id, event.event_type, sequence, content))
    yield app, [employee.nip for employee in generated.employees]
    app.close()


def through_the_store(records: Records, record: CivilServant) -> CivilServant:
    """Take a snapshot, turn it into the bytes the store keeps and back, and restore the record from it."""
    stored = records.mapper.to_stored_event(CivilServant.Snapshot.take(record))
    snapshot = records.mapper.to_domain_event(stored)
    assert isinstance(snapshot, CivilServant.Snapshot)
    return snapshot.mutate(None)


def test_every_record_of_the_city_survives_a_snapshot_unchanged(city: tuple[Records, list[str]]) -> None:
    app, nips = city
    records: list[CivilServant] = [app.repository.get(civil_servant_id(nip)) for nip in nips]
    for replayed in records:
        restored = through_the_store(app, replayed)
        assert vars(restored) == vars(replayed)
        assert (restored.id, restored.version) == (replayed.id, replayed.version)
    # Each field that needs a conversion was exercised by some record, not just left empty.
    filled: dict[str, Any] = {
        "certificates": any(r.certificates for r in records),
        "plans": any(r.plans for r in records),
        "evaluations": any(r.evaluations for r in records),
        "superseded evaluation": any(e.superseded_by for r in records for e in r.evaluations.values()),
        "penalties": any(r.penalties for r in records),
        "annulled penalty": any(p.annulled for r in records for p in r.penalties.values()),
        "cases": any(r.cases for r in records),
        "rewards_granted": any(r.rewards_granted for r in records),
        "proposals": any(r.proposals for r in records),
        "unit_code": any(r.unit_code for r in records),
    }
    assert all(filled.values()), filled


def test_the_rules_see_the_restored_state() -> None:
    """A certificate recorded before the snapshot is still refused a second time after it."""
    records = Records(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    nip = register_in(records)
    record_training(records, nip, certificate_number="SERT-1")
    restored = through_the_store(records, records.repository.get(civil_servant_id(nip)))
    assert restored.certificates == {"SERT-1"}
    assert isinstance(restored.certificates, set)


def test_a_record_is_snapshotted_when_its_version_passes_the_interval() -> None:
    records = Records(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    nip = register_in(records)
    for _ in range(SNAPSHOT_EVERY + 5):
        record_training(records, nip)  # one save each, outside a batch
    with records.batch():
        for _ in range(SNAPSHOT_EVERY):
            record_training(records, nip)  # one save for all, passing 2 x SNAPSHOT_EVERY inside
    assert records.snapshots is not None
    taken = [s.originator_version for s in records.snapshots.get(civil_servant_id(nip))]
    assert taken == [SNAPSHOT_EVERY, 2 * SNAPSHOT_EVERY + 6]  # the first exactly, the batch's at its end
    latest: CivilServant = records.repository.get(civil_servant_id(nip))
    assert latest.trainings_completed == 2 * SNAPSHOT_EVERY + 5
