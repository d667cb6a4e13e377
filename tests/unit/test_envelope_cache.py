"""The six EVENTS workers of one process parse each envelope once, and the parsed ones stay bounded."""

import uuid
from datetime import UTC, datetime

from contracts.outbound import ProvenanceOut, StoredEventEnvelope
from projections.worker import EnvelopeCache


def body(position: int) -> bytes:
    return (
        StoredEventEnvelope(
            position=position,
            aggregate_type="civil-servant",
            aggregate_id=uuid.uuid4(),
            aggregate_version=2,
            event_type="placement-changed",
            recorded_at=datetime(2026, 3, 14, tzinfo=UTC),
            provenance=ProvenanceOut(
                source="bkpsdm", event_id=f"e-{position}", occurred_at=datetime(2026, 3, 14, tzinfo=UTC)
            ),
            data={"unit_code": "OPD-01"},
        )
        .model_dump_json()
        .encode()
    )


def test_the_same_body_is_parsed_once_and_another_body_is_its_own() -> None:
    cache, first, second = EnvelopeCache(), body(1), body(2)
    parsed = cache.parse(first)
    assert cache.parse(bytes(first)) is parsed  # a second worker's copy of the same message
    assert parsed == StoredEventEnvelope.model_validate_json(first)
    assert cache.parse(second).position == 2


def test_the_oldest_are_dropped_beyond_the_size() -> None:
    cache = EnvelopeCache(size=3)
    bodies = [body(position) for position in range(1, 6)]
    parsed = [cache.parse(each) for each in bodies]
    assert cache.parse(bodies[4]) is parsed[4]
    assert cache.parse(bodies[0]) is not parsed[0]  # dropped, parsed again
    assert len(cache._parsed) == 3
