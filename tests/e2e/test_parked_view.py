"""An operator sees parked submissions: GET /parked, /metrics and the dashboard's system page."""

import asyncio
import uuid

import httpx
import pytest

from services.ingest.parking import ParkedSubmissions
from services.tokens import Role
from tests.builders import event_id
from tests.conftest import Stack
from tests.e2e.conftest import ClientAs, new_token
from tests.e2e.process import JejakProcess

pytestmark = pytest.mark.e2e


async def test_a_parked_submission_is_listed_counted_and_shown(
    stack: Stack, services: JejakProcess, api_as: ClientAs
) -> None:
    """As ingest parks one (tests/integration/test_hostile_input.py parks one for real)."""
    parked_event = event_id()
    await asyncio.to_thread(
        ParkedSubmissions(stack.login("ingest")).park,
        inbox_sequence=10**12 + uuid.uuid4().int % 10**9,  # beyond any real INBOX sequence of the suite
        subject="asn.in.lapor.complaint-received.v1",
        source="lapor", event_type="complaint-received", event_id=parked_event, original=b"{}",
        error="TypeError: a bug of ours (at domain/complaint.py:1 in verify)", attempts=3,
    )  # fmt: skip

    bkpsdm = await api_as(Role.BKPSDM)
    listed = (await bkpsdm.get("/parked")).json()["parked"]
    [row] = [p for p in listed if p["event_id"] == parked_event]
    assert (row["source"], row["attempts"]) == ("lapor", 3)
    assert (await (await api_as(Role.OPD, "X")).get("/parked")).status_code == 403

    metrics = (await (await api_as(None)).get("/metrics")).text
    [count] = [line for line in metrics.splitlines() if line.startswith("jejak_parked_submissions ")]
    assert float(count.split()[1]) >= 1

    token = await new_token(stack.database_url, Role.BKPSDM)
    async with httpx.AsyncClient(base_url=services.api) as client:
        assert (await client.post("/ui/masuk", data={"token": token, "next": "/ui/sistem"})).status_code == 303
        page = await client.get("/ui/sistem")
    assert page.status_code == 200
    assert parked_event in page.text
    assert "jejak parked replay ID" in page.text
