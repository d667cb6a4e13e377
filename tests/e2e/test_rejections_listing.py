"""A sender lists its refusals through the API and the CLI, without a NATS client."""

import asyncio
import json
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from services.cli import app
from tests.builders import training_completed
from tests.conftest import Stack
from tests.e2e.publishing import publish_to
from tests.waiting import eventually

pytestmark = pytest.mark.e2e


async def test_a_refusal_is_listed_by_sender_in_the_api_and_the_cli(stack: Stack, api: httpx.AsyncClient) -> None:
    body = training_completed(training_kind="77")
    await publish_to(stack, body)

    async def listed() -> dict[str, Any] | None:
        page = (await api.get("/rejections", params={"source": "bpsdm-sumbar", "limit": 5})).json()
        return next((r for r in page["rejections"] if r["event_id"] == body["event_id"]), None)

    rejection = await eventually(listed, what="the rejection in GET /rejections")
    assert rejection["kind"] == "contract"
    assert rejection["code"] == "contract-violated"
    assert rejection["errors"][0]["field"] == "training_kind"
    assert "unknown training kind '77'" in rejection["reason"]
    other = (await api.get("/rejections", params={"source": "lan-ri"})).json()["rejections"]
    assert all(r["source"] == "lan-ri" for r in other)
    assert (await api.get("/rejections", params={"source": "Not A Source"})).status_code == 422

    def cli() -> list[dict[str, Any]]:
        result = CliRunner().invoke(
            app, ["rejections", "--source", "bpsdm-sumbar", "--json"], env={"JEJAK_DATABASE_URL": stack.database_url}
        )
        assert result.exit_code == 0, result.output
        return [json.loads(line) for line in result.output.splitlines()]

    assert body["event_id"] in [row["event_id"] for row in await asyncio.to_thread(cli)]


async def test_pages_go_back_in_time(api: httpx.AsyncClient, stack: Stack) -> None:
    for _ in range(3):
        await publish_to(stack, training_completed(hours=-1, stated_jp=None, training_kind="16"))

    async def three() -> dict[str, Any] | None:
        page: dict[str, Any] = (await api.get("/rejections", params={"limit": 2})).json()
        return page if page["next_before"] is not None else None

    first = await eventually(three, what="two pages of rejections")
    second = (await api.get("/rejections", params={"limit": 2, "before": first["next_before"]})).json()
    newest_first = [r["stream_sequence"] for r in first["rejections"] + second["rejections"]]
    assert newest_first == sorted(newest_first, reverse=True)
    assert len(set(newest_first)) == len(newest_first)


async def test_a_page_marker_beyond_any_sequence_is_a_bad_filter_not_a_failure(api: httpx.AsyncClient) -> None:
    """Found by schemathesis: a number past PostgreSQL's bigint made the query fail (500)."""
    response = await api.get("/rejections", params={"before": 2**64})
    assert response.status_code == 422


async def test_the_summary_counts_each_senders_refusals_by_code_with_the_latest_reason(
    stack: Stack, api: httpx.AsyncClient
) -> None:
    async def counted() -> dict[tuple[str | None, str], dict[str, Any]]:
        summary: dict[str, Any] = (await api.get("/rejections/summary")).json()
        return {(row["source"], row["code"]): row for row in summary["senders"]}

    before = (await counted()).get(("bpsdm-sumbar", "contract-violated"), {"rejections": 0})["rejections"]
    bodies = [training_completed(training_kind="77"), training_completed(training_kind="78")]
    for body in bodies:
        await publish_to(stack, body)

    async def both() -> dict[str, Any] | None:
        row = (await counted()).get(("bpsdm-sumbar", "contract-violated"))
        return row if row is not None and row["rejections"] >= before + 2 else None

    row = await eventually(both, what="two more refusals counted")
    listed = (await api.get("/rejections", params={"source": "bpsdm-sumbar", "limit": 500})).json()["rejections"]
    same_code = [r for r in listed if r["code"] == "contract-violated"]  # newest first
    assert row["rejections"] == len(same_code)
    assert row["last_reason"] == same_code[0]["reason"]  # the latest one's reason, whichever of the two it was
    assert {b["event_id"] for b in bodies} <= {r["event_id"] for r in same_code}
    summary = (await api.get("/rejections/summary")).json()
    assert summary["total"] == sum(r["rejections"] for r in summary["senders"])


async def test_the_streams_and_their_consumers_are_shown_to_overseers(api: httpx.AsyncClient) -> None:
    found: dict[str, Any] = (await api.get("/status/streams")).json()
    assert found["reachable"] is True
    streams = {s["name"]: s for s in found["streams"]}
    assert {"INBOX", "EVENTS", "REJECTED", "AUDIT"} <= set(streams)
    assert "ingest" in {c["name"] for c in streams["INBOX"]["consumers"]}
    inbox = streams["INBOX"]
    ingest = next(c for c in inbox["consumers"] if c["name"] == "ingest")
    assert ingest["ack_floor"] <= inbox["last_seq"]
    assert inbox["messages"] >= 0
