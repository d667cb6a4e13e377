"""Publishing as departmental systems do: plain nats-py, Nats-Msg-Id = event_id, await the ack."""

from typing import Any

import nats

from tests.builders import BKPSDM, TRAINING_SUBJECT, employee_registered, encode, subject, unique_nip


async def publish_to(nats_url: str, body: dict[str, Any], to: str = TRAINING_SUBJECT) -> Any:
    nc = await nats.connect(nats_url)
    try:
        return await nc.jetstream().publish(to, encode(body), headers={"Nats-Msg-Id": body["event_id"]})
    finally:
        await nc.close()


async def registered_nip(nats_url: str, nip: str | None = None) -> str:
    """BKPSDM registers a new employee. Ingest takes INBOX in order, so what follows sees it."""
    body = employee_registered(nip or unique_nip())
    await publish_to(nats_url, body, subject("employee-registered", BKPSDM))
    return str(body["employee_nip"])
