"""A complaint through the real pipeline: its steps in order, by its own channel, the complainant never in clear."""

import json
from typing import Any

import psycopg
import pytest
from nats.js import JetStreamContext

from contracts.rejection import RejectionKind, RejectionV1
from contracts.streams import EVENTS_STREAM
from domain.identity import complaint_key, person_id
from services.audit.keys import public_keys
from services.audit.verify import verify_store
from services.personal_data import SEALED_PREFIX, KeyErased, PostgresKeyVault
from tests.builders import envelope, event_id, subject
from tests.conftest import Stack
from tests.e2e.publishing import publish_to
from tests.streams import inbox_settled, rejections_of
from tests.waiting import eventually

pytestmark = pytest.mark.e2e

CHANNEL = "lapor"
OTHER_CHANNEL = "pengaduan-sawahlunto"


async def send(stack: Stack, event_type: str, **fields: Any) -> dict[str, Any]:
    return await send_as(stack, CHANNEL, event_type, **fields)


async def send_as(stack: Stack, source: str, event_type: str, **fields: Any) -> dict[str, Any]:
    body = envelope(source, **fields)
    await publish_to(stack, body, subject(event_type, source))
    return body


async def complaint_stored(stack: Stack, js: JetStreamContext, tracking: str, reference: str) -> None:
    """The channel receives a complaint from the person it knows as ``reference``; ingest has stored it."""
    await send(
        stack, "complaint-received", complaint_id=tracking, channel="lapor", classification="complaint",
        category="light", complainant={"reference": reference, "name": "Andi"}, target_unit_code="DISHUB",
        summary="Lampu jalan mati", received_on="2026-04-06",
    )  # fmt: skip
    await eventually(lambda: inbox_settled(js), what="the complaint stored")


def key_count(stack: Stack) -> tuple[object, ...] | None:
    """How many keys of personal data there are, read as ingest, their one reader."""
    with psycopg.connect(stack.login("ingest")) as conn:
        return conn.execute("SELECT count(*) FROM personal_keys").fetchone()


async def rejection_of(js: JetStreamContext, body: dict[str, Any]) -> RejectionV1:
    async def found() -> list[RejectionV1] | None:
        return await rejections_of(js, body["event_id"]) or None

    [rejection] = await eventually(found, what=f"the rejection of {body['event_id']}")
    return rejection


async def test_a_complaint_is_handled_in_order_and_its_complainant_stays_sealed(
    stack: Stack, services: object, js: JetStreamContext, db: psycopg.Connection[tuple[object, ...]]
) -> None:
    tracking = f"LAPOR-{event_id()}"
    reference = f"akun-{event_id()}"
    await send(
        stack, "complaint-received", complaint_id=tracking, channel="lapor", classification="whistleblowing",
        category="investigation", confidential=True,
        complainant={"reference": reference, "name": "Pelapor Rahasia", "contact": "pelapor@example.org"},
        target_unit_code="DPUPR", summary="Dugaan pungutan liar", received_on="2026-04-06",
    )  # fmt: skip
    early = await send(
        stack,
        "complaint-followed-up",
        complaint_id=tracking,
        unit_code="DPUPR",
        action="x",
        followed_up_on="2026-04-07",
    )
    await send(stack, "complaint-verified", complaint_id=tracking, outcome="verified", verified_on="2026-04-07")
    await send(stack, "complaint-disposed", complaint_id=tracking, unit_code="DPUPR", disposed_on="2026-04-08")
    await send(
        stack, "complaint-followed-up", complaint_id=tracking, unit_code="DPUPR", action="audit internal",
        followed_up_on="2026-04-10",
    )  # fmt: skip
    await send(stack, "complaint-closed", complaint_id=tracking, resolution="ditindaklanjuti", closed_on="2026-05-04")
    late = await send(stack, "complaint-verified", complaint_id=tracking, outcome="archived", verified_on="2026-05-05")

    assert (await rejection_of(js, early)).rule == "follow-up-before-disposition"
    assert (await rejection_of(js, late)).kind is RejectionKind.RULE
    await eventually(lambda: inbox_settled(js), what="INBOX settled")

    stored = db.execute(
        "SELECT topic, state FROM jejak_events WHERE topic LIKE 'domain.complaint:%%' ORDER BY notification_id"
    ).fetchall()
    topics = [str(topic).rsplit(".", 1)[1] for topic, _ in stored[-5:]]
    assert topics == ["Received", "Verified", "Disposed", "FollowedUp", "Closed"]
    for _, state in stored:
        assert isinstance(state, bytes)
        assert b"Pelapor Rahasia" not in state
        assert reference.encode() not in state

    async def relayed(text: str) -> bool | None:
        info = await js.stream_info(EVENTS_STREAM)
        messages = [
            await js.get_msg(EVENTS_STREAM, seq=s)
            for s in range(max(1, info.state.last_seq - 30), info.state.last_seq + 1)
        ]
        return True if any(text in (m.data or b"").decode() for m in messages) else None

    await eventually(lambda: relayed(tracking), what="the complaint on EVENTS")
    assert await relayed("Pelapor Rahasia") is None
    assert await relayed("pelapor@example.org") is None


async def test_erasure_destroys_the_key_and_records_which_channel_asked(
    stack: Stack, services: object, js: JetStreamContext, db: psycopg.Connection[tuple[object, ...]]
) -> None:
    reference = f"akun-{event_id()}"
    await complaint_stored(stack, js, f"LAPOR-{event_id()}", reference)
    keys_before = key_count(stack)
    erasure = await send(
        stack, "personal-data-erased", subject_source=CHANNEL, subject_reference=reference,
        reason="permintaan pelapor", requested_by="PPID Kota Sawahlunto",
    )  # fmt: skip
    await eventually(lambda: inbox_settled(js), what="the erasure stored")
    keys_after = key_count(stack)
    assert keys_before is not None
    assert keys_after is not None
    assert int(str(keys_after[0])) == int(str(keys_before[0])) - 1
    erased = db.execute(
        "SELECT state FROM jejak_events WHERE topic = 'domain.data_subject:DataSubject.Erased' "
        "ORDER BY notification_id DESC LIMIT 1"
    ).fetchone()
    assert erased is not None
    assert isinstance(erased[0], bytes)
    recorded = json.loads(erased[0])
    assert recorded["provenance"]["source"] == CHANNEL
    # Who asked and why may name the person: sealed with the key that was destroyed, so unreadable at once.
    assert recorded["requested_by"].startswith(SEALED_PREFIX)
    assert "PPID" not in erased[0].decode()
    with pytest.raises(KeyErased):
        PostgresKeyVault(stack.login("ingest")).open_text(person_id(CHANNEL, reference), recorded["requested_by"])
    assert await rejections_of(js, erasure["event_id"]) == []
    # The sealed identity stays in the store as stored bytes: with its key gone, the chain still verifies.
    report = verify_store(stack.database_url, public_keys(stack.settings.signing_key_dir()))
    assert report.ok, report.problems
    assert report.rows > 0


async def test_a_channel_handles_only_its_own_complaints_and_erases_only_its_own_people(
    stack: Stack, services: object, js: JetStreamContext, db: psycopg.Connection[tuple[object, ...]]
) -> None:
    tracking, reference = f"LAPOR-{event_id()}", f"akun-{event_id()}"
    await complaint_stored(stack, js, tracking, reference)
    keys_before = key_count(stack)

    hostile_step = await send_as(
        stack, OTHER_CHANNEL, "complaint-verified", complaint_id=tracking, outcome="archived", verified_on="2026-04-07"
    )
    hostile_erasure = await send_as(
        stack, OTHER_CHANNEL, "personal-data-erased", subject_source=CHANNEL, subject_reference=reference,
        reason="permintaan pelapor", requested_by="Pengaduan Kota Sawahlunto",
    )  # fmt: skip
    own_step = await send(
        stack, "complaint-verified", complaint_id=tracking, outcome="verified", verified_on="2026-04-07"
    )

    step_refused, erasure_refused = await rejection_of(js, hostile_step), await rejection_of(js, hostile_erasure)
    assert (step_refused.kind, step_refused.rule) == (RejectionKind.RULE, "complaint-other-channel")
    assert (erasure_refused.kind, erasure_refused.rule) == (RejectionKind.RULE, "erasure-other-channel")
    await eventually(lambda: inbox_settled(js), what="INBOX settled")
    assert await rejections_of(js, own_step["event_id"]) == []
    assert key_count(stack) == keys_before
    verified = db.execute(
        "SELECT state FROM jejak_events WHERE originator_id = %s AND topic = 'domain.complaint:Complaint.Verified'",
        (complaint_key(tracking),),
    ).fetchall()
    assert [json.loads(state)["outcome"] for (state,) in verified if isinstance(state, bytes)] == ["verified"]
