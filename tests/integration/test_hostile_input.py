"""No sender can stop ingest: hostile bodies are refused, faults of ours are parked, the rest is stored.

Each test sends the hostile input first, then a valid event from another sender, which must be
stored within the test: on the real NATS and PostgreSQL, with ingest running as it does in service.
"""

import asyncio
import base64
import functools
import hashlib
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import nats
import pytest
from nats.js import JetStreamContext
from nats.js.api import PubAck
from nats.js.errors import APIError
from typer.testing import CliRunner

from contracts.rejection import RejectionKind, RejectionV1
from contracts.streams import INBOX_STREAM, submission_stream
from domain.identity import receipt_id
from domain.records import Records
from services.cli import app
from services.ingest import commands, worker
from services.ingest.worker import Ingest
from tests.builders import (
    BKPSDM,
    encode,
    envelope,
    event_id,
    placement_changed,
    register_in,
    subject,
    training_completed,
)
from tests.conftest import Stack
from tests.e2e.publishing import publish_to
from tests.integration.conftest import running_ingest
from tests.streams import all_rejections, inbox_settled, rejections_of
from tests.waiting import eventually

pytestmark = pytest.mark.integration

HOSTILE = "lapor"
COMPLAINT_SUBJECT = subject("complaint-received", HOSTILE)


@pytest.fixture
async def ingest(stack: Stack, records: Records) -> AsyncIterator[Ingest]:
    settings = stack.settings.model_copy(update={"retry_max_delay_seconds": 1.0, "park_after_attempts": 2})
    async with running_ingest(stack, records, settings) as running:
        yield running


async def publish_raw(stack: Stack, to: str, body: bytes, message_id: str | None = None) -> Any:
    """As the subject's sender, any bytes at all."""
    nc = await nats.connect(stack.sender_url(to.split(".")[2]))
    try:
        return await nc.jetstream().publish(to, body, headers={"Nats-Msg-Id": message_id or event_id()}, timeout=5)
    finally:
        await nc.close()


def stored(records: Records, body: dict[str, Any]) -> Callable[[], Any]:
    async def check() -> bool | None:
        return True if receipt_id(body["source"], body["event_id"]) in records.repository else None

    return check


async def refused(js: JetStreamContext, event_id: str) -> list[RejectionV1] | None:
    return await rejections_of(js, event_id) or None


async def rejection_at(js: JetStreamContext, ack: PubAck) -> RejectionV1 | None:
    """The refusal of what a sender published, matched as the sender would: by the PubAck's stream and sequence."""

    def answers(rejection: RejectionV1) -> bool:
        if ack.stream == INBOX_STREAM:
            return rejection.inbox_sequence == ack.seq
        return rejection.source is not None and (
            submission_stream(rejection.source),
            rejection.submission_sequence,
        ) == (
            ack.stream,
            ack.seq,
        )

    found = [r for r in await all_rejections(js) if answers(r)]
    return found[0] if found else None


async def test_two_hundred_thousand_brackets_are_refused_and_the_next_sender_is_stored(
    stack: Stack, ingest: Ingest, records: Records, js: JetStreamContext
) -> None:
    ack = await publish_raw(stack, COMPLAINT_SUBJECT, b"[" * 200_000)
    valid = training_completed(employee_nip=register_in(records))
    await publish_to(stack, valid)

    await eventually(stored(records, valid), within=20, what="the other sender's training stored")
    rejection = await eventually(lambda: rejection_at(js, ack), within=20, what="the brackets refused")
    assert (rejection.kind, rejection.code, rejection.source) == (RejectionKind.LIMIT, "too-deep", HOSTILE)
    await eventually(lambda: inbox_settled(js), what="INBOX acknowledged")


async def test_a_message_over_the_size_bound_is_refused_by_the_server_at_publish(stack: Stack) -> None:
    """800 KB of valid JSON: the sender is told at once (not stored, so nothing can be retried for ever)."""
    body = encode({"padding": "x" * 800_000})
    with pytest.raises(APIError) as refused:
        await publish_raw(stack, COMPLAINT_SUBJECT, body)
    assert refused.value.err_code == 10054  # message size exceeds maximum allowed


async def test_a_large_refused_body_is_carried_by_digest_and_prefix(
    stack: Stack, ingest: Ingest, records: Records, js: JetStreamContext
) -> None:
    """Just under the size bound, but no contract: its refusal still fits on REJECTED."""
    body = encode({"event_id": "big-1", "padding": ["y" * 16_000] * 15})
    assert 200_000 < len(body) < stack.settings.max_message_bytes
    ack = await publish_raw(stack, COMPLAINT_SUBJECT, body)
    valid = training_completed(employee_nip=register_in(records))
    await publish_to(stack, valid)

    await eventually(stored(records, valid), within=20, what="the other sender's training stored")
    rejection = await eventually(lambda: rejection_at(js, ack), within=20, what="the large body refused")
    assert rejection.kind is RejectionKind.CONTRACT
    assert not rejection.original_complete
    assert rejection.original_bytes == len(body)
    assert rejection.original_sha256 == hashlib.sha256(body).hexdigest()
    assert body.startswith(base64.b64decode(rejection.original_base64))


def buggy_for(event_id: str) -> Callable[..., Any]:
    """Ingest's ``execute`` with a bug of ours that strikes the submission ``event_id`` only."""
    real = commands.execute

    def buggy(records: Records, vault: Any, event: Any, submission: Any, **options: Any) -> Any:
        if event.event_id == event_id:
            raise TypeError("a bug of ours")
        return real(records, vault, event, submission, **options)

    return buggy


async def test_a_fault_of_ours_parks_the_submission_and_the_rest_go_on(
    stack: Stack, ingest: Ingest, records: Records, js: JetStreamContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    nip = register_in(records)
    faulty = training_completed(employee_nip=nip)
    after = training_completed(employee_nip=nip)
    real = commands.execute
    monkeypatch.setattr(worker, "execute", buggy_for(faulty["event_id"]))
    await publish_to(stack, faulty)
    await publish_to(stack, after)

    await eventually(stored(records, after), within=30, what="the submission after the faulty one stored")
    assert not await stored(records, faulty)()
    [notice] = await eventually(lambda: refused(js, faulty["event_id"]), what="the sender told")
    assert notice.kind is RejectionKind.PARKED
    [parked] = [p for p in ingest.parked.listed() if p.event_id == faulty["event_id"]]
    assert parked.attempts == 2
    assert parked.error.startswith("TypeError: a bug of ours (at ")
    assert parked.source == "bpsdm-sumbar"
    await eventually(lambda: inbox_settled(js), what="INBOX acknowledged")

    # After the fix, an operator lists it and replays it: it is stored as a new submission.
    monkeypatch.setattr(worker, "execute", real)
    env = {"JEJAK_NATS_URL": stack.nats_url, "JEJAK_DATABASE_URL": stack.database_url}
    listed = await asyncio.to_thread(CliRunner().invoke, app, ["parked", "list", "--json"], env=env)
    assert listed.exit_code == 0, listed.output
    assert f'"id": {parked.id}' in listed.output
    replayed = await asyncio.to_thread(CliRunner().invoke, app, ["parked", "replay", str(parked.id)], env=env)
    assert replayed.exit_code == 0, replayed.output
    await eventually(stored(records, faulty), within=20, what="the replayed submission stored")
    again = await asyncio.to_thread(CliRunner().invoke, app, ["parked", "replay", str(parked.id)], env=env)
    assert again.exit_code == 1
    assert "replayed already" in again.output
    assert all(p.id != parked.id for p in ingest.parked.listed())


async def test_erasing_a_person_wipes_a_parked_complaint_that_names_them(
    stack: Stack, ingest: Ingest, records: Records, js: JetStreamContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A parked submission is kept for a replay, bytes and all; an erasure of the person it names wipes it, in
    the table and on NATS (INBOX and the channel's own stream)."""
    reference = f"akun-{event_id()}"
    complaint = envelope(
        HOSTILE, complaint_id=f"LAPOR-{event_id()}", channel="lapor", classification="complaint", category="light",
        complainant={"reference": reference, "name": "Siti Parkir"}, target_unit_code="DISHUB",
        summary="Lampu mati", received_on="2026-04-06",
    )  # fmt: skip
    monkeypatch.setattr(worker, "execute", buggy_for(complaint["event_id"]))
    ack = await publish_to(stack, complaint, COMPLAINT_SUBJECT)
    [notice] = await eventually(lambda: refused(js, complaint["event_id"]), within=30, what="parked")
    assert notice.kind is RejectionKind.PARKED
    assert notice.original_withheld
    assert notice.original_base64 == ""
    [parked] = [p for p in ingest.parked.listed() if p.event_id == complaint["event_id"]]
    assert b"Siti Parkir" in ingest.parked.get(parked.id).original  # type: ignore[union-attr]
    assert (await js.get_msg(INBOX_STREAM, parked.inbox_sequence)).data

    erasure = envelope(
        HOSTILE, subject_source=HOSTILE, subject_reference=reference, reason="permintaan", requested_by="PPID"
    )
    await publish_to(stack, erasure, subject("personal-data-erased", HOSTILE))
    await eventually(stored(records, erasure), within=20, what="the erasure stored")
    await eventually(lambda: inbox_settled(js), what="INBOX acknowledged")
    wiped = ingest.parked.get(parked.id)
    assert wiped is not None
    assert wiped.original == b""
    assert wiped.error.startswith("original erased by personal-data-erased")
    assert all(p.id != parked.id for p in ingest.parked.listed()), "no longer waiting for a replay"
    with pytest.raises(nats.js.errors.NotFoundError):
        await js.get_msg(INBOX_STREAM, parked.inbox_sequence)
    with pytest.raises(nats.js.errors.NotFoundError):
        await js.get_msg(submission_stream(HOSTILE), ack.seq)


async def test_a_training_ending_in_2030_is_refused_as_a_rule_and_the_next_one_stored(
    stack: Stack, ingest: Ingest, records: Records, js: JetStreamContext
) -> None:
    nip = register_in(records)
    future = training_completed(employee_nip=nip, start_date="2030-01-05", end_date="2030-01-09")
    next_month = training_completed(employee_nip=nip, occurred_at=(datetime.now(UTC) + timedelta(days=30)).isoformat())
    valid = training_completed(employee_nip=register_in(records))
    await publish_to(stack, future)
    await publish_to(stack, next_month)
    await publish_to(stack, valid)

    await eventually(stored(records, valid), within=20, what="the valid training stored")
    for body, field in ((future, "start_date"), (next_month, "occurred_at")):
        [rejection] = await eventually(functools.partial(refused, js, body["event_id"]), what="the future fact refused")
        assert (rejection.kind, rejection.code) == (RejectionKind.RULE, "future-fact")
        assert rejection.reason.startswith(f"{field} is ")
        assert not await stored(records, body)()


async def test_the_server_carries_what_the_relay_publishes_of_the_largest_submission(stack: Stack) -> None:
    nc = await nats.connect(stack.nats_url)
    try:
        assert nc.max_payload == stack.settings.nats_max_payload >= 2 * stack.settings.max_message_bytes
    finally:
        await nc.close()


async def test_look_alike_identifiers_are_refused_and_the_next_sender_is_stored(
    stack: Stack, ingest: Ingest, records: Records, js: JetStreamContext
) -> None:
    """A NIP in Arabic-Indic digits, a unit code with a zero-width space, one with a Cyrillic letter."""
    nip = register_in(records)
    arabic_indic = nip.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    placement = subject("placement-changed", BKPSDM)
    hostile = [
        (training_completed(employee_nip=arabic_indic), subject("training-completed"), "ASCII digits 0-9 only"),
        (placement_changed(nip, unit_code="DISDUK\u200bCAPIL"), placement, "U+200B ZERO WIDTH SPACE"),
        (placement_changed(nip, unit_code="DISDUKCAPIL".replace("A", "\u0410")), placement, "U+0410 CYRILLIC"),
    ]
    for body, to, _ in hostile:
        await publish_to(stack, body, to)
    valid = training_completed(employee_nip=register_in(records))
    await publish_to(stack, valid)

    await eventually(stored(records, valid), within=20, what="the other sender's training stored")
    for body, _, why in hostile:
        [rejection] = await eventually(functools.partial(refused, js, body["event_id"]), what="the look-alike refused")
        assert rejection.kind is RejectionKind.CONTRACT
        assert why in rejection.reason
