"""After a complainant is erased, nothing Jejak keeps can show who they were (issue 16, part 1).

A person is known to their channel as a reference; their name, contact and reference, and the free text
of their complaint, carry a marker. The channel also sends submissions that are refused (one for a
complaint nobody received, one that is not JSON, one that breaks the contract), all naming the marker.
After the erasure the test looks for the marker everywhere: every message of every stream, every row of
every table, every file the servers wrote (NATS's store, PostgreSQL's data and write-ahead log), the
services' log, and an audit bundle exported afterwards. A control marker in a dialogue forum's text (no
personal data of a complainant) is found in the same places, so the search is shown to see.
"""

import asyncio
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nats
import psycopg
import pytest
from nats.js import JetStreamContext
from psycopg import sql

from contracts.streams import EVENTS_STREAM, INBOX_STREAM, REJECTED_STREAM
from domain.identity import person_id
from services.audit.export import Selection, export_bundle
from services.audit.keys import load_signing_key, public_keys
from services.audit.verify import verify_store
from services.personal_data import KeyErased, PostgresKeyVault
from tests.builders import envelope, event_id, subject
from tests.conftest import TEST_SETTINGS, Stack
from tests.e2e.conftest import services_on_own_servers, settled
from tests.e2e.process import JejakProcess
from tests.e2e.publishing import publish_to
from tests.streams import all_rejections
from tests.waiting import eventually

pytestmark = pytest.mark.e2e

CHANNEL = "lapor"
MARKER = "Zubaidahqx" + event_id()[:8]
"""In the complainant's name, contact, reference and every free text about them."""
CONTROL = "Forumqz" + event_id()[:8]
"""In a dialogue forum's issues: not a complainant's data, so it stays (the search must find it)."""


@pytest.fixture(scope="module")
def own(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Stack, JejakProcess]]:
    with services_on_own_servers(TEST_SETTINGS, tmp_path_factory.mktemp("erasure")) as running:
        yield running


async def send(stack: Stack, event_type: str, **fields: Any) -> dict[str, Any]:
    body = envelope(CHANNEL, **fields)
    await publish_to(stack, body, subject(event_type, CHANNEL))
    return body


async def publish_raw(stack: Stack, body: bytes, to: str) -> None:
    nc = await nats.connect(stack.sender_url(CHANNEL))
    try:
        await nc.jetstream().publish(to, body, headers={"Nats-Msg-Id": event_id()})
    finally:
        await nc.close()


async def stream_messages(js: JetStreamContext) -> Iterator[tuple[str, int, bytes]]:
    """``(stream, sequence, headers and data)`` of every message every stream holds."""
    found: list[tuple[str, int, bytes]] = []
    for info in await js.streams_info():
        name = str(info.config.name)
        for sequence in range(max(1, info.state.first_seq), info.state.last_seq + 1):
            try:
                message = await js.get_msg(name, sequence)
            except nats.js.errors.NotFoundError:
                continue  # deleted
            headers = json.dumps(message.headers or {}).encode()
            found.append((name, sequence, headers + (message.data or b"")))
    return iter(found)


def table_values(database_url: str) -> Iterator[tuple[str, bytes]]:
    """``(schema.table, value)`` of every column of every row of every table outside the catalogs."""
    with psycopg.connect(database_url) as conn:
        tables = conn.execute(
            "SELECT schemaname, tablename FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"
        ).fetchall()
        for schema, table in tables:
            for row in conn.execute(
                sql.SQL("SELECT * FROM {}.{}").format(sql.Identifier(schema), sql.Identifier(table))
            ):
                for value in row:
                    yield f"{schema}.{table}", value if isinstance(value, bytes) else str(value).encode()


def files_holding(folder: Path, needle: bytes) -> list[str]:
    """Every file under ``folder`` whose bytes hold ``needle``."""
    holding = []
    for root, _, names in os.walk(folder):
        for name in names:
            path = Path(root, name)
            try:
                if needle in path.read_bytes():
                    holding.append(str(path.relative_to(folder)))
            except OSError:
                continue  # a socket, or a file removed meanwhile
    return holding


async def test_an_erased_complainant_is_unreadable_everywhere(own: tuple[Stack, JejakProcess], tmp_path: Path) -> None:
    stack, services = own
    connection = await nats.connect(stack.nats_url)
    js = connection.jetstream()
    reference = f"akun-{MARKER}"
    tracking = f"LAPOR-{event_id()}"
    await send(
        stack, "complaint-received", complaint_id=tracking, channel="lapor", classification="complaint",
        category="light", target_unit_code="DISHUB", received_on="2026-04-06",
        complainant={"reference": reference, "name": f"Ibu {MARKER}", "contact": f"{MARKER.lower()}@example.org"},
        summary=f"{MARKER} melaporkan lampu jalan mati di depan rumahnya",
    )  # fmt: skip
    await send(stack, "complaint-verified", complaint_id=tracking, outcome="verified", verified_on="2026-04-07",
               note=f"dihubungi kembali: {MARKER}")  # fmt: skip
    await send(stack, "complaint-disposed", complaint_id=tracking, unit_code="DISHUB", disposed_on="2026-04-08")
    await send(stack, "complaint-followed-up", complaint_id=tracking, unit_code="DISHUB",
               action=f"lampu di rumah {MARKER} diganti", followed_up_on="2026-04-09")  # fmt: skip
    await send(stack, "complaint-closed", complaint_id=tracking, resolution=f"{MARKER} puas", closed_on="2026-04-10")
    # Refused ones: a step for a complaint nobody received, a body that is not JSON, one that breaks the contract.
    refused_step = await send(stack, "complaint-verified", complaint_id=f"LAPOR-{event_id()}", outcome="verified",
                              verified_on="2026-04-07", note=f"salah nomor: {MARKER}")  # fmt: skip
    await publish_raw(stack, f"{{not json, {MARKER}".encode(), subject("complaint-received", CHANNEL))
    await send(
        stack, "complaint-received", complaint_id=f"LAPOR-{event_id()}", channel="lapor", classification="gossip",
        category="light", target_unit_code="DISHUB", received_on="2026-04-06",
        complainant={"reference": reference, "name": MARKER}, summary=f"{MARKER} lagi",
    )  # fmt: skip
    await send(stack, "dialogue-forum-held", forum_id=f"F-{event_id()}", unit_code="DISHUB", held_on="2026-04-05",
               participants=12, issues=[f"jalan rusak ({CONTROL})"])  # fmt: skip
    await eventually(lambda: settled(js), what="every submission settled", within=60)
    rejected = {r.event_id: r for r in await all_rejections(js)}
    assert refused_step["event_id"] in rejected, "the step for an unknown complaint was refused"
    assert all(r.original_withheld and not r.original_base64 for r in rejected.values() if r.source == CHANNEL)

    # Before the erasure the person is in the store, sealed: their key opens it.
    vault = PostgresKeyVault(stack.login("ingest"))
    person = person_id(CHANNEL, reference)
    summary = _stored_field(stack.database_url, "domain.complaint:Complaint.Received", "summary")
    assert MARKER in vault.open_text(person, summary)

    await send(stack, "personal-data-erased", subject_source=CHANNEL, subject_reference=reference,
               reason=f"permintaan {MARKER} sendiri", requested_by=f"{MARKER} (pelapor)")  # fmt: skip
    await eventually(lambda: settled(js), what="the erasure settled", within=60)
    with pytest.raises(KeyErased):
        vault.open_text(person, summary)
    vault.close()
    bundle = tmp_path / "bundle"
    key = load_signing_key(stack.settings.signing_key_dir())
    await asyncio.to_thread(
        export_bundle, stack.database_url, bundle, selection=Selection(), key=key,
        public_keys=public_keys(stack.settings.signing_key_dir()),
    )  # fmt: skip

    marker, control = MARKER.encode(), CONTROL.encode()
    messages = list(await stream_messages(js))
    assert [(s, n) for s, n, data in messages if marker in data or marker.lower() in data] == []
    assert {s for s, _, data in messages if control in data} >= {INBOX_STREAM, EVENTS_STREAM}
    assert REJECTED_STREAM in {s for s, _, _ in messages}, "the refusals are there, without the originals"
    values = list(table_values(stack.owner_database_url))  # the owner reads every table
    assert [table for table, value in values if marker in value or marker.lower() in value] == []
    assert "public.jejak_events" in {table for table, value in values if control in value}
    home = stack.settings.home
    assert files_holding(home, marker) == []
    assert files_holding(home, marker.lower()) == []
    assert files_holding(home, control), "the servers' files are searched"
    assert files_holding(bundle, marker) == []
    assert files_holding(bundle, control)
    assert marker not in services.log_path.read_bytes()
    # The chain over the sealed bytes still verifies without the key.
    report = verify_store(stack.database_url, public_keys(stack.settings.signing_key_dir()))
    assert report.ok, report.problems
    await connection.close()


def _stored_field(database_url: str, topic: str, field: str) -> str:
    with psycopg.connect(database_url) as conn:
        row = conn.execute(
            "SELECT state FROM jejak_events WHERE topic = %s ORDER BY notification_id DESC LIMIT 1", (topic,)
        ).fetchone()
    assert row is not None
    value: str = json.loads(bytes(row[0]))[field]
    return value
