"""Provenance: where a recorded fact came from, carried by every event.

A plain mapping so that it stores as JSON: ``source`` and ``event_id`` (the sender and its own id
for the fact), ``occurred_at`` (when it happened, as the sender says; the store adds when we
learned it), optional ``correlation_id``/``causation_id``, and ``evidence`` (documents by URI and
SHA-256, so an auditor can check the document is the one that was cited).
"""

from datetime import datetime
from typing import Any

Provenance = dict[str, Any]


def provenance_of(
    source: str,
    event_id: str,
    occurred_at: datetime,
    *,
    correlation_id: str | None = None,
    causation_id: str | None = None,
    evidence: list[dict[str, str]] | None = None,
) -> Provenance:
    return {
        "source": source,
        "event_id": event_id,
        "occurred_at": occurred_at,
        "correlation_id": correlation_id,
        "causation_id": causation_id,
        "evidence": list(evidence or []),
    }
