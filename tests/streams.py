"""Reading the streams as a sender or an auditor would, for assertions."""

from nats.js import JetStreamContext
from nats.js.api import ConsumerInfo

from contracts.rejection import RejectionV1
from contracts.streams import INBOX_STREAM, INGEST_CONSUMER, REJECTED_STREAM
from services.ingest.intake import intake_behind
from services.senders import load_senders


async def all_rejections(js: JetStreamContext) -> list[RejectionV1]:
    """Every rejection on REJECTED, in stream order (one pass over the stream)."""
    info = await js.stream_info(REJECTED_STREAM)
    if info.state.messages == 0:
        return []
    found: list[RejectionV1] = []
    for seq in range(info.state.first_seq, info.state.last_seq + 1):
        message = await js.get_msg(REJECTED_STREAM, seq=seq)
        found.append(RejectionV1.model_validate_json(message.data or b"{}"))
    return found


async def rejections_of(js: JetStreamContext, event_id: str) -> list[RejectionV1]:
    """Every rejection on REJECTED that names ``event_id``."""
    return [rejection for rejection in await all_rejections(js) if rejection.event_id == event_id]


async def ingest_state(js: JetStreamContext) -> ConsumerInfo:
    info: ConsumerInfo = await js.consumer_info(INBOX_STREAM, INGEST_CONSUMER)
    return info


SOURCES = list(load_senders().names)


async def inbox_settled(js: JetStreamContext) -> bool | None:
    """True once intake has moved every sender's submissions into INBOX and ingest has acknowledged
    or terminated every INBOX message (None until then)."""
    if await intake_behind(js, SOURCES):
        return None
    info = await ingest_state(js)
    return True if info.num_pending == 0 and info.num_ack_pending == 0 else None
