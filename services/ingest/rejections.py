"""Publish a refusal to REJECTED, where the sender reads why; the original bytes go with it.

A refusal must always fit on REJECTED, whatever was sent: the reason and field errors are bounded
by ``decode``, and an original larger than ``original_max_bytes`` is carried as its SHA-256, its
size and its first ``ORIGINAL_PREFIX_BYTES`` (the whole message stays on INBOX, at its sequence).
A submission of the complaint family is never repeated: it may hold a citizen's personal data, which
Jejak keeps only sealed (``services.ingest.forget``); its SHA-256 and size say which one it was.
"""

import base64
import hashlib
from datetime import UTC, datetime

from contracts.rejection import RejectionV1
from contracts.streams import carries_personal_data
from services.ingest.decode import Refusal

ORIGINAL_PREFIX_BYTES = 1_024
DEFAULT_ORIGINAL_MAX_BYTES = 65_536


def rejection_of(
    refusal: Refusal, subject: str, inbox_sequence: int, body: bytes,
    original_max_bytes: int = DEFAULT_ORIGINAL_MAX_BYTES, submission_sequence: int | None = None,
) -> RejectionV1:  # fmt: skip
    withheld = carries_personal_data(subject)
    complete = len(body) <= original_max_bytes and not withheld
    carried = b"" if withheld else body if complete else body[:ORIGINAL_PREFIX_BYTES]
    return RejectionV1(
        kind=refusal.kind,
        code=refusal.code,
        reason=refusal.reason,
        errors=refusal.errors,
        rule=refusal.rule,
        subject=subject[:1_000],
        source=refusal.source,
        event_type=refusal.event_type,
        event_id=refusal.event_id,
        inbox_sequence=inbox_sequence,
        submission_sequence=submission_sequence,
        rejected_at=datetime.now(UTC),
        original_base64=base64.b64encode(carried).decode("ascii"),
        original_complete=complete,
        original_withheld=withheld,
        original_bytes=len(body),
        original_sha256=hashlib.sha256(body).hexdigest(),
    )
