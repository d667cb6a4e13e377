"""The growth benchmark times its probe several times on one history by restoring a stopped stack's copy.

That is only a fair repeat if the copy brings back exactly what was there: the store's rows and
a message waiting in INBOX for ingest, whatever a timed run did to them meanwhile.
"""

import asyncio
from pathlib import Path

import nats
import psycopg
import pytest

from benchmarks.stack import BenchStack, copy_home, stack_on
from contracts.streams import INBOX_STREAM, INGEST_CONSUMER, inbox_subject
from services.senders import load_senders
from services.settings import Settings

pytestmark = pytest.mark.integration


def waiting_for_ingest(stack: BenchStack) -> int:
    async def read() -> int:
        nc = await nats.connect(stack.nats_url)
        try:
            info = await nc.jetstream().consumer_info(INBOX_STREAM, INGEST_CONSUMER)
            return int(info.num_pending or 0) + int(info.num_ack_pending or 0)
        finally:
            await nc.close()

    return asyncio.run(read())


def take_from_inbox(stack: BenchStack) -> None:
    async def take() -> None:
        nc = await nats.connect(stack.nats_url)
        try:
            sub = await nc.jetstream().pull_subscribe("", durable=INGEST_CONSUMER, stream=INBOX_STREAM)
            for message in await sub.fetch(10, timeout=5):
                await message.ack_sync()
        finally:
            await nc.close()

    asyncio.run(take())


def markers(stack: BenchStack) -> list[str]:
    with psycopg.connect(stack.owner_database_url) as db:
        return [str(row[0]) for row in db.execute("SELECT note FROM bench_marker ORDER BY note").fetchall()]


def test_a_restored_copy_brings_back_the_store_and_the_waiting_inbox(server_folder: Path) -> None:
    settings = Settings(nats_sync_always=False)
    home, saved = server_folder / "home", server_folder / "saved"
    source = load_senders(settings.senders_file).names[0]
    with stack_on(settings, home, fresh=True) as stack:
        with psycopg.connect(stack.owner_database_url, autocommit=True) as db:
            db.execute("CREATE TABLE bench_marker (note text)")
            db.execute("INSERT INTO bench_marker VALUES ('history')")

        async def submit() -> None:  # straight into INBOX (what a sender publishes, intake moves there)
            nc = await nats.connect(stack.nats_url)
            try:
                await nc.jetstream().publish(inbox_subject(source, "training-completed", 1), b"{}")
            finally:
                await nc.close()

        asyncio.run(submit())
        assert waiting_for_ingest(stack) == 1
    copy_home(home, saved)

    with stack_on(settings, home, fresh=False) as stack:  # a timed run: takes the message, changes the store
        take_from_inbox(stack)
        with psycopg.connect(stack.owner_database_url, autocommit=True) as db:
            db.execute("DELETE FROM bench_marker")
            db.execute("INSERT INTO bench_marker VALUES ('changed by a run')")
        assert waiting_for_ingest(stack) == 0

    copy_home(saved, home)
    with stack_on(settings, home, fresh=False) as stack:
        assert markers(stack) == ["history"]
        assert waiting_for_ingest(stack) == 1
