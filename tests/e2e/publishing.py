"""Publishing as departmental systems do: plain nats-py, logged in as the sender, await the ack."""

from typing import Any, Protocol

import nats

from contracts.streams import parse_inbox_subject
from tests.builders import BKPSDM, TRAINING_SUBJECT, employee_registered, encode, subject, unique_nip


class SenderLogins(Protocol):
    """Anything that knows the URL a sender connects with (the session's Stack, ServerUrls)."""

    def sender_url(self, source: str) -> str: ...


async def publish_to(to_server: SenderLogins | str, body: dict[str, Any], to: str = TRAINING_SUBJECT) -> Any:
    """JetStream publish on ``to``, logged in as the subject's source (a URL string is used as given)."""
    address = parse_inbox_subject(to)
    source = address.source if address is not None else str(body.get("source"))
    url = to_server if isinstance(to_server, str) else to_server.sender_url(source)
    nc = await nats.connect(url)
    try:
        return await nc.jetstream().publish(to, encode(body), headers={"Nats-Msg-Id": body["event_id"]})
    finally:
        await nc.close()


async def registered_nip(to_server: SenderLogins | str, nip: str | None = None) -> str:
    """BKPSDM registers a new employee. Ingest takes INBOX in order, so what follows sees it."""
    body = employee_registered(nip or unique_nip())
    await publish_to(to_server, body, subject("employee-registered", BKPSDM))
    return str(body["employee_nip"])
