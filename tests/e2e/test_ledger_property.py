"""Property: whatever senders publish, every INBOX message ends up stored once or rejected once.

Hypothesis generates mixes of valid completions, contract breaches, broken rules, bytes that are
not JSON, hostile bodies (nested too deep, too many items or keys, a string too long, facts from
the future) and re-sends, publishes them with plain nats-py to the real pipeline, and checks the
ledger: each INBOX sequence has exactly one receipt or exactly one rejection (a re-send of
something stored has neither, being a duplicate of the first), as the generator predicted; and
ingest is still consuming afterwards.
"""

import json
import uuid
from collections import Counter
from dataclasses import dataclass
from typing import Any

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from nats.js import JetStreamContext

from tests.builders import TRAINING_SUBJECT, encode, event_id, training_completed
from tests.conftest import Stack
from tests.e2e.publishing import publish_to, registered_nip
from tests.streams import all_rejections, inbox_settled
from tests.waiting import eventually

pytestmark = pytest.mark.e2e

BREACHES: dict[str, st.SearchStrategy[Any]] = {
    "training_kind": st.text(max_size=3).filter(lambda s: not s.isdigit() or not 1 <= int(s) <= 25),
    "employee_nip": st.text(alphabet="0123456789", max_size=17),
    "start_date": st.sampled_from(["2026-02-30", "yesterday", ""]),
    "stated_jp": st.integers(max_value=-1),
    "unexpected_field": st.integers(),
}


LEDGER = {"stored": (1, 0), "rejected": (0, 1), "duplicate": (0, 0)}
"""(receipts, rejections) an INBOX message must leave behind."""


@dataclass(frozen=True)
class Submission:
    """One publish: the bytes, the id it goes with, and what must become of it."""

    body: bytes
    message_id: str
    expected: str  # "stored" or "rejected"


def submissions(nip: str) -> st.SearchStrategy[Submission]:
    def valid(hours: int) -> Submission:
        body = training_completed(employee_nip=nip, hours=hours)
        return Submission(encode(body), body["event_id"], "stored")

    def breach(field: str, value: Any) -> Submission:
        body = training_completed(**{"employee_nip": nip, field: value})
        return Submission(encode(body), body["event_id"], "rejected")

    def broken_rule(_: int) -> Submission:
        body = training_completed(employee_nip=nip, start_date="2026-03-10", end_date="2026-03-01")
        return Submission(encode(body), body["event_id"], "rejected")

    def garbage(raw: bytes) -> Submission:
        return Submission(b"\xff" + raw, event_id(), "rejected")

    def hostile(kind: str) -> Submission:
        body = training_completed(employee_nip=nip)
        made = {
            "deep": lambda: b"[" * 50_000,
            "wide": lambda: encode(body | {"evidence": list(range(5_000))}),
            "many-keys": lambda: encode(body | {f"k{i}": i for i in range(3_000)}),
            "long-string": lambda: encode(body | {"title": "t" * 20_000}),
            "future": lambda: encode(body | {"start_date": "2031-01-01", "end_date": "2031-01-05"}),
        }
        return Submission(made[kind](), body["event_id"], "rejected")

    return st.one_of(
        st.integers(min_value=1, max_value=40).map(valid),
        st.sampled_from(sorted(BREACHES)).flatmap(lambda f: BREACHES[f].map(lambda v: breach(f, v))),
        st.integers().map(broken_rule),
        st.binary(max_size=40).map(garbage),
        st.sampled_from(["deep", "wide", "many-keys", "long-string", "future"]).map(hostile),
    )


def receipts_by_inbox_sequence(database_url: str) -> Counter[int]:
    with psycopg.connect(database_url) as conn:
        rows = conn.execute("SELECT state FROM jejak_events WHERE topic = 'domain.receipt:Receipt.Issued'").fetchall()
    return Counter(int(json.loads(row[0])["inbox_sequence"]) for row in rows)


async def rejections_by_inbox_sequence(js: JetStreamContext) -> Counter[int]:
    return Counter(rejection.inbox_sequence for rejection in await all_rejections(js))


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
async def test_every_message_is_stored_once_or_rejected_once(
    data: st.DataObject, stack: Stack, services: object, js: JetStreamContext
) -> None:
    nip = await registered_nip(stack.nats_url)
    plan = data.draw(st.lists(submissions(nip), min_size=3, max_size=20), label="plan")
    resends = data.draw(st.lists(st.integers(min_value=0, max_value=len(plan) - 1), max_size=4), label="resends")
    outcome_by_sequence: dict[int, str] = {}
    for item in plan:
        ack = await js.publish(TRAINING_SUBJECT, item.body, headers={"Nats-Msg-Id": item.message_id})
        outcome_by_sequence[ack.seq] = item.expected
    for item in (plan[i] for i in resends):
        ack = await js.publish(TRAINING_SUBJECT, item.body, headers={"Nats-Msg-Id": item.message_id})
        if not ack.duplicate:  # past the dedupe window: the receipt must recognise a stored one
            outcome_by_sequence[ack.seq] = "duplicate" if item.expected == "stored" else "rejected"

    await eventually(lambda: inbox_settled(js), within=30, what="INBOX settled")
    receipts = receipts_by_inbox_sequence(stack.database_url)
    rejected = await rejections_by_inbox_sequence(js)
    for sequence, expected in outcome_by_sequence.items():
        ledger = (receipts[sequence], rejected[sequence])
        assert ledger == LEDGER[expected], f"INBOX #{sequence}: {ledger} (receipts, rejections), expected {expected}"

    after = training_completed(employee_nip=nip, event_id=f"after-{uuid.uuid4()}")
    ack = await publish_to(stack.nats_url, after)

    async def still_consuming() -> bool | None:
        return True if receipts_by_inbox_sequence(stack.database_url)[ack.seq] == 1 else None

    await eventually(still_consuming, what="ingest still consuming after the storm")
