"""Publish one event file to INBOX as a departmental system would (for trials and support)."""

import json
from dataclasses import dataclass
from pathlib import Path

import nats
from pydantic import ValidationError

from contracts.inbound import contract_for
from contracts.streams import inbox_subject


class NotPublishable(ValueError):
    """The file cannot be sent: not JSON, no source or event_id, or (when checked) not the contract."""


@dataclass(frozen=True)
class Published:
    subject: str
    sequence: int
    duplicate: bool
    stream: str = "INBOX"
    """The stream that acknowledged it: the sender's own ``SUBMIT-<source>`` when logged in as the sender."""


def read_event(path: Path, event_type: str, version: int, *, check: bool) -> tuple[str, str, bytes]:
    """The subject, event id and bytes to send; with ``check``, the contract is applied first."""
    body = path.read_bytes()
    try:
        parsed = json.loads(body)
    except ValueError as error:
        raise NotPublishable(f"{path} is not JSON: {error}") from None
    if not isinstance(parsed, dict) or not isinstance(parsed.get("event_id"), str):
        raise NotPublishable(f"{path} needs a JSON object with an event_id")
    if not isinstance(parsed.get("source"), str):
        raise NotPublishable(f"{path} needs a source (the sending system, as in the subject)")
    contract = contract_for(event_type, version)
    if check:
        if contract is None:
            raise NotPublishable(f"no contract {event_type}.v{version}: name the event type with --type")
        try:
            contract.model_validate_json(body)
        except ValidationError as error:
            raise NotPublishable(f"{path} does not satisfy {contract.__name__}:\n{error}") from None
    return inbox_subject(parsed["source"], event_type, version), parsed["event_id"], body


async def publish_file(nats_url: str, subject: str, event_id: str, body: bytes) -> Published:
    """JetStream publish with ``Nats-Msg-Id`` = event_id, waiting for the stream's ack.

    Logged in as a sender, the sender's own stream acknowledges (``SUBMIT-<source>``); with the
    services' login, INBOX does.
    """
    connection = await nats.connect(nats_url, name="jejak-publish")
    try:
        ack = await connection.jetstream().publish(subject, body, headers={"Nats-Msg-Id": event_id}, timeout=5.0)
    finally:
        await connection.close()
    return Published(subject, ack.seq, bool(ack.duplicate), ack.stream)
