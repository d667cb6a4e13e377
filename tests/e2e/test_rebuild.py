"""Rebuilding a read model while the API serves and new events arrive: same answers, nothing lost."""

import asyncio
import uuid
from typing import Any

import httpx
import psycopg
import pytest
from typer.testing import CliRunner

from services.cli import app
from services.database import open_records
from services.rebuild import CannotRebuild, drop_old, rebuild
from tests.builders import training_completed
from tests.conftest import Stack
from tests.e2e.publishing import publish_to, registered_nip
from tests.waiting import eventually

pytestmark = pytest.mark.e2e


async def dossier_of(api: httpx.AsyncClient, nip: str) -> dict[str, Any]:
    response = await api.get(f"/employees/{nip}/dossier")
    assert response.status_code == 200, response.text  # served throughout, never an error
    found: dict[str, Any] = response.json()
    return found


async def test_a_rebuild_switches_over_atomically_and_keeps_the_old_version_until_dropped(
    stack: Stack, api: httpx.AsyncClient, db: psycopg.Connection[tuple[object, ...]]
) -> None:
    nip = await registered_nip(stack)
    await publish_to(stack, training_completed(employee_nip=nip))

    async def trained() -> dict[str, Any] | None:
        response = await api.get(f"/employees/{nip}/dossier")
        found: dict[str, Any] = response.json()
        return found if response.status_code == 200 and found["jp_per_year"] else None

    before = await eventually(trained, what="the dossier with its training")
    readings: list[dict[str, Any]] = []
    stop = asyncio.Event()

    async def keep_reading() -> None:
        while not stop.is_set():
            readings.append(await dossier_of(api, nip))
            await asyncio.sleep(0.01)

    async def keep_publishing() -> list[str]:
        ids = []
        for _ in range(5):
            body = training_completed(employee_nip=nip, event_id=f"during-{uuid.uuid4()}")
            await publish_to(stack, body)
            ids.append(body["event_id"])
            await asyncio.sleep(0.05)
        return ids

    reader = asyncio.create_task(keep_reading())
    records = open_records(stack.database_url)  # the operator rebuilds, as `jejak projections rebuild` does
    try:
        seen: list[tuple[int, int]] = []
        published, done = await asyncio.gather(
            keep_publishing(), rebuild(records, stack.database_url, "dossier", lambda p, h: seen.append((p, h)))
        )
    finally:
        records.close()
        stop.set()
        await reader

    assert done.events > 0
    assert seen
    assert seen[-1][0] == seen[-1][1]  # the last page reached the head
    assert all(len(r["timeline"]) >= len(before["timeline"]) for r in readings)  # never a gap while switching

    async def everything() -> dict[str, Any] | None:
        found = await dossier_of(api, nip)
        ids = {entry["event_id"] for entry in found["timeline"]}
        return found if set(published) <= ids else None

    after = await eventually(everything, what="events published during the rebuild in the new version")
    assert [e["event_id"] for e in after["timeline"][: len(before["timeline"])]] == [
        e["event_id"] for e in before["timeline"]
    ]
    # The live worker writes the new tables as its own login, and the API reads them as its own.
    later = training_completed(employee_nip=nip)
    await publish_to(stack, later)

    async def the_live_worker_wrote() -> bool | None:
        found = await dossier_of(api, nip)
        return True if later["event_id"] in {entry["event_id"] for entry in found["timeline"]} else None

    await eventually(the_live_worker_wrote, what="a training after the rebuild in the new tables")
    assert db.execute("SELECT count(*) FROM pg_namespace WHERE nspname = %s", (done.retired_schema,)).fetchone() == (1,)
    assert drop_old(stack.database_url, "dossier") == [done.retired_schema]
    assert db.execute("SELECT count(*) FROM pg_namespace WHERE nspname = %s", (done.retired_schema,)).fetchone() == (0,)


async def test_only_read_models_of_the_store_can_be_rebuilt(stack: Stack) -> None:
    records = open_records(stack.database_url)
    try:
        with pytest.raises(CannotRebuild, match="built from REJECTED"):
            await rebuild(records, stack.database_url, "rejections")
        with pytest.raises(CannotRebuild, match="no read model 'nope'"):
            await rebuild(records, stack.database_url, "nope")
    finally:
        records.close()


async def test_the_cli_lists_rebuilds_with_progress_and_drops(stack: Stack) -> None:
    env = {"JEJAK_DATABASE_URL": stack.database_url, "JEJAK_NATS_URL": stack.nats_url}

    def run(*args: str) -> str:
        result = CliRunner().invoke(app, ["projections", *args], env=env)
        assert result.exit_code == 0, result.output + repr(result.exception)
        return result.output

    listed = await asyncio.to_thread(run, "list")
    assert "standing" in listed
    assert "REJECTED" in listed
    rebuilt = await asyncio.to_thread(run, "rebuild", "competency")  # the CLI runs its own loop
    assert "competency rebuilt:" in rebuilt
    assert "retired_competency_" in rebuilt  # kept, and the output says until when
    assert "dropped retired_competency_" in await asyncio.to_thread(run, "drop-old", "competency")
    assert "has no retired version" in await asyncio.to_thread(run, "drop-old", "competency")
