"""Senders on the real server: each publishes only as itself, and only what the sender map allows."""

import asyncio
import uuid
from collections.abc import AsyncIterator

import httpx
import nats
import psycopg
import pytest
from nats.aio.client import Client
from nats.js import JetStreamContext

from contracts.rejection import RejectionKind, RejectionV1
from contracts.streams import EVENTS_STREAM, INBOX_STREAM, REJECTED_STREAM, rejections_consumer, submission_stream
from services.tokens import Role
from tests.builders import BKPSDM, employee_registered, subject, training_completed, unique_nip
from tests.conftest import Stack
from tests.e2e.conftest import ClientAs
from tests.e2e.process import JejakProcess
from tests.e2e.publishing import publish_to, registered_nip
from tests.streams import SOURCES, inbox_settled, rejections_of
from tests.waiting import eventually

pytestmark = pytest.mark.e2e

LAN = "lan-ri"


@pytest.fixture(autouse=True)
def _embedded_logins(stack: Stack, services: JejakProcess) -> None:
    """These tests need the suite's own server, with one login per sender, and ingest running."""
    if stack.servers is None:
        pytest.skip("servers given by JEJAK_*_URL: their logins are the operator's")


class Connection:
    """A sender's own connection, keeping what the server said asynchronously (permission errors)."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.client: Client | None = None

    async def on_error(self, error: Exception) -> None:
        self.errors.append(str(error))


@pytest.fixture
async def lan(stack: Stack) -> AsyncIterator[Connection]:
    connection = Connection()
    connection.client = await nats.connect(stack.sender_url(LAN), error_cb=connection.on_error)
    yield connection
    await connection.client.close()


def unique_token() -> str:
    return f"t{uuid.uuid4().hex}"


async def messages_on(js: JetStreamContext, stream: str, subject: str) -> int:
    info = await js.stream_info(stream, subjects_filter=subject)
    return sum((info.state.subjects or {}).values())


async def test_a_sender_publishes_on_its_own_subjects_and_gets_the_ack(stack: Stack) -> None:
    body = training_completed(source=LAN, employee_nip=await registered_nip(stack))
    ack = await publish_to(stack, body, subject("training-completed", LAN))
    assert ack.stream == submission_stream(LAN)  # its own stream: its event ids are its own
    assert ack.seq >= 1


async def test_publishing_under_another_source_is_refused_by_the_server(lan: Connection, js: JetStreamContext) -> None:
    elsewhere = f"asn.in.bkpsdm-sawahlunto.{unique_token()}.v1"
    assert lan.client is not None
    with pytest.raises(nats.errors.TimeoutError):  # the server drops it, so no PubAck ever comes
        await lan.client.jetstream().publish(elsewhere, b"{}", headers={"Nats-Msg-Id": unique_token()}, timeout=1.0)
    assert f'permissions violation for publish to "{elsewhere}"' in " ".join(lan.errors)
    assert await messages_on(js, INBOX_STREAM, elsewhere) == 0


async def test_a_reply_subject_cannot_make_the_server_write_into_jejak_s_streams(
    lan: Connection, js: JetStreamContext
) -> None:
    """JetStream acknowledges to the reply subject a publisher names; it must stay in the sender's account."""
    own = f"asn.in.{LAN}.{unique_token()}.v1"
    into_events = f"asn.events.test.{unique_token()}"
    into_another_source = f"asn.in.bkpsdm-sawahlunto.{unique_token()}.v1"
    assert lan.client is not None
    await lan.client.publish(own, b"{}", reply=into_events)
    await lan.client.publish(own, b"{}", reply=into_another_source)
    await lan.client.flush()

    async def stored() -> bool | None:
        return True if await messages_on(js, INBOX_STREAM, own) == 2 else None

    await eventually(stored, what="both submissions in INBOX")
    await asyncio.sleep(0.3)  # the acks were sent when stored; give them time to land, had they anywhere
    assert await messages_on(js, EVENTS_STREAM, into_events) == 0
    assert await messages_on(js, INBOX_STREAM, into_another_source) == 0
    assert lan.errors == []


async def test_an_event_type_the_source_may_not_send_is_rejected_and_stores_nothing(
    stack: Stack, api: httpx.AsyncClient, lan: Connection, db: psycopg.Connection[tuple[object, ...]]
) -> None:
    nip = unique_nip()
    body = employee_registered(nip, source=LAN)  # a training provider may not register employees
    await publish_to(stack, body, subject("employee-registered", LAN))

    assert lan.client is not None  # the sender reads its refusals from its own durable consumer
    mine = await lan.client.jetstream().pull_subscribe_bind(durable=rejections_consumer(LAN), stream=REJECTED_STREAM)

    async def refused() -> RejectionV1 | None:
        try:
            messages = await mine.fetch(10, timeout=0.5)
        except nats.errors.TimeoutError:
            return None
        found = None
        for message in messages:
            await message.ack()
            rejection = RejectionV1.model_validate_json(message.data)
            found = rejection if rejection.event_id == body["event_id"] else found
        return found

    rejection = await eventually(refused, what="the rejection on the sender's consumer")
    assert rejection.kind is RejectionKind.SENDER
    assert rejection.reason == f"source '{LAN}' may not publish employee-registered; allowed: training-completed"
    assert (rejection.source, rejection.event_type) == (LAN, "employee-registered")
    assert (await api.get(f"/employees/{nip}/competency")).status_code == 404
    receipts = db.execute(
        "SELECT count(*) FROM jejak_events WHERE topic LIKE %s AND convert_from(state, 'UTF8') LIKE %s",
        ("%Receipt.Issued", f"%{body['event_id']}%"),
    ).fetchone()
    assert receipts == (0,)


async def test_a_sender_cannot_read_another_sender_s_rejections(
    stack: Stack, lan: Connection, js: JetStreamContext
) -> None:
    body = training_completed(training_kind="99")  # bpsdm-sumbar's, refused by its contract
    await publish_to(stack, body)
    await eventually(lambda: _rejected(js, body["event_id"]), what="bpsdm-sumbar's rejection")
    assert lan.client is not None
    theirs = await lan.client.jetstream().pull_subscribe_bind(
        durable=rejections_consumer("bpsdm-sumbar"), stream=REJECTED_STREAM
    )
    with pytest.raises(nats.errors.TimeoutError):
        await theirs.fetch(1, timeout=1.0)
    assert "permissions violation for publish to" in " ".join(lan.errors)
    live = await lan.client.subscribe("asn.rejected.bpsdm-sumbar.>")
    await lan.client.flush()

    async def refused_subscription() -> bool | None:  # the server's -ERR arrives on its own time
        return True if "permissions violation for subscription" in " ".join(lan.errors) else None

    await eventually(refused_subscription, within=5, what="the server refusing the subscription")
    await publish_to(stack, training_completed(training_kind="99"))
    with pytest.raises(nats.errors.TimeoutError):
        await live.next_msg(timeout=1.0)


async def _rejected(js: JetStreamContext, event_id: str) -> bool | None:
    return True if await rejections_of(js, event_id) else None


async def test_no_sender_can_make_another_sender_s_event_a_duplicate(stack: Stack, api: httpx.AsyncClient) -> None:
    """Event ids live in their sender's namespace: junk sent first under another's id cancels nothing."""
    nip = await registered_nip(stack)
    real = training_completed(employee_nip=nip, source="bpsdm-sumbar")
    junk = {"event_id": real["event_id"], "junk": "sent first with the id bpsdm-sumbar is about to use"}
    hostile = await publish_to(stack, junk, subject("training-completed", LAN))
    assert not hostile.duplicate

    ack = await publish_to(stack, real, subject("training-completed", "bpsdm-sumbar"))

    assert not ack.duplicate  # the sender is not told "you already sent this"

    async def recorded() -> list[str] | None:
        response = await api.get(f"/employees/{nip}/competency")
        if response.status_code == 404:
            return None
        history = response.json()
        found = [activity["event_id"] for year in history["years"] for activity in year["activities"]]
        return found or None

    assert await eventually(recorded, what="the real training in the API") == [real["event_id"]]
    again = await publish_to(stack, real, subject("training-completed", "bpsdm-sumbar"))
    assert again.duplicate  # its own retry is still recognised by the server


async def test_operators_see_each_sender_s_stream_and_what_waits_for_intake(
    stack: Stack, api_as: ClientAs, js: JetStreamContext
) -> None:
    await registered_nip(stack)
    await eventually(lambda: inbox_settled(js), what="intake and ingest caught up")
    overseer = await api_as(Role.BKPSDM)
    streams = {s["name"]: s for s in (await overseer.get("/status/streams")).json()["streams"]}
    assert {submission_stream(source) for source in SOURCES} <= streams.keys()
    assert streams[submission_stream(BKPSDM)]["last_seq"] >= 1

    metrics = (await (await api_as(None)).get("/metrics")).text
    [waiting] = [line for line in metrics.splitlines() if line.startswith("jejak_intake_waiting_submissions ")]
    assert float(waiting.split()[1]) == 0
