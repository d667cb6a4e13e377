"""Several submissions saved in one transaction, on the real PostgreSQL: in order, all or nothing."""

import psycopg
import pytest

from domain.civil_servant import CivilServant
from domain.errors import ConcurrentChange, EventIdReused, RuleViolation
from domain.identity import civil_servant_id, receipt_id
from domain.records import AlreadyRecorded, Recorded, Records, Staged
from services.database import open_records
from services.ingest.lookup import look_up_batch
from tests.builders import (
    decoded,
    employee_registered,
    employment_of,
    origin,
    record_training,
    submission,
    training_completed,
    unique_nip,
)
from tests.conftest import Stack

pytestmark = pytest.mark.integration


def register(records: Records, nip: str) -> object:
    return records.register_employee(submission("employee-registered"), nip, employment_of(nip), origin())


def stored_after(stack: Stack, position: int) -> list[tuple[str, str]]:
    """(topic's last part, aggregate id) of every event stored after ``position``, in position order."""
    with psycopg.connect(stack.database_url) as conn:
        rows = conn.execute(
            "SELECT topic, originator_id FROM jejak_events WHERE notification_id > %s ORDER BY notification_id",
            (position,),
        ).fetchall()
    return [(str(topic).rsplit(".", 1)[1], str(originator)) for topic, originator in rows]


def head(records: Records) -> int:
    return records.recorder.max_notification_id() or 0


def test_a_batch_is_saved_in_submission_order_and_sees_its_own_changes(stack: Stack, records: Records) -> None:
    first, second = unique_nip(), unique_nip()
    before = head(records)
    with records.batch():
        assert isinstance(register(records, first), Staged)
        assert isinstance(register(records, second), Staged)
        assert isinstance(record_training(records, first), Staged)  # sees the registration not yet saved
        assert head(records) == before  # nothing is stored before the batch ends
    a, b = str(civil_servant_id(first)), str(civil_servant_id(second))
    kinds = [kind for kind, _ in stored_after(stack, before)]
    owners = [owner for kind, owner in stored_after(stack, before) if kind != "Issued"]
    assert kinds == ["Registered", "Issued", "Registered", "Issued", "TrainingCompleted", "Issued"]
    assert owners == [a, b, a]
    servant: CivilServant = records.repository.get(civil_servant_id(first))
    assert servant.trainings_completed == 1


def test_a_refusal_inside_a_batch_stores_nothing_of_it(records: Records) -> None:
    nip = unique_nip()
    before = head(records)

    def twice() -> None:
        with records.batch():
            register(records, nip)
            register(records, nip)  # registered twice: refused

    with pytest.raises(RuleViolation):
        twice()
    assert head(records) == before
    assert civil_servant_id(nip) not in records.repository


def test_a_retry_inside_a_batch_is_recognised_by_its_receipt(records: Records) -> None:
    nip = unique_nip()
    given = submission("employee-registered")
    with records.batch():
        records.register_employee(given, nip, employment_of(nip), origin())
        again = records.register_employee(given, nip, employment_of(nip), origin())
    assert again == AlreadyRecorded(given.inbox_sequence)
    reused = submission("employee-registered", content="b" * 64, event_id=given.event_id)
    with pytest.raises(EventIdReused), records.batch():
        records.register_employee(reused, unique_nip(), employment_of(nip), origin())


def test_a_cached_record_changed_by_another_writer_is_forgotten_and_the_command_retried(stack: Stack) -> None:
    """Ingest keeps records in memory; if another writer changed one, the save fails once, not forever."""
    cached, other = open_records(stack.login("ingest"), cached_records=100), open_records(stack.login("ingest"))
    try:
        nip = unique_nip()
        register(cached, nip)
        record_training(cached, nip)  # in the cache now, at its version
        record_training(other, nip)  # the store moves on behind the cache's back
        with pytest.raises(ConcurrentChange):
            record_training(cached, nip)
        assert isinstance(record_training(cached, nip), Recorded)  # read again from the store
        servant: CivilServant = other.repository.get(civil_servant_id(nip))
        assert servant.trainings_completed == 3
        with cached.batch():  # and a batch leaves its records in the cache for the next one
            record_training(cached, nip)
        record_training(other, nip)
        with pytest.raises(ConcurrentChange), cached.batch():
            record_training(cached, nip)
        with cached.batch():
            record_training(cached, nip)
        assert other.repository.get(civil_servant_id(nip)).trainings_completed == 6
    finally:
        cached.close()
        other.close()


def test_a_refused_batch_leaves_no_trace_in_the_cached_records(stack: Stack) -> None:
    """The cache hands out its own copy of a record (no copy per read): a batch that is refused must not
    leave its changes in it, or the next command would see a training that was never stored."""
    cached = open_records(stack.login("ingest"), cached_records=100)
    try:
        nip = unique_nip()
        register(cached, nip)
        record_training(cached, nip)

        def refused_batch() -> None:
            with cached.batch():
                record_training(cached, nip)  # changes the cached record in memory...
                register(cached, nip)  # ...then a refusal throws the batch away

        with pytest.raises(RuleViolation):
            refused_batch()
        servant: CivilServant = cached.repository.get(civil_servant_id(nip))
        assert servant.trainings_completed == 1
        assert isinstance(record_training(cached, nip), Recorded)  # and the next command saves cleanly
        assert cached.repository.get(civil_servant_id(nip)).trainings_completed == 2
    finally:
        cached.close()


def test_a_record_said_absent_but_created_meanwhile_refuses_the_batch_and_stores_nothing(stack: Stack) -> None:
    """Ingest asks once per batch which records exist; a writer that creates one in between is met at the save."""
    batching, other = open_records(stack.login("ingest")), open_records(stack.login("ingest"))
    try:
        nip = unique_nip()
        told_absent = frozenset({civil_servant_id(nip)})
        register(other, nip)  # after the question, before the save
        before = head(batching)
        with pytest.raises(ConcurrentChange), batching.batch(absent=told_absent):
            assert isinstance(register(batching, nip), Staged)  # believed: no lookup
        assert head(batching) == before
        with pytest.raises(RuleViolation, match="already registered"):  # one by one, the store answers
            register(batching, nip)
    finally:
        batching.close()
        other.close()


def test_a_record_read_for_the_batch_but_changed_meanwhile_refuses_the_batch(stack: Stack) -> None:
    """The batch's records are read before it is applied; a change by another writer in between is met at the save."""
    batching, other = open_records(stack.login("ingest"), cached_records=100), open_records(stack.login("ingest"))
    try:
        nip = unique_nip()
        register(other, nip)
        lookup = look_up_batch(batching, [decoded(training_completed(employee_nip=nip))])
        assert civil_servant_id(nip) in lookup.found
        record_training(other, nip)  # after the reading, before the save
        with pytest.raises(ConcurrentChange), batching.batch(absent=lookup.absent, found=lookup.found):
            assert isinstance(record_training(batching, nip), Staged)
        assert not batching.is_cached(civil_servant_id(nip))  # nothing of the refused batch is kept
        assert isinstance(record_training(batching, nip), Recorded)  # one by one, on the stored state
        assert other.repository.get(civil_servant_id(nip)).trainings_completed == 2
    finally:
        batching.close()
        other.close()


def test_ingest_asks_the_store_once_which_records_of_a_batch_exist_and_reads_them(
    stack: Stack, records: Records
) -> None:
    cached = open_records(stack.login("ingest"), cached_records=100)
    try:
        known, cached_nip, new = unique_nip(), unique_nip(), unique_nip()
        register(records, known)
        register(cached, cached_nip)
        batch = [decoded(employee_registered(new)), decoded(training_completed(employee_nip=known))]
        batch.append(decoded(training_completed(employee_nip=cached_nip)))
        lookup = look_up_batch(cached, batch)
        receipts = {receipt_id(item.event.source, item.event.event_id) for item in batch}
        assert lookup.absent == receipts | {civil_servant_id(new)}  # the known one exists; the cached one is not asked
        assert lookup.found.keys() == {civil_servant_id(known)}  # and is read, for the batch to use
        assert vars(lookup.found[civil_servant_id(known)]) == vars(records.repository.get(civil_servant_id(known)))
        assert not cached.is_cached(civil_servant_id(known))
        assert cached.is_cached(civil_servant_id(cached_nip))
    finally:
        cached.close()
