"""The employee directory on the real PostgreSQL: registration, placements in effective order."""

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from psycopg import AsyncConnection

from contracts.outbound import StoredEventEnvelope
from projections import directory
from tests.builders import unique_nip
from tests.conftest import Stack

pytestmark = pytest.mark.integration


def envelope(position: int, employee: uuid.UUID, event_type: str, data: dict[str, Any]) -> StoredEventEnvelope:
    return StoredEventEnvelope(
        position=position, aggregate_type="civil-servant", aggregate_id=employee, aggregate_version=position,
        event_type=event_type, recorded_at=datetime.now(UTC), data=data,
    )  # fmt: skip


def placement(unit: str, effective: str) -> dict[str, Any]:
    return {
        "unit_code": unit, "unit_name": f"Unit {unit}", "position": "Analis", "position_kind": "pelaksana",
        "superior_nip": None, "decree_number": "SK", "decree_date": effective, "effective_date": effective,
    }  # fmt: skip


async def test_an_employee_is_listed_with_the_latest_placement_in_effect(stack: Stack) -> None:
    nip, employee, tracking = unique_nip(), uuid.uuid4(), f"test-{uuid.uuid4()}"
    registered = {
        "nip": nip, "asn_kind": "PNS", "name": "Rina", "birth_date": "1985-03-12", "gender": "F",
        "start_date": "2010-01-01", "employee_type": "15", "rank": "32", "status": "01",
    }  # fmt: skip
    events = [
        envelope(1, employee, "registered", registered),
        envelope(2, employee, "placement-changed", placement("DINKES", "2024-01-01")),
        envelope(3, employee, "placement-changed", placement("RSUD", "2026-01-01")),
        envelope(4, employee, "placement-changed", placement("DINKES", "2025-06-01")),  # late news of the past
    ]
    async with await AsyncConnection.connect(stack.database_url) as conn:
        for event in [*events, events[1]]:  # the last one redelivered
            async with conn.transaction(), conn.cursor() as cur:
                await directory.apply(cur, event, tracking)
        async with conn.cursor() as cur:
            assert await directory.unit_of(cur, nip) == (True, "RSUD")
            assert await directory.unit_of(cur, unique_nip()) == (False, None)
