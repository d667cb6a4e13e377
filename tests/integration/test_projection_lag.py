"""Lag per projection, read from its durable consumer on the real NATS."""

from datetime import UTC, datetime, timedelta

import pytest
from nats.js import JetStreamContext
from prometheus_client import CollectorRegistry, generate_latest

from contracts.rejection import RejectionKind, RejectionV1
from contracts.streams import REJECTED_STREAM, rejected_subject
from services.lag import LagGauges, projection_lags
from tests.builders import event_id

pytestmark = pytest.mark.integration


async def test_an_unapplied_message_shows_as_lag_in_events_and_seconds(js: JetStreamContext) -> None:
    before = {lag.projection: lag for lag in await projection_lags(js)}
    rejection = RejectionV1(
        kind=RejectionKind.CONTRACT, code="contract-violated", reason="test", subject="asn.in.lan-ri.x.v1",
        source="lan-ri", event_type="x", event_id=event_id(), inbox_sequence=1, rejected_at=datetime.now(UTC),
        original_base64="",
    )  # fmt: skip
    ack = await js.publish(
        rejected_subject("lan-ri", "x"), rejection.model_dump_json().encode(), stream=REJECTED_STREAM
    )
    stored = await js.get_msg(REJECTED_STREAM, seq=ack.seq)
    assert stored.time is not None

    later = stored.time + timedelta(seconds=5)
    after = {lag.projection: lag for lag in await projection_lags(js, now=later)}

    assert after["rejections"].events == before["rejections"].events + 1  # no worker runs in this test
    assert after["rejections"].seconds >= 5  # the oldest unapplied message is at least this one's age
    registry = CollectorRegistry()
    LagGauges(registry).record(list(after.values()))
    exposed = generate_latest(registry).decode()
    assert 'jejak_projection_lag_events{projection="rejections"}' in exposed
    assert 'jejak_projection_lag_seconds{projection="dossier"}' in exposed
