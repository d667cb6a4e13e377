"""Snapshots on the real PostgreSQL: taken by the writer, read by a cold load, equal to a full replay."""

from typing import Any

import psycopg
import pytest
from eventsourcing.application import project_aggregate

from domain.civil_servant import CivilServant
from domain.identity import civil_servant_id
from domain.records import SNAPSHOT_EVERY
from services.database import open_records
from services.ingest.lookup import look_up_batch
from tests.builders import decoded, employment_of, origin, record_training, submission, training_completed, unique_nip
from tests.conftest import Stack

pytestmark = pytest.mark.integration


def test_a_long_record_is_read_cold_from_its_latest_snapshot(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    assert SNAPSHOT_EVERY == 50, "the versions below assume it"
    writer, reader = open_records(stack.login("ingest"), cached_records=100), open_records(stack.login("ingest"))
    try:
        nip = unique_nip()
        writer.register_employee(submission("employee-registered"), nip, employment_of(nip), origin())
        for _ in range(12):  # ten trainings per batch, as ingest saves a fetch
            with writer.batch():
                for _ in range(10):
                    record_training(writer, nip)
        record_id = civil_servant_id(nip)
        with psycopg.connect(stack.database_url) as conn:
            taken = conn.execute(
                "SELECT originator_version FROM jejak_snapshots WHERE originator_id = %s ORDER BY 1", (record_id,)
            ).fetchall()
        assert [version for (version,) in taken] == [51, 101]  # the end of each batch that passed 50 and 100

        asked: list[dict[str, Any]] = []
        get_events = reader.repository.event_store.get

        def spying_get(*args: Any, **kwargs: Any) -> Any:
            asked.append(kwargs)
            return get_events(*args, **kwargs)

        monkeypatch.setattr(reader.repository.event_store, "get", spying_get)
        cold: CivilServant = reader.repository.get(record_id)
        assert [kwargs["gt"] for kwargs in asked] == [101]  # only the events after the snapshot were read

        replayed = project_aggregate(None, get_events(record_id))
        assert isinstance(replayed, CivilServant)
        assert vars(cold) == vars(replayed)
        assert (cold.trainings_completed, cold.version) == (120, 121)
        read_for_a_batch = look_up_batch(reader, [decoded(training_completed(employee_nip=nip))]).found[record_id]
        assert vars(read_for_a_batch) == vars(replayed)  # ingest's one query per batch rebuilds it the same way
        older: CivilServant = reader.repository.get(record_id, version=75)  # as it stood: the snapshot at 51
        assert older.trainings_completed == 74
    finally:
        writer.close()
        reader.close()
