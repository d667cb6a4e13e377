"""The competency read model on the real PostgreSQL: rows and position in one transaction."""

import uuid
from datetime import UTC, datetime

import psycopg
import pytest
from psycopg import AsyncConnection

from contracts.outbound import ProvenanceOut, StoredEventEnvelope
from projections import competency
from projections.tracking import position_of
from tests.builders import unique_nip
from tests.conftest import Stack

pytestmark = pytest.mark.integration


def training_envelope(position: int, nip: str, jp: float = 24) -> StoredEventEnvelope:
    return StoredEventEnvelope(
        position=position,
        aggregate_type="civil-servant",
        aggregate_id=uuid.uuid4(),
        aggregate_version=2,
        event_type="training-completed",
        recorded_at=datetime.now(UTC),
        provenance=ProvenanceOut(source="lan-ri", event_id=f"e-{position}", occurred_at=datetime.now(UTC)),
        data={
            "nip": nip, "training_kind": "16", "classroom": False, "competency_type": "teknis",
            "title": "E-learning", "provider": "LAN RI", "host_agency": None, "start_date": "2025-12-01",
            "end_date": "2026-01-09", "hours": 10, "days": None, "scale": "national", "stated_jp": None,
            "recognised_jp": jp, "policy_version": "2026.1", "certificate_number": None,
        },
    )  # fmt: skip


@pytest.fixture
def tracking() -> str:
    """A position row of the test's own, so the live projection's position is left alone."""
    return f"test-{uuid.uuid4()}"


async def apply_in_own_transaction(stack: Stack, envelope: StoredEventEnvelope, tracking: str) -> bool:
    async with (
        await AsyncConnection.connect(stack.database_url) as conn,
        conn.transaction(),
        conn.cursor() as cur,
    ):
        return await competency.apply(cur, envelope, tracking)


async def current_position(stack: Stack, tracking: str) -> int:
    async with await AsyncConnection.connect(stack.database_url) as conn, conn.cursor() as cur:
        return await position_of(cur, tracking)


async def test_a_redelivered_event_is_counted_once(
    stack: Stack, db: psycopg.Connection[tuple[object, ...]], tracking: str
) -> None:
    nip = unique_nip()
    position = 1_000_000 + uuid.uuid4().int % 1_000_000  # far beyond what the pipeline writes
    assert await apply_in_own_transaction(stack, training_envelope(position, nip), tracking)
    assert not await apply_in_own_transaction(stack, training_envelope(position, nip), tracking)
    assert not await apply_in_own_transaction(stack, training_envelope(position - 1, nip, jp=99), tracking)
    rows = db.execute("SELECT recognised_jp, year FROM competency_activity WHERE nip = %s", (nip,)).fetchall()
    assert [(float(str(jp)), year) for jp, year in rows] == [(24.0, 2026)]  # the year the activity ended
    assert await current_position(stack, tracking) == position


async def test_a_failed_transaction_leaves_neither_rows_nor_position(
    stack: Stack, db: psycopg.Connection[tuple[object, ...]], tracking: str
) -> None:
    nip = unique_nip()
    position = 2_000_000 + uuid.uuid4().int % 1_000_000

    async def crash_before_commit() -> None:
        async with (
            await AsyncConnection.connect(stack.database_url) as conn,
            conn.transaction(),
            conn.cursor() as cur,
        ):
            await competency.apply(cur, training_envelope(position, nip), tracking)
            raise RuntimeError("crash after the rows, before the commit")

    with pytest.raises(RuntimeError, match="crash"):
        await crash_before_commit()
    assert db.execute("SELECT count(*) FROM competency_activity WHERE nip = %s", (nip,)).fetchone() == (0,)
    assert await current_position(stack, tracking) == 0
