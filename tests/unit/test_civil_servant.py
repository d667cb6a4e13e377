"""The civil servant's record and the Records application, on the in-memory store."""

from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import pytest

from domain.civil_servant import CivilServant
from domain.errors import EventIdReused, RuleViolation
from domain.identity import civil_servant_id, receipt_id
from domain.records import AlreadyRecorded, Recorded, Records
from tests.builders import completion, submission_for, unique_nip


@pytest.fixture
def records() -> Iterator[Records]:
    app = Records(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    yield app
    app.close()


def test_the_record_is_keyed_by_nip() -> None:
    nip = unique_nip()
    assert CivilServant(nip=nip).id == civil_servant_id(nip)


def test_a_completion_adds_its_jp() -> None:
    servant = CivilServant(nip=unique_nip())
    servant.complete_training(completion(servant.nip, recognised_jp=Decimal("4.5")))
    assert servant.trainings_completed == 1
    assert servant.recognised_jp_total == Decimal("4.5")


def test_an_activity_cannot_end_before_it_starts() -> None:
    servant = CivilServant(nip=unique_nip())
    with pytest.raises(RuleViolation, match="before start_date") as caught:
        servant.complete_training(completion(servant.nip, end_date=date(2026, 3, 9)))
    assert caught.value.rule == "end-before-start"


def test_a_one_day_activity_is_fine() -> None:
    servant = CivilServant(nip=unique_nip())
    servant.complete_training(completion(servant.nip, end_date=date(2026, 3, 10)))
    assert servant.trainings_completed == 1


@pytest.mark.parametrize("hours", [Decimal(0), Decimal(-3)])
def test_hours_must_be_positive(hours: Decimal) -> None:
    servant = CivilServant(nip=unique_nip())
    with pytest.raises(RuleViolation, match="hours must be more than 0"):
        servant.complete_training(completion(servant.nip, hours=hours))


def test_saving_stores_the_record_with_its_receipt(records: Records) -> None:
    c = completion(unique_nip())
    outcome = records.record_training_completion(submission_for(c), c)
    assert isinstance(outcome, Recorded)
    assert len(outcome.positions) == 3  # record opened, training completed, receipt issued
    servant: CivilServant = records.repository.get(civil_servant_id(c.nip))
    assert servant.trainings_completed == 1
    assert records.repository.get(receipt_id(c.source, c.event_id)).inbox_sequence == 7


def test_the_same_submission_twice_is_recorded_once(records: Records) -> None:
    c = completion(unique_nip())
    records.record_training_completion(submission_for(c), c)
    again = records.record_training_completion(submission_for(c), c)
    assert again == AlreadyRecorded(inbox_sequence=7)
    servant: CivilServant = records.repository.get(civil_servant_id(c.nip))
    assert servant.trainings_completed == 1


def test_one_event_id_for_different_content_is_refused(records: Records) -> None:
    c = completion(unique_nip())
    records.record_training_completion(submission_for(c), c)
    with pytest.raises(EventIdReused, match="already recorded with different content"):
        records.record_training_completion(submission_for(c, content="b" * 64), c)


def test_a_broken_rule_stores_nothing(records: Records) -> None:
    c = completion(unique_nip(), hours=Decimal(0))
    with pytest.raises(RuleViolation):
        records.record_training_completion(submission_for(c), c)
    assert records.recorder.max_notification_id() in (None, 0)


def test_dates_and_decimals_survive_the_round_trip(records: Records) -> None:
    c = completion(unique_nip(), hours=Decimal("7.25"))
    records.record_training_completion(submission_for(c), c)
    stored = list(records.events.get(civil_servant_id(c.nip)))[-1]
    assert stored.start_date == date(2026, 3, 10)  # type: ignore[attr-defined]
    assert stored.hours == Decimal("7.25")  # type: ignore[attr-defined]
