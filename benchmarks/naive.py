"""The reference point: what a competent newcomer would write with the same libraries, and nothing more.

A FastStream pull subscriber on INBOX (its own durable, ``bench-naive``) handles one message at a
time in a sync handler: parse the JSON, one ``Application.save()`` of a minimal event-sourced
aggregate in its own table (``naiverecords_events``), then FastStream acks. A library
``ProjectionRunner`` writes one view row and the tracking record per event, per transaction. No
contract validation, no rules, no receipts, no hash chain, no relay: every shortcut favours the
newcomer, so "Jejak is 10x the naive version" is a conservative claim.

Run: ``python -m benchmarks.naive --nats URL --database URL`` (prints ``naive ready`` when consuming).
"""

import argparse
import asyncio
import json
import signal
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event
from eventsourcing.persistence import IntegrityError, Tracking
from eventsourcing.postgres import PostgresTrackingRecorder
from eventsourcing.projection import Projection, ProjectionRunner
from faststream.nats import JStream, NatsBroker, PullSub
from faststream.nats.annotations import NatsMessage
from psycopg.sql import SQL, Identifier

from contracts.streams import INBOX_STREAM, INBOX_SUBJECTS
from services.database import eventsourcing_env

DURABLE = "bench-naive"
APPLICATION = "naiverecords"
VIEW = "naiveview"
READY = "naive ready"


class Submission(Aggregate):
    """One received message, as it came."""

    @staticmethod
    def create_id(subject: str, body: dict[str, Any]) -> UUID:
        return uuid5(NAMESPACE_URL, f"{subject}/{body.get('event_id')}")

    @event("Received")
    def __init__(self, subject: str, body: dict[str, Any]) -> None:
        self.subject = subject
        self.body = body


class NaiveRecords(Application[UUID]):
    name = APPLICATION

    def receive(self, subject: str, body: dict[str, Any]) -> None:
        try:
            self.save(Submission(subject, body))
        except IntegrityError:  # a redelivery: already saved
            return


class NaiveView(PostgresTrackingRecorder):
    """One row per event, written with the tracking record in one transaction."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.table = Identifier(self.datastore.schema, "naive_view")
        self.sql_create_statements.append(
            SQL("CREATE TABLE IF NOT EXISTS {} (id uuid, version int, subject text, body jsonb)").format(self.table)
        )

    def insert(self, submission: Submission.Received, tracking: Tracking) -> None:  # type: ignore[name-defined]
        with self.datastore.transaction(commit=True) as curs:
            self._insert_tracking(curs, tracking)
            curs.execute(
                SQL("INSERT INTO {} VALUES (%s, %s, %s, %s)").format(self.table),
                (
                    submission.originator_id,
                    submission.originator_version,
                    submission.subject,
                    json.dumps(submission.body),
                ),
            )


class NaiveProjection(Projection[NaiveView]):
    name = VIEW

    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        self.view.insert(domain_event, tracking)


def naive_env(database_url: str) -> dict[str, str]:
    """The library's plain Postgres recorder (not Jejak's chained one), tables created on start."""
    env = eventsourcing_env(database_url, create_table=True)
    env.pop("APPLICATION_RECORDER_TOPIC", None)
    return env


async def serve(nats_url: str, database_url: str) -> None:
    env = naive_env(database_url)
    records = NaiveRecords(env=env)
    broker = NatsBroker(nats_url, logger=None)

    @broker.subscriber(
        INBOX_SUBJECTS, stream=JStream(INBOX_STREAM, declare=False), durable=DURABLE, pull_sub=PullSub(batch_size=1)
    )
    def handle(msg: NatsMessage) -> None:
        records.receive(msg.raw_message.subject, json.loads(msg.body))

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    with ProjectionRunner(
        application_class=NaiveRecords, projection_class=NaiveProjection, view_class=NaiveView, env=env
    ):
        await broker.start()
        print(READY, flush=True)
        await stop.wait()
        await broker.stop()
    records.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nats", required=True)
    parser.add_argument("--database", required=True)
    args = parser.parse_args()
    asyncio.run(serve(args.nats, args.database))


if __name__ == "__main__":
    main()
