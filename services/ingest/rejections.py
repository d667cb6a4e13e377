"""Publish a refusal to REJECTED, where the sender reads why; the original bytes go with it."""

import base64
from datetime import UTC, datetime

from contracts.rejection import RejectionV1
from services.ingest.decode import Refusal


def rejection_of(refusal: Refusal, subject: str, inbox_sequence: int, body: bytes) -> RejectionV1:
    return RejectionV1(
        kind=refusal.kind,
        code=refusal.code,
        reason=refusal.reason,
        errors=refusal.errors,
        rule=refusal.rule,
        subject=subject,
        source=refusal.source,
        event_type=refusal.event_type,
        event_id=refusal.event_id,
        inbox_sequence=inbox_sequence,
        rejected_at=datetime.now(UTC),
        original_base64=base64.b64encode(body).decode("ascii"),
    )
