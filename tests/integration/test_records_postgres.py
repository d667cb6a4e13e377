"""The event store on the real PostgreSQL: receipts in the same transaction as the facts."""

import pytest

from domain.civil_servant import CivilServant
from domain.errors import ConcurrentChange
from domain.identity import civil_servant_id
from domain.records import AlreadyRecorded, Recorded, Records
from services.database import open_records
from tests.builders import completion, submission_for, unique_nip
from tests.conftest import Stack

pytestmark = pytest.mark.integration


def test_a_completion_and_its_receipt_commit_together(records: Records) -> None:
    c = completion(unique_nip())
    outcome = records.record_training_completion(submission_for(c), c)
    assert isinstance(outcome, Recorded)
    assert len(outcome.positions) == 3
    assert list(outcome.positions) == sorted(outcome.positions)
    assert records.record_training_completion(submission_for(c), c) == AlreadyRecorded(7)


def test_losing_a_race_to_the_same_submission_is_a_duplicate(stack: Stack, records: Records) -> None:
    c = completion(unique_nip())
    other = open_records(stack.database_url)
    try:
        stale = CivilServant(nip=c.nip)  # loaded before the other writer saved
        stale.complete_training(c)
        other.record_training_completion(submission_for(c), c)
        before = records.recorder.max_notification_id()
        assert records._save_with_receipt(stale, submission_for(c)) == AlreadyRecorded(7)
        assert records.recorder.max_notification_id() == before  # nothing partial was written
    finally:
        other.close()


def test_losing_a_race_to_another_submission_is_retried_not_refused(stack: Stack, records: Records) -> None:
    nip = unique_nip()
    first, second = completion(nip), completion(nip)
    stale = CivilServant(nip=nip)
    stale.complete_training(second)
    records.record_training_completion(submission_for(first), first)
    with pytest.raises(ConcurrentChange):
        records._save_with_receipt(stale, submission_for(second))
    servant: CivilServant = records.repository.get(civil_servant_id(nip))
    assert servant.trainings_completed == 1
    assert isinstance(records.record_training_completion(submission_for(second), second), Recorded)
