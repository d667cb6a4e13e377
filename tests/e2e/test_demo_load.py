"""The demo city loaded as its senders would publish it: every event stored, none refused."""

import asyncio

import psycopg
import pytest
from nats.js import JetStreamContext
from typer.testing import CliRunner

from domain.identity import receipt_id
from services.cli import app
from services.demo.city import generate_city
from services.demo.publisher import publish_city
from tests.conftest import Stack
from tests.e2e.test_publish_command import embedded_settings
from tests.streams import all_rejections, inbox_settled
from tests.waiting import eventually

pytestmark = pytest.mark.e2e


async def refusals(js: JetStreamContext, event_ids: set[str]) -> dict[str, str]:
    """The reason of every rejection on REJECTED that names one of ``event_ids``."""
    return {
        r.event_id: r.reason for r in await all_rejections(js) if r.event_id is not None and r.event_id in event_ids
    }


async def test_a_demo_city_is_stored_without_a_single_rejection(
    stack: Stack, services: object, js: JetStreamContext, db: psycopg.Connection[tuple[object, ...]]
) -> None:
    city = generate_city(seed=22, employees=30, years=2)  # every event type but the rare annulment, in ~700

    report = await publish_city(city, stack.sender_url, concurrency=64)

    assert report.published == len(city.events)
    assert sum(report.by_source.values()) == len(city.events)
    await eventually(lambda: inbox_settled(js), within=45, what="the demo city ingested")
    assert await refusals(js, {event.event_id for event in city.events}) == {}
    receipts = [receipt_id(event.source, event.event_id) for event in city.events]
    stored = db.execute(
        "SELECT count(DISTINCT originator_id) FROM jejak_events WHERE originator_id = ANY(%s)", (receipts,)
    )
    assert stored.fetchone() == (len(city.events),)


async def test_jejak_demo_load_logs_in_as_each_sender_and_reports_what_it_published(
    stack: Stack, services: object, js: JetStreamContext
) -> None:
    """As on ``make run``: the logins come from JEJAK_HOME; another seed and year, so its ids are new."""
    args = ["demo", "load", "--employees", "6", "--years", "1", "--last-year", "2025", "--seed", "6"]
    city = generate_city(seed=6, employees=6, years=1, last_year=2025)

    result = await asyncio.to_thread(CliRunner().invoke, app, args, env=embedded_settings(stack))  # its own loop

    assert result.exit_code == 0, result.output + repr(result.exception)
    assert f"published {len(city.events):,} events" in result.output
    assert "ekinerja-sawahlunto" in result.output
    await eventually(lambda: inbox_settled(js), what="the loaded city ingested")  # no backlog for later tests
