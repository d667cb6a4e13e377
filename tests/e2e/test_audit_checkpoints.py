"""The checkpoint service: the store's head signed periodically, published where it cannot be deleted."""

import json

import httpx
import pytest
from nats.js import JetStreamContext
from nats.js.errors import APIError

from contracts.streams import AUDIT_STREAM, CHECKPOINT_SUBJECT
from services.audit.keys import public_keys
from services.audit.offline import Checkpoint, verify_signature
from services.audit.verify import verify_store
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
