"""Provisioning on the real servers: idempotent, never silently changes a stream, records protected."""

from dataclasses import replace

import psycopg
import pytest
from nats.js import JetStreamContext
from nats.js.api import (
    AckPolicy,
    ConsumerConfig,
    DeliverPolicy,
    DiscardPolicy,
    RetentionPolicy,
    StorageType,
    StreamConfig,
)
from nats.js.errors import APIError

from contracts.streams import AUDIT_STREAM, EVENTS_STREAM, INBOX_STREAM, REJECTED_STREAM, submission_stream
from services.provision import provision
from services.provision_streams import INTAKE_HEADERS_ALLOWANCE, ProvisioningConflict, provision_streams
from services.senders import parse_senders
from tests.conftest import Stack

pytestmark = pytest.mark.integration


async def test_provisioning_again_changes_nothing(stack: Stack) -> None:
    done = await provision(
        stack.settings, stack.nats_url, stack.database_url, owner_database_url=stack.owner_database_url
    )
    assert done.created == ()
    assert set(done.unchanged) >= {f"stream {s}" for s in (INBOX_STREAM, EVENTS_STREAM, REJECTED_STREAM)}
    assert "consumer INBOX/ingest" in done.unchanged


async def test_a_stream_with_other_settings_is_reported_not_changed(stack: Stack, js: JetStreamContext) -> None:
    other = stack.settings.model_copy(update={"inbox_duplicate_window_seconds": 99.0})
    with pytest.raises(ProvisioningConflict, match="stream INBOX: duplicate_window"):
        await provision(other, stack.nats_url, stack.database_url, owner_database_url=stack.owner_database_url)
    info = await js.stream_info(INBOX_STREAM)
    assert info.config.duplicate_window == pytest.approx(stack.settings.inbox_duplicate_window_seconds)


@pytest.mark.parametrize("stream", [EVENTS_STREAM, AUDIT_STREAM])
async def test_records_cannot_be_deleted_or_purged(js: JetStreamContext, stream: str) -> None:
    info = await js.stream_info(stream)
    assert info.config.deny_delete
    assert info.config.deny_purge
    with pytest.raises(APIError):
        await js.purge_stream(stream)


@pytest.mark.parametrize("stream", [INBOX_STREAM, submission_stream("lapor")])
async def test_submissions_cannot_be_purged_but_single_ones_can_be_deleted(js: JetStreamContext, stream: str) -> None:
    """Ingest deletes a settled submission holding a complainant's personal data (services.ingest.forget)."""
    info = await js.stream_info(stream)
    assert info.config.deny_purge
    assert not info.config.deny_delete
    with pytest.raises(APIError):
        await js.purge_stream(stream)


async def test_a_submissions_stream_that_denies_deletes_is_reported_with_what_to_do(
    stack: Stack, js: JetStreamContext
) -> None:
    """An older Jejak made the senders' streams undeletable; the server cannot lift that, so provisioning says so."""
    name = submission_stream("nosuch-old")
    settings = stack.settings
    await js.add_stream(
        StreamConfig(
            name=name, subjects=["asn.submit.nosuch-old.>"], retention=RetentionPolicy.LIMITS,
            storage=StorageType.FILE, discard=DiscardPolicy.NEW, max_age=0, max_msgs=-1, max_bytes=-1,
            max_msg_size=settings.max_message_bytes, duplicate_window=settings.inbox_duplicate_window_seconds,
            deny_delete=True, deny_purge=True, allow_rollup_hdrs=False, num_replicas=1,
        )
    )  # fmt: skip
    try:
        senders = parse_senders('[senders.nosuch-old]\nname = "Old"\nevents = ["training-completed"]\n')
        with pytest.raises(ProvisioningConflict) as refused:
            await provision_streams(js, settings, senders)
        assert f"stream {name}: deny_delete: has True, wanted False" in str(refused.value)
        assert "make clean-data" in str(refused.value)
    finally:
        await js.delete_stream(name)


def test_the_schema_is_in_place(db: psycopg.Connection[tuple[object, ...]]) -> None:
    tables = {row[0] for row in db.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'").fetchall()}
    assert {"jejak_events", "competency_activity", "projection_position"} <= tables


async def test_a_consumer_s_delivery_pace_is_brought_in_line_but_nothing_else(
    stack: Stack, js: JetStreamContext
) -> None:
    """max_ack_pending is a batch (order is kept by the workers); an older store's consumer gets it on the next
    provision, and nothing else about the consumer changes."""
    await js.add_consumer(
        "REJECTED",
        ConsumerConfig(
            durable_name="projection-rejections", filter_subject="asn.rejected.>", deliver_policy=DeliverPolicy.ALL,
            ack_policy=AckPolicy.EXPLICIT, ack_wait=stack.settings.consumer_ack_wait_seconds, max_deliver=-1,
            max_ack_pending=1,
        ),
    )  # fmt: skip
    assert (await js.consumer_info("REJECTED", "projection-rejections")).config.max_ack_pending == 1
    done = await provision(
        stack.settings, stack.nats_url, stack.database_url, owner_database_url=stack.owner_database_url
    )
    assert done.updated == ("consumer REJECTED/projection-rejections",)
    wanted = stack.settings.projection_batch_size
    assert (await js.consumer_info("REJECTED", "projection-rejections")).config.max_ack_pending == wanted


async def test_the_largest_submission_is_applied_to_an_older_inbox_and_nothing_stored_changes(
    stack: Stack, js: JetStreamContext
) -> None:
    """An INBOX provisioned before the size bound and intake's atomic batches gets both; its messages stay."""
    before = await js.stream_info(INBOX_STREAM)
    await js.update_stream(replace(before.config, max_msg_size=-1, allow_atomic=False))
    done = await provision(
        stack.settings, stack.nats_url, stack.database_url, owner_database_url=stack.owner_database_url
    )
    assert f"stream {INBOX_STREAM}" in done.updated
    after = await js.stream_info(INBOX_STREAM)
    assert after.config.max_msg_size == stack.settings.max_message_bytes + INTAKE_HEADERS_ALLOWANCE
    assert after.config.allow_atomic is True
    assert after.state.messages >= before.state.messages
    assert after.state.first_seq == before.state.first_seq
