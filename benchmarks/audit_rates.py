"""What the audit costs: the hash chain on every insert, and verify/export/bundle rates.

    .venv/bin/python -m benchmarks.audit_rates [--events 100000]

On scratch embedded servers: the same stored events are inserted through the library's plain
PostgreSQL recorder and through the chained one (500 per transaction, as ingest saves), then
``jejak audit verify``'s core, an export of everything and the offline verification of that
bundle are timed over the chained store. Last, a demo city is recorded through ingest's
``record_batch()`` and verify's snapshot check is timed over it. Prints the rate of each.
"""

import argparse
import json
import tempfile
import time
from pathlib import Path
from uuid import uuid4

import psycopg
from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from psycopg import conninfo, sql

from benchmarks.workload import incoming, make_workload
from services.audit.checkpoints import take_checkpoint
from services.audit.export import Selection, export_bundle
from services.audit.keys import load_signing_key, public_keys
from services.audit.offline import verify_bundle
from services.audit.snapshots import check_snapshots
from services.audit.verify import verify_store
from services.database import open_records
from services.event_store import ChainedApplicationRecorder
from services.ingest.worker import record_batch
from services.personal_data import PostgresKeyVault
from services.runtime.scratch import scratch_servers
from services.senders import load_senders
from services.settings import Settings

BATCH = 500


def snapshot_check(settings: Settings, database_url: str, employees: int) -> tuple[int, int, float]:
    """Record a 10-year city of ``employees`` through ingest's batches; (snapshots, events read, seconds to check)."""
    workload = make_workload(seed=7, employees=employees, years=10, stage_events=None, latency_events=1)
    records = open_records(database_url, cached_records=employees + 100)
    vault, senders = PostgresKeyVault(database_url), load_senders(settings.senders_file)
    try:
        for start in range(0, len(workload.stage), BATCH):
            batch = incoming(workload.stage[start : start + BATCH], start + 1)
            if record_batch(records, vault, senders, batch) is None:
                raise SystemExit("a batch of the demo city was refused: the snapshot figure would mean nothing")
    finally:
        records.close()
        vault.close()
    with psycopg.connect(database_url) as conn:
        row = conn.execute(
            "SELECT count(*) FROM jejak_events e WHERE e.originator_id IN (SELECT originator_id FROM jejak_snapshots)"
        ).fetchone()
    began = time.perf_counter()
    report = check_snapshots(database_url)
    seconds = time.perf_counter() - began
    if not report.ok:
        raise SystemExit(f"snapshot check failed: {report.problems[:3]}")
    return report.checked, int(row[0]) if row else 0, seconds


def stored_events(count: int) -> list[StoredEvent]:
    """Events shaped like ours: ~600 bytes of JSON, ten per aggregate."""
    events: list[StoredEvent] = []
    while len(events) < count:
        aggregate = uuid4()
        for version in range(1, 11):
            state = json.dumps({"n": len(events), "text": "x" * 560}).encode()
            events.append(StoredEvent(aggregate, version, "domain.civil_servant:CivilServant.TrainingCompleted", state))
    return events[:count]


def insert_rate(recorder: PostgresApplicationRecorder, events: list[StoredEvent]) -> float:
    began = time.perf_counter()
    for start in range(0, len(events), BATCH):
        recorder.insert_events(events[start : start + BATCH])
    return len(events) / (time.perf_counter() - began)


def datastore(url: str, database: str) -> PostgresDatastore:
    parts = conninfo.conninfo_to_dict(url)
    return PostgresDatastore(
        dbname=database, host=str(parts["host"]), port=str(parts["port"]), user=str(parts["user"]), password=""
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--employees", type=int, default=300, help="the city recorded for the snapshot check")
    args = parser.parse_args()
    events = stored_events(args.events)
    with scratch_servers(Settings(nats_sync_always=False), prefix="jejak-audit-bench-") as scratch:
        urls = scratch.urls
        if urls.admin_database_url is None:
            raise SystemExit("needs the embedded servers (it creates a second database)")
        with psycopg.connect(urls.admin_database_url, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier("plain")))
        plain_store = datastore(urls.admin_database_url, "plain")
        plain = PostgresApplicationRecorder(plain_store, events_table_name="bench_events")
        plain.create_table()
        chained_store = datastore(urls.owner_database_url or urls.database_url, "jejak")
        chained = ChainedApplicationRecorder(chained_store, events_table_name="jejak_events")
        plain_rate = insert_rate(plain, events)
        chained_rate = insert_rate(chained, events)
        plain_store.close()
        chained_store.close()
        key = load_signing_key(scratch.settings.signing_key_dir())
        keys = public_keys(scratch.settings.signing_key_dir())
        take_checkpoint(urls.database_url, key)
        began = time.perf_counter()
        report = verify_store(urls.database_url, keys)
        verify_rate = report.rows / (time.perf_counter() - began)
        out = Path(tempfile.mkdtemp(prefix="jejak-audit-bundle-")) / "bundle"
        began = time.perf_counter()
        export_bundle(urls.database_url, out, selection=Selection(), key=key, public_keys=keys)
        export_rate = args.events / (time.perf_counter() - began)
        began = time.perf_counter()
        bundle = verify_bundle(out, keys)
        bundle_rate = bundle.rows / (time.perf_counter() - began)
        snapshots, replayed, check_seconds = snapshot_check(scratch.settings, urls.database_url, args.employees)
    if not (report.ok and bundle.ok):  # a rate over a failed verification means nothing
        raise SystemExit(f"verification failed: {report.problems} {bundle.problems}")
    print(f"events: {args.events:,} (~{len(events[0].state)} bytes of state each), {BATCH} per transaction")
    print(f"insert, library recorder (no chain)  {plain_rate:>10,.0f} events/s")
    print(f"insert, chained recorder             {chained_rate:>10,.0f} events/s  ({chained_rate / plain_rate:.0%})")
    print(f"jejak audit verify (store)           {verify_rate:>10,.0f} events/s")
    print(f"jejak audit export (everything)      {export_rate:>10,.0f} events/s")
    print(f"bundle verified offline              {bundle_rate:>10,.0f} events/s")
    print(
        f"snapshot check (in verify)           {replayed / check_seconds:>10,.0f} events/s  "
        f"({snapshots:,} snapshots of {args.employees} employees' 10 years, {replayed:,} of their events, "
        f"{check_seconds:.1f} s)"
    )


if __name__ == "__main__":
    main()
