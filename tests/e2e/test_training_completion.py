"""A training provider publishes with plain nats-py; the API shows what was recorded, once."""

import asyncio
import base64
from typing import Any

import httpx
import nats
import psycopg
import pytest
from nats.js import JetStreamContext

from contracts.rejection import RejectionKind, RejectionV1
from contracts.streams import EVENTS_STREAM
from tests.builders import SOURCE, TRAINING_SUBJECT, encode, training_completed, unique_nip
from tests.conftest import Stack
from tests.e2e.process import JejakProcess
from tests.e2e.publishing import publish_to, registered_nip
from tests.streams import inbox_settled, rejections_of
from tests.waiting import eventually

pytestmark = pytest.mark.e2e


async def publish(stack: Stack, body: dict[str, Any], subject: str = TRAINING_SUBJECT) -> Any:
    return await publish_to(stack, body, subject)


async def competency_of(api: httpx.AsyncClient, nip: str) -> dict[str, Any] | None:
    response = await api.get(f"/employees/{nip}/competency")
    if response.status_code == 404:
        return None
    response.raise_for_status()
    found: dict[str, Any] = response.json()
    return found


def event_ids(history: dict[str, Any]) -> list[str]:
    return [a["event_id"] for year in history["years"] for a in year["activities"]]


async def test_a_completion_shows_up_with_its_jp_and_position(
    stack: Stack, api: httpx.AsyncClient, db: psycopg.Connection[tuple[object, ...]]
) -> None:
    nip = await registered_nip(stack)
    body = training_completed(employee_nip=nip, stated_jp=4.5, hours=8, end_date="2026-03-10")
    ack = await publish(stack, body)
    assert ack.stream == f"SUBMIT-{SOURCE}"  # the sender's own stream

    history = await eventually(lambda: competency_of(api, nip), what="the completion in the API")

    assert history["nip"] == nip
    assert history["total_recognised_jp"] == 4.5
    [year] = history["years"]
    assert year["year"] == 2026
    [activity] = year["activities"]
    assert activity["training_kind_name"] == "Diklat Teknis"
    assert activity["provider"] == body["provider"]
    stored_at = db.execute("SELECT max(notification_id) FROM jejak_events").fetchone()
    assert stored_at is not None
    assert activity["position"] <= history["position"] <= int(str(stored_at[0]))


async def test_the_same_event_inside_the_dedupe_window_is_counted_once(
    stack: Stack, api: httpx.AsyncClient, js: JetStreamContext
) -> None:
    nip = await registered_nip(stack)
    body = training_completed(employee_nip=nip)
    first, second = await publish(stack, body), await publish(stack, body)
    assert second.duplicate
    assert second.seq == first.seq
    history = await eventually(lambda: competency_of(api, nip))
    await eventually(lambda: inbox_settled(js), what="INBOX settled")
    assert event_ids(history) == [body["event_id"]]


async def test_the_same_event_after_the_dedupe_window_is_counted_once(
    stack: Stack, api: httpx.AsyncClient, js: JetStreamContext
) -> None:
    nip = await registered_nip(stack)
    body = training_completed(employee_nip=nip)
    first = await publish(stack, body)
    await eventually(lambda: competency_of(api, nip))
    await asyncio.sleep(stack.settings.inbox_duplicate_window_seconds + 0.5)

    late = await publish(stack, dict(reversed(body.items())))  # same event, other key order

    assert not late.duplicate
    assert late.seq > first.seq  # JetStream no longer knows it: only the receipt can
    await eventually(lambda: inbox_settled(js), what="the late copy processed")
    history = await competency_of(api, nip)
    assert history is not None
    assert event_ids(history) == [body["event_id"]]
    assert history["total_recognised_jp"] == body["stated_jp"]
    assert await rejections_of(js, body["event_id"]) == []


async def test_an_invalid_submission_is_rejected_with_reason_and_bytes_and_stores_nothing(
    stack: Stack, api: httpx.AsyncClient, db: psycopg.Connection[tuple[object, ...]]
) -> None:
    nip = await registered_nip(stack)
    body = training_completed(employee_nip=nip, training_kind="99", hours="many")
    nc = await nats.connect(stack.sender_url(SOURCE))  # the sender listens for its own rejections
    try:
        rejected = await nc.subscribe(f"asn.rejected.{SOURCE}.>")
        await publish(stack, body)
        rejection = await first_rejection_naming(rejected, body["event_id"])
    finally:
        await nc.close()

    assert rejection.kind is RejectionKind.CONTRACT
    assert {e.field for e in rejection.errors} == {"training_kind", "hours"}
    assert "unknown training kind '99'" in rejection.reason
    assert base64.b64decode(rejection.original_base64) == encode(body)
    assert rejection.subject == TRAINING_SUBJECT
    assert await competency_of(api, nip) is None
    receipts = db.execute(
        "SELECT count(*) FROM jejak_events WHERE topic LIKE %s AND convert_from(state, 'UTF8') LIKE %s",
        ("%Receipt.Issued", f"%{body['event_id']}%"),
    ).fetchone()
    assert receipts == (0,)


async def first_rejection_naming(subscription: Any, event_id: str) -> RejectionV1:
    while True:
        message = await subscription.next_msg(timeout=15)
        rejection = RejectionV1.model_validate_json(message.data)
        if rejection.event_id == event_id:
            return rejection


async def test_a_broken_rule_is_rejected_and_names_the_rule(
    stack: Stack, api: httpx.AsyncClient, js: JetStreamContext
) -> None:
    nip = await registered_nip(stack)
    body = training_completed(employee_nip=nip, start_date="2026-03-10", end_date="2026-03-01")
    await publish(stack, body)

    async def rejected() -> list[RejectionV1] | None:
        return await rejections_of(js, body["event_id"]) or None

    [rejection] = await eventually(rejected, what="the rejection")
    assert rejection.kind is RejectionKind.RULE
    assert rejection.rule == "end-before-start"
    assert rejection.code == "end-before-start"
    assert rejection.reason == "end_date 2026-03-01 is before start_date 2026-03-10"
    assert await competency_of(api, nip) is None


async def test_reusing_an_event_id_for_other_content_is_a_conflict(
    stack: Stack, api: httpx.AsyncClient, js: JetStreamContext
) -> None:
    nip = await registered_nip(stack)
    body = training_completed(employee_nip=nip)
    await publish(stack, body)
    await eventually(lambda: competency_of(api, nip))
    await asyncio.sleep(stack.settings.inbox_duplicate_window_seconds + 0.5)
    await publish(stack, {**body, "stated_jp": 40})

    async def rejected() -> list[RejectionV1] | None:
        return await rejections_of(js, body["event_id"]) or None

    [rejection] = await eventually(rejected, what="the conflict")
    assert rejection.kind is RejectionKind.CONFLICT
    history = await competency_of(api, nip)
    assert history is not None
    assert history["total_recognised_jp"] == body["stated_jp"]


async def test_unknown_and_malformed_nips_get_404_and_422(api: httpx.AsyncClient) -> None:
    assert (await api.get(f"/employees/{unique_nip()}/competency")).status_code == 404
    malformed = await api.get("/employees/12345/competency")
    assert malformed.status_code == 422
    assert "18 digits" in malformed.text


async def test_after_a_restart_the_pipeline_resumes_and_events_is_a_complete_copy(
    stack: Stack,
    services: JejakProcess,
    api: httpx.AsyncClient,
    js: JetStreamContext,
    db: psycopg.Connection[tuple[object, ...]],
) -> None:
    assert services.interrupt() == 0
    nip = await registered_nip(stack)
    body = training_completed(employee_nip=nip)
    await publish(stack, body)  # accepted by INBOX while Jejak is down
    services.start()

    await eventually(lambda: competency_of(api, nip), what="the completion after restart")

    async def relayed_everything() -> bool | None:
        row = db.execute("SELECT count(*), max(notification_id) FROM jejak_events").fetchone()
        assert row is not None
        info = await js.stream_info(EVENTS_STREAM)
        last = await js.get_msg(EVENTS_STREAM, seq=info.state.last_seq)
        return True if (info.state.messages, int((last.headers or {})["Nats-Msg-Id"])) == row else None

    await eventually(relayed_everything, what="EVENTS holding every stored event exactly once")
