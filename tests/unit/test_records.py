"""The Records application on the in-memory store: receipts, registration first, atomic refusals."""

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import date

import pytest
from eventsourcing.persistence import StoredEvent

from domain.civil_servant import CivilServant
from domain.errors import EventIdReused, RuleViolation
from domain.identity import civil_servant_id, organisation_unit_id, receipt_id
from domain.organisation import OrganisationUnit
from domain.policy import Policy
from domain.receipt import Receipt
from domain.records import AlreadyRecorded, Recorded, Records
from tests.builders import BKPSDM, employment_of, origin, record_training, register_in, submission, unique_nip


@pytest.fixture
def records() -> Iterator[Records]:
    app = Records(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    yield app
    app.close()


def test_a_completion_is_stored_with_its_receipt(records: Records) -> None:
    nip = register_in(records)
    given = submission()
    outcome = record_training(records, nip, given)
    assert isinstance(outcome, Recorded)
    assert len(outcome.positions) == 2  # training completed, receipt issued
    servant: CivilServant = records.repository.get(civil_servant_id(nip))
    assert servant.trainings_completed == 1
    assert records.repository.get(receipt_id(given.source, given.event_id)).inbox_sequence == 7


def test_the_same_submission_twice_is_recorded_once(records: Records) -> None:
    nip = register_in(records)
    given = submission()
    record_training(records, nip, given)
    assert record_training(records, nip, given) == AlreadyRecorded(inbox_sequence=7)
    servant: CivilServant = records.repository.get(civil_servant_id(nip))
    assert servant.trainings_completed == 1


def test_one_event_id_for_different_content_is_refused(records: Records) -> None:
    nip = register_in(records)
    given = submission()
    record_training(records, nip, given)
    with pytest.raises(EventIdReused, match="already recorded with different content"):
        record_training(records, nip, submission(event_id=given.event_id, content="b" * 64))


def test_facts_about_an_unregistered_employee_are_refused(records: Records) -> None:
    with pytest.raises(RuleViolation, match="is not registered: BKPSDM registers an employee first"):
        record_training(records, unique_nip())


def test_a_number_is_registered_once(records: Records) -> None:
    nip = register_in(records)
    with pytest.raises(RuleViolation, match="already registered"):
        records.register_employee(submission("employee-registered"), nip, employment_of(nip), origin(BKPSDM))


def test_a_broken_rule_stores_nothing(records: Records) -> None:
    nip = register_in(records)
    before = records.recorder.max_notification_id()
    with pytest.raises(RuleViolation):
        record_training(records, nip, end_date=date(2020, 1, 1))
    assert records.recorder.max_notification_id() == before


def test_a_unit_is_rated_once_a_year_and_opened_on_first_use(records: Records) -> None:
    def rate(year: int, predikat: str) -> object:
        return records.change_unit(
            submission("organisation-performance-rated"), "DINKES",
            lambda unit, _: unit.rate_performance(origin(), year=year, predikat=predikat, unit_name="Dinas Kesehatan"),
        )  # fmt: skip

    assert isinstance(rate(2025, "istimewa"), Recorded)
    assert isinstance(rate(2026, "baik"), Recorded)
    with pytest.raises(RuleViolation, match="already rated istimewa for 2025"):
        rate(2025, "baik")
    unit: OrganisationUnit = records.repository.get(organisation_unit_id("DINKES"))
    assert unit.ratings == {2025: "istimewa", 2026: "baik"}


def test_the_application_applies_the_policy_it_is_given(records: Records) -> None:
    text = (
        "version = 'test-strict'\neffective_from = 2026-01-01\n"
        "[competency]\njp_target = { PNS = 20 }\nminutes_per_jp = 60\n"
        "[competency.conversion]\ndefault = { rule = 'hours' }\n"
        "[performance]\npredikat_matrix = [[1, 2, 4], [2, 2, 4], [3, 3, 5]]\n"
        "[rewards]\nkarya_satya_years = {}\nkarya_satya_disqualifying_levels = []\nperformance_reward_codes = []\n"
        "performance_reward_min_predikat = 2\n"
    )
    app = Records(env={"PERSISTENCE_MODULE": "eventsourcing.popo"}, policy=Policy.from_toml(text))
    nip = register_in(app)
    record_training(app, nip, training_kind="16", hours=6, stated_jp=None)
    event = list(app.events.get(civil_servant_id(nip)))[-1]
    assert (event.recognised_jp, event.policy_version) == (6, "test-strict")  # type: ignore[attr-defined]


def test_a_receipt_keeps_the_sha256_of_the_submitted_bytes_and_one_stored_before_it_still_reads() -> None:
    """NATS forgets a complaint's submission once settled; the receipt is what lets an auditor match the sender's
    copy. Receipts stored before the field existed have no such key in their stored state."""
    app = Records(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    try:
        nip = register_in(app)
        given = replace(submission(), original_sha256="ab" * 32)
        record_training(app, nip, given)
        receipt: Receipt = app.repository.get(receipt_id(given.source, given.event_id))
        assert receipt.original_sha256 == "ab" * 32

        old = Receipt(
            source="old", event_id="e-1", event_type="training-completed", inbox_sequence=1, content_sha256="c" * 64,
            record_id=receipt.record_id,
        )  # fmt: skip
        [created] = old.collect_events()
        stored = app.mapper.to_stored_event(created)
        state = json.loads(stored.state)
        del state["original_sha256"]
        app.recorder.insert_events(
            [StoredEvent(stored.originator_id, stored.originator_version, stored.topic, json.dumps(state).encode())]
        )
        assert app.repository.get(old.id).original_sha256 is None
    finally:
        app.close()
