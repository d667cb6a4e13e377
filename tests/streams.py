"""Reading the streams as a sender or an auditor would, for assertions."""

import json

from nats.js import JetStreamContext
from nats.js.api import ConsumerInfo

from contracts.rejection import RejectionV1
from contracts.streams import INBOX_STREAM, INGEST_CONSUMER, REJECTED_STREAM


async def rejections_of(js: JetStreamContext, event_id: str) -> list[RejectionV1]:
    """Every rejection on REJECTED that names ``event_id``."""
    info = await js.stream_info(REJECTED_STREAM)
    found: list[RejectionV1] = []
    if info.state.messages == 0:
        return found
    for seq in range(info.state.first_seq, info.state.last_seq + 1):
        message = await js.get_msg(REJECTED_STREAM, seq=seq)
        data = message.data or b"{}"
        if json.loads(data).get("event_id") == event_id:
            found.append(RejectionV1.model_validate_json(data))
    return found


async def ingest_state(js: JetStreamContext) -> ConsumerInfo:
    info: ConsumerInfo = await js.consumer_info(INBOX_STREAM, INGEST_CONSUMER)
    return info


async def inbox_settled(js: JetStreamContext) -> bool | None:
    """True once ingest has acknowledged or terminated every INBOX message (None until then)."""
    info = await ingest_state(js)
    return True if info.num_pending == 0 and info.num_ack_pending == 0 else None
