"""The event store on the real PostgreSQL: receipts in the same transaction as the facts."""

import pytest

from domain.civil_servant import CivilServant
from domain.errors import ConcurrentChange
from domain.identity import civil_servant_id
from domain.policy import bundled_policy
from domain.records import AlreadyRecorded, Recorded, Records
from services.database import open_records
from tests.builders import origin, record_training, register_in, submission, training
from tests.conftest import Stack

pytestmark = pytest.mark.integration


def stale_copy_with_a_training(records: Records, nip: str) -> CivilServant:
    """The record as a second writer loaded it, changed but not saved yet."""
    servant: CivilServant = records.repository.get(civil_servant_id(nip))
    servant.complete_training(bundled_policy(), origin(), **training())
    return servant


def test_a_completion_and_its_receipt_commit_together(records: Records) -> None:
    nip = register_in(records)
    given = submission()
    outcome = record_training(records, nip, given)
    assert isinstance(outcome, Recorded)
    assert len(outcome.positions) == 2
    assert list(outcome.positions) == sorted(outcome.positions)
    assert record_training(records, nip, given) == AlreadyRecorded(7)


def test_losing_a_race_to_the_same_submission_is_a_duplicate(stack: Stack, records: Records) -> None:
    nip = register_in(records)
    given = submission()
    stale = stale_copy_with_a_training(records, nip)
    other = open_records(stack.login("ingest"))
    try:
        record_training(other, nip, given)
        before = records.recorder.max_notification_id()
        assert records._save_with_receipt(stale, given) == AlreadyRecorded(7)
        assert records.recorder.max_notification_id() == before  # nothing partial was written
    finally:
        other.close()


def test_losing_a_race_to_another_submission_is_retried_not_refused(records: Records) -> None:
    nip = register_in(records)
    stale = stale_copy_with_a_training(records, nip)
    record_training(records, nip)
    with pytest.raises(ConcurrentChange):
        records._save_with_receipt(stale, submission())
    servant: CivilServant = records.repository.get(civil_servant_id(nip))
    assert servant.trainings_completed == 1
    assert isinstance(record_training(records, nip), Recorded)
