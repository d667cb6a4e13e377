"""Forget, on NATS, every settled submission that may hold a complainant's personal data.

A complaint's submission carries the complainant's name, contact and reference and free text about
them in plain JSON. The store keeps them only sealed with the person's key (``services.ingest.
commands``), so destroying the key erases them there, on EVENTS and in every bundle. The original
submission would still be readable on INBOX and in its sender's stream ``SUBMIT-<source>``, so
ingest deletes it from both once it is settled: stored, found already stored, or refused. JetStream's
delete overwrites the message's bytes in its files (no ``no_erase``). What an auditor needs of it
stays in the store: the receipt holds its INBOX sequence and the SHA-256 of its bytes, to match a
copy the sender produces. A parked submission (a fault of ours) is kept until it is replayed; an
erasure wipes the parked ones that name the person (``ParkedSubmissions.erase_mentions``).

The sender's copy goes first: if ingest stops between the two deletes, the INBOX copy is still
there, so the submission is delivered again, found settled, and deleted again.
"""

import json
import logging

from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.errors import APIError, NotFoundError

from contracts.streams import INBOX_STREAM, carries_personal_data, parse_inbox_subject, submission_stream
from projections.ordered_pull import sequence_of
from services.ingest.intake import moved_submission_of

log = logging.getLogger(__name__)

SEQUENCE_NOT_FOUND = 10043
"""JetStream's error code for a delete of a sequence that is gone already (a retry)."""


async def delete_message(js: JetStreamContext, stream: str, sequence: int) -> bool:
    """Delete one message, overwriting its bytes; False when it was gone already."""
    try:
        return bool(await js.delete_msg(stream, sequence))
    except APIError as error:
        if error.err_code == SEQUENCE_NOT_FOUND:
            return False
        raise


async def forget_settled(js: JetStreamContext, message: Msg) -> bool:
    """Delete a settled INBOX message and its sender's copy when its subject may hold personal data.

    True when it was one (and is now gone from both streams). Errors propagate: the caller hands the
    message back, and the delete is done again when it comes back.
    """
    if not carries_personal_data(message.subject):
        return False
    await forget(js, sequence_of(message), moved_submission_of(message.headers))
    return True


async def forget(js: JetStreamContext, inbox_sequence: int, moved: tuple[str, int] | None) -> None:
    """Delete INBOX #``inbox_sequence`` and, when intake moved it there, its copy in the sender's stream."""
    if moved is not None:
        source, sequence = moved
        await delete_message(js, submission_stream(source), sequence)
    await delete_message(js, INBOX_STREAM, inbox_sequence)
    log.debug("INBOX #%d (personal data) deleted once settled", inbox_sequence)


async def forget_stored(js: JetStreamContext, inbox_sequence: int) -> None:
    """Delete INBOX #``inbox_sequence`` and its sender's copy, found through its headers (a parked one)."""
    try:
        stored = await js.get_msg(INBOX_STREAM, inbox_sequence)
    except NotFoundError:
        return  # gone already
    await forget(js, inbox_sequence, moved_submission_of(stored.headers))


def erasure_of(message: Msg) -> tuple[str, str] | None:
    """``(subject_source, subject_reference)`` of an erasure request on INBOX; None for anything else.

    Called for a stored one only, so its body is a valid ``personal-data-erased``.
    """
    address = parse_inbox_subject(message.subject)
    if address is None or address.event_type != "personal-data-erased":
        return None
    body = json.loads(message.data)
    return str(body["subject_source"]), str(body["subject_reference"])
