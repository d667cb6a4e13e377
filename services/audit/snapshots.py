"""Do the stored snapshots agree with the events? Part of ``jejak audit verify``.

Snapshots (``jejak_snapshots``) are not history: each is a record's state at one version, kept so
that ingest reads a long record quickly. They are not in the hash chain, but the rules read them,
so a snapshot that said something the events do not would change what ingest accepts without
leaving a trace in the events. This check rebuilds each snapshotted record from its events alone,
in version order, and compares it with every snapshot of it, field for field.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import groupby
from typing import Any, cast
from uuid import UUID

import psycopg
from eventsourcing.persistence import StoredEvent

from domain.records import Records
from services.database import open_records


@dataclass(frozen=True)
class SnapshotProblem:
    record_id: UUID
    version: int
    reason: str

    def __str__(self) -> str:
        return f"snapshot of record {self.record_id} at version {self.version}: {self.reason}"


@dataclass(frozen=True)
class SnapshotReport:
    checked: int
    problems: tuple[SnapshotProblem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def count_snapshots(database_url: str) -> int:
    with psycopg.connect(database_url) as conn:
        row = conn.execute("SELECT count(*) FROM public.jejak_snapshots").fetchone()
    return 0 if row is None else int(row[0])


def _snapshot_rows(conn: psycopg.Connection[Any]) -> Iterator[tuple[UUID, int, str, bytes]]:
    with conn.cursor(name="jejak_audit_snapshots") as cursor:
        cursor.itersize = 1000
        cursor.execute(
            "SELECT originator_id, originator_version, topic, state FROM public.jejak_snapshots "
            "ORDER BY originator_id, originator_version"
        )
        for record_id, version, topic, state in cursor:
            yield record_id, int(version), str(topic), bytes(state)


def check_snapshots(database_url: str, on_snapshot: Callable[[], None] | None = None) -> SnapshotReport:
    """Every snapshot against its record rebuilt from the events up to its version (one read of each record)."""
    records = open_records(database_url)
    checked, problems = 0, []
    try:
        with psycopg.connect(database_url) as conn:
            conn.read_only = True
            for record_id, rows in groupby(_snapshot_rows(conn), key=lambda row: row[0]):
                snapshots = list(rows)
                problems += _check_record(records, record_id, snapshots)
                checked += len(snapshots)
                if on_snapshot is not None:
                    for _ in snapshots:
                        on_snapshot()
    finally:
        records.close()
    return SnapshotReport(checked, tuple(problems))


def _check_record(
    records: Records, record_id: UUID, snapshots: list[tuple[UUID, int, str, bytes]]
) -> list[SnapshotProblem]:
    """Replay the record's events once, comparing at each snapshot's version."""
    problems = []
    pending = iter(snapshots)
    wanted = next(pending, None)
    record: Any = None
    for event in records.events.get(record_id, lte=snapshots[-1][1]):
        record = cast(Any, event).mutate(record)
        while wanted is not None and wanted[1] == record.version:
            problems += _compare(records, wanted, record)
            wanted = next(pending, None)
    while wanted is not None:  # a version the events never reached
        problems.append(SnapshotProblem(record_id, wanted[1], "the record has no event at this version"))
        wanted = next(pending, None)
    return problems


def _compare(records: Records, row: tuple[UUID, int, str, bytes], rebuilt: Any) -> list[SnapshotProblem]:
    record_id, version, topic, state = row
    try:
        snapshot = records.mapper.to_domain_event(StoredEvent(record_id, version, topic, state))
        restored = snapshot.mutate(None)  # type: ignore[attr-defined]
    except Exception as error:  # noqa: BLE001 (a snapshot that cannot be read is itself the finding)
        return [SnapshotProblem(record_id, version, f"cannot be read: {error}")]
    if type(restored) is not type(rebuilt):
        return [
            SnapshotProblem(
                record_id, version, f"is a {type(restored).__name__}, the events a {type(rebuilt).__name__}"
            )
        ]
    differ = sorted(
        name
        for name in vars(rebuilt).keys() | vars(restored).keys()
        if vars(rebuilt).get(name) != vars(restored).get(name)
    )
    if differ:
        return [SnapshotProblem(record_id, version, f"differs from the events in {', '.join(differ)}")]
    return []
