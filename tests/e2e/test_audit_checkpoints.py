"""The checkpoint service: the store's head signed periodically, published where it cannot be deleted."""

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from nats.js import JetStreamContext
from nats.js.errors import APIError
from typer.testing import CliRunner

from contracts.streams import AUDIT_STREAM, CHECKPOINT_SUBJECT
from services.audit.keys import public_keys
from services.audit.offline import Checkpoint, verify_signature
from services.audit.verify import verify_store
from services.cli import app
from tests.builders import BKPSDM, employee_registered, subject
from tests.conftest import Stack
from tests.e2e.publishing import publish_to
from tests.streams import inbox_settled
from tests.waiting import eventually

pytestmark = pytest.mark.e2e


async def latest_checkpoint(js: JetStreamContext) -> Checkpoint | None:
    try:
        message = await js.get_last_msg(AUDIT_STREAM, CHECKPOINT_SUBJECT)
    except Exception:  # noqa: BLE001 (none yet)
        return None
    return Checkpoint.from_json(json.loads(message.data or b"{}"))


async def test_the_head_is_signed_and_published_on_a_stream_that_refuses_deletion(
    stack: Stack, services: object, js: JetStreamContext, api: httpx.AsyncClient
) -> None:
    await publish_to(stack, employee_registered(), subject("employee-registered", BKPSDM))
    await eventually(lambda: inbox_settled(js), what="the registration stored")
    head = verify_store(stack.database_url, public_keys(stack.settings.signing_key_dir())).last_position
    assert head is not None

    async def covering() -> Checkpoint | None:
        checkpoint = await latest_checkpoint(js)
        return checkpoint if checkpoint is not None and checkpoint.position >= head else None

    checkpoint = await eventually(covering, what=f"a published checkpoint covering position {head}", within=20.0)
    assert verify_signature(checkpoint, public_keys(stack.settings.signing_key_dir())) is None
    report = verify_store(stack.database_url, public_keys(stack.settings.signing_key_dir()))
    assert report.ok, report.problems
    assert report.covered_to is not None
    assert report.covered_to >= checkpoint.position
    metrics = (await api.get("/metrics")).text
    assert "jejak_chain_extends_audit_checkpoint 1.0" in metrics.splitlines()
    info = await js.stream_info(AUDIT_STREAM)
    assert info.config.deny_delete
    assert info.config.deny_purge
    with pytest.raises(APIError):
        await js.purge_stream(AUDIT_STREAM)
    with pytest.raises(APIError):
        await js.delete_msg(AUDIT_STREAM, info.state.first_seq)


async def test_a_witness_keeps_every_published_checkpoint_and_verify_compares_them_all(
    stack: Stack, services: object, js: JetStreamContext, tmp_path: Path
) -> None:
    await publish_to(stack, employee_registered(), subject("employee-registered", BKPSDM))
    await eventually(lambda: inbox_settled(js), what="the registration stored")
    await eventually(lambda: latest_checkpoint(js), what="a published checkpoint", within=20.0)
    env = {
        "JEJAK_DATABASE_URL": stack.database_url,
        "JEJAK_NATS_URL": stack.nats_url,
        "JEJAK_AUDIT_KEY_DIR": str(stack.settings.signing_key_dir()),
        "COLUMNS": "250",
    }
    folder = tmp_path / "witness"

    def jejak(*args: str) -> Any:
        return CliRunner().invoke(app, ["audit", *args], env=env)

    first = await asyncio.to_thread(jejak, "witness", str(folder))
    assert first.exit_code == 0, first.output
    files = sorted(folder.glob("checkpoint-*.json"))
    assert files
    again = await asyncio.to_thread(jejak, "witness", str(folder))
    assert f"{len(files)} kept as they were" in again.output

    verified = await asyncio.to_thread(jejak, "verify", "--checkpoint-dir", str(folder))
    assert verified.exit_code == 0, verified.output
    assert "VERIFIED" in verified.output
    assert "kept in AUDIT" in verified.output
    assert f"kept in {folder}" in verified.output

    kept = json.loads(files[0].read_text())
    files[0].write_text(json.dumps({**kept, "signed_at": "2020-01-01T00:00:00.000000+00:00"}, indent=2) + "\n")
    differing = await asyncio.to_thread(jejak, "witness", str(folder))
    assert differing.exit_code == 1
    assert f"DIFFERS: AUDIT now gives {files[0].name}" in differing.output
    refused = await asyncio.to_thread(jejak, "verify", "--checkpoint-dir", str(folder))
    assert refused.exit_code == 1  # the altered copy is signed by nobody and differs from the store's
